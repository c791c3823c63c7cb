#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Small real inputs (Keras model files in every dialect initlab reads,
initializer ids and configs, shapes, IDX raw and gzip, CSV, .npy) and a few
nasty ones (deep nesting, huge numbers, truncated files). Only the standard
library is used: the .npy and IDX files are written with struct.

    fuzz/tools/make_seeds.py            # (re)writes the generated seeds

Files that are not generated here (minimized crashers kept as regressions,
named crash-*, or anything added by hand) are left alone.
"""
import copy
import gzip
import json
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "corpus")

written = {}


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 20000, (target, name, len(data))
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    written.setdefault(target, []).append(name)


def dumps(v, indent=None):
    return json.dumps(v, indent=indent)


# ---- Keras model JSON ------------------------------------------------------------------------------------
POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def k3_init(cls, config=None):
    return {"module": "keras.initializers", "class_name": cls, "config": config or {}, "registered_name": None}


def k3_layer(cls, config, build_shape=None):
    e = {"module": "keras.layers", "class_name": cls, "config": config, "registered_name": None}
    if build_shape is not None:
        e["build_config"] = {"input_shape": build_shape}
    return e


def k3_dense(name, units, activation="relu", kernel="GlorotUniform", inp=None):
    return k3_layer("Dense", {
        "name": name, "trainable": True, "dtype": POLICY, "units": units, "activation": activation,
        "use_bias": True, "kernel_initializer": k3_init(kernel, {"seed": None}), "bias_initializer": k3_init("Zeros"),
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        "quantization_config": None}, [None, inp] if inp else None)


def k3_input(shape, name="input_layer"):
    return k3_layer("InputLayer", {"batch_shape": [None] + list(shape), "dtype": "float32", "sparse": False,
                                   "ragged": False, "name": name, "optional": False})


def k3_model(layers, name="sequential", compile_config=None, build=None):
    m = {"module": "keras", "class_name": "Sequential",
         "config": {"name": name, "trainable": True, "dtype": POLICY, "layers": layers},
         "registered_name": None}
    if build:
        m["build_config"] = {"input_shape": [None] + list(build)}
    if compile_config is not None:
        m["compile_config"] = compile_config
    return m


ADAM = {"module": "keras.optimizers", "class_name": "Adam", "config": {
    "name": "adam", "learning_rate": 0.009999999776482582, "weight_decay": None, "clipnorm": None,
    "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
    "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
    "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}, "registered_name": None}
BCE = {"module": "keras.losses", "class_name": "BinaryCrossentropy", "config": {
    "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
    "label_smoothing": 0.0, "axis": -1}, "registered_name": None}


def compile_cfg(optimizer=ADAM, loss=BCE, metrics=None):
    return {"optimizer": optimizer, "loss": loss, "loss_weights": None, "metrics": metrics,
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def keras_seeds():
    t = "keras_model"
    for f in sorted(os.listdir(os.path.join(ROOT, "examples", "configs"))):
        if f.endswith(".json"):
            with open(os.path.join(ROOT, "examples", "configs", f), "rb") as fh:
                put(t, "example_" + f[:-5], fh.read())

    coffee = k3_model([k3_input([2]), k3_dense("layer1", 3, "sigmoid", inp=2), k3_dense("layer2", 1, "sigmoid", inp=3)],
                      compile_config=compile_cfg(), build=[2])
    put(t, "keras3_coffee", dumps(coffee))

    # tf-keras 2.15: new-style envelopes, no compile_config.
    tfk = {"class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow", "config": {
        "name": "tfk", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {
                "batch_input_shape": [None, 6], "dtype": "float32", "sparse": False, "ragged": False, "name": "in"},
             "registered_name": None},
            {"module": "keras.layers", "class_name": "Dense", "config": {
                "name": "d1", "trainable": True, "dtype": "float32", "units": 5, "activation": "tanh", "use_bias": True,
                "kernel_initializer": {"module": "keras.initializers", "class_name": "RandomNormal",
                                       "config": {"mean": 0.0, "stddev": 0.01, "seed": None}, "registered_name": None},
                "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                     "registered_name": None},
                "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                "kernel_constraint": None, "bias_constraint": None}, "registered_name": None,
             "build_config": {"input_shape": [None, 6]}},
            {"module": "keras.layers", "class_name": "Dense", "config": {
                "name": "d2", "units": 3, "activation": "softmax"}, "registered_name": None}]}}
    put(t, "tfkeras215_mlp", dumps(tfk))

    # Keras <= 2.12 legacy entries (from the model tests): the input shape on the first layer.
    legacy = {"class_name": "Sequential", "keras_version": "2.12.0", "backend": "tensorflow", "config": {
        "name": "legacy", "layers": [
            {"class_name": "Conv2D", "config": {
                "name": "c", "batch_input_shape": [None, 8, 8, 3], "dtype": "float32", "filters": 4,
                "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last",
                "dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": False,
                "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": 5}},
                "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
                "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                "bias_constraint": None}},
            {"class_name": "BatchNormalization", "config": {
                "name": "bn", "axis": [3], "momentum": 0.9, "epsilon": 0.001, "center": True, "scale": True,
                "beta_initializer": {"class_name": "Zeros", "config": {}},
                "gamma_initializer": {"class_name": "Ones", "config": {}}}},
            {"class_name": "Activation", "config": {"name": "a", "activation": "relu"}},
            {"class_name": "GlobalAveragePooling2D", "config": {"name": "g", "data_format": "channels_last"}},
            {"class_name": "Dropout", "config": {"name": "d", "rate": 0.25, "noise_shape": None, "seed": 3}},
            {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "softmax"}}]}}
    put(t, "legacy_keras212_cnn", dumps(legacy))

    # Keras 2.0-style: config is the bare layer list.
    put(t, "legacy_layer_list", dumps({"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "a", "units": 4, "batch_input_shape": [None, 3],
                                           "activation": "relu", "kernel_initializer": "he_uniform"}},
        {"class_name": "Dense", "config": {"name": "b", "units": 1, "activation": "sigmoid"}}]}))

    # Every image layer, Keras 3.
    def conv(name, filters, k, strides=(1, 1), padding="valid", activation="relu", init="HeUniform"):
        return k3_layer("Conv2D", {
            "name": name, "trainable": True, "dtype": POLICY, "filters": filters, "kernel_size": list(k),
            "strides": list(strides), "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
            "groups": 1, "activation": activation, "use_bias": True, "kernel_initializer": k3_init(init, {"seed": 7}),
            "bias_initializer": k3_init("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None})

    def pool(cls, name, size=(2, 2), strides=None, padding="valid"):
        return k3_layer(cls, {"name": name, "trainable": True, "dtype": POLICY, "pool_size": list(size),
                              "padding": padding, "strides": list(strides) if strides else None,
                              "data_format": "channels_last"})

    cnn = k3_model([
        k3_input([12, 12, 2]),
        conv("c1", 4, (3, 3), padding="same"),
        pool("MaxPooling2D", "p1"),
        k3_layer("BatchNormalization", {"name": "bn", "trainable": True, "dtype": POLICY, "axis": -1,
                                        "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                                        "beta_initializer": k3_init("Zeros"), "gamma_initializer": k3_init("Ones"),
                                        "moving_mean_initializer": k3_init("Zeros"),
                                        "moving_variance_initializer": k3_init("Ones"),
                                        "beta_regularizer": None, "gamma_regularizer": None,
                                        "beta_constraint": None, "gamma_constraint": None, "synchronized": False}),
        conv("c2", 3, (2, 2), strides=(2, 2), activation="tanh", init="GlorotNormal"),
        pool("AveragePooling2D", "p2", (2, 1), (1, 1), "same"),
        k3_layer("Flatten", {"name": "f", "trainable": True, "dtype": POLICY, "data_format": "channels_last"}),
        k3_layer("Dropout", {"name": "drop", "trainable": True, "dtype": POLICY, "rate": 0.5, "seed": None,
                             "noise_shape": None}),
        k3_dense("out", 10, "softmax", kernel="LecunNormal")],
        name="cnn", compile_config=compile_cfg(
            {"module": "keras.optimizers", "class_name": "SGD",
             "config": {"name": "SGD", "learning_rate": 0.01, "momentum": 0.9, "nesterov": True}},
            {"module": "keras.losses", "class_name": "CategoricalCrossentropy",
             "config": {"name": "categorical_crossentropy", "from_logits": True, "label_smoothing": 0.0, "axis": -1}},
            ["accuracy"]))
    put(t, "keras3_cnn_all_layers", dumps(cnn))

    gap = k3_model([k3_input([5, 5, 3]), conv("c", 2, (5, 5)), k3_layer("GlobalAveragePooling2D", {
        "name": "g", "data_format": "channels_last", "keepdims": False}),
        k3_layer("Activation", {"name": "act", "activation": "swish"}),
        k3_layer("Normalization", {"name": "norm", "axis": -1, "mean": None, "variance": None, "invert": False}),
        k3_dense("o", 1, "linear")], compile_config=compile_cfg(
            {"module": "keras.optimizers", "class_name": "RMSprop",
             "config": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": True}},
            "mean_squared_error", None))
    put(t, "keras3_gap_norm_rmsprop", dumps(gap))

    deep = k3_model([k3_input([16])] + [k3_dense("h%d" % i, 8, "tanh", kernel="RandomNormal") for i in range(12)]
                    + [k3_dense("o", 2, "softmax")], name="deep_tanh")
    put(t, "keras3_deep_tanh_unscaled", dumps(deep))

    seeded = k3_model([k3_input([4])] + [k3_layer("Dense", {"name": "s%d" % i, "units": 4, "activation": "relu",
                                                           "kernel_initializer": k3_init("HeNormal", {"seed": 1})})
                                         for i in range(3)] + [k3_dense("o", 1, "sigmoid")])
    put(t, "keras3_shared_seed", dumps(seeded))
    put(t, "keras3_no_input_shape", dumps(k3_model([k3_dense("a", 4), k3_dense("b", 2, "softmax")])))

    # A training job: {"model": ..., "training": ...}.
    put(t, "train_job_wrapper", dumps({"model": k3_model([k3_input([2]), k3_dense("h", 4), k3_dense("o", 1, "sigmoid")]),
                                       "training": {"dataset": "xor", "epochs": 2, "batch_size": 16, "seed": 3,
                                                    "validation_split": 0.2, "optimizer": "adam",
                                                    "loss": {"class_name": "BinaryCrossentropy",
                                                             "config": {"from_logits": False}},
                                                    "metrics": ["accuracy"]}}))
    put(t, "train_job_inline", dumps(dict(copy.deepcopy(coffee), training={
        "dataset": {"name": "spiral", "noise": 0.1, "samples": 100}, "epochs": 1,
        "optimizer": {"class_name": "Adagrad", "config": {"learning_rate": 0.1}}, "loss": "mse"})))

    # Nasty ones.
    def with_units(v):
        return '{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config": ' \
               '{"batch_shape": [null, 4]}}, {"class_name": "Dense", "config": {"name": "d", "units": %s}}]}}' % v
    put(t, "nasty_units_deep_nesting", with_units("[" * 9000 + "]" * 9000))
    put(t, "nasty_units_unclosed_nesting", with_units("[" * 9000))
    put(t, "nasty_units_1e400", with_units("1e400"))
    put(t, "nasty_units_u64max", with_units("18446744073709551615"))
    put(t, "nasty_units_1e12", with_units("1e12"))
    put(t, "nasty_units_float", with_units("3.5"))
    put(t, "nasty_dense_40000_wide", '{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer",'
        ' "config": {"batch_shape": [null, 40000]}}, {"class_name": "Dense", "config": {"units": 40000}}]}}')
    put(t, "nasty_pool_stride_zero", dumps(k3_model([k3_input([8, 8, 1]), pool("MaxPooling2D", "p", (2, 2), (2, 0))])))
    put(t, "nasty_pool_larger_than_input", dumps(k3_model([k3_input([3, 3, 1]), pool("AveragePooling2D", "p", (5, 5))])))
    put(t, "nasty_conv_kernel_zero", dumps(k3_model([k3_input([6, 6, 1]), conv("c", 2, (0, 3))])))
    put(t, "nasty_conv_huge_filters", dumps(k3_model([k3_input([4, 4, 1]), conv("c", 2 ** 31, (3, 3))])))
    put(t, "nasty_adam_typo", dumps(dict(copy.deepcopy(coffee), compile_config=compile_cfg(
        {"class_name": "Adam", "config": {"learning_rate": 0.001, "betaa_1": 0.9}}))))
    put(t, "nasty_name_traversal", dumps(k3_model([k3_input([3]), k3_dense("o", 1)], name="../../x")))
    put(t, "nasty_duplicate_names", dumps(k3_model([k3_input([3]), k3_dense("o", 2), k3_dense("o", 1)])))
    put(t, "nasty_truncated", dumps(coffee)[:700])
    put(t, "nasty_not_object", "[1, 2, 3]")
    put(t, "nasty_utf8", '{"class_name": "Sequential\u00e9\xff", "config": {}}'.encode("utf-8", "surrogateescape"))
    put(t, "nasty_many_layers", dumps(k3_model([k3_input([2])] + [{"class_name": "Dense", "config": {"units": 2}}] * 300)))


# ---- initializers ----------------------------------------------------------------------------------------
IDS = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
       "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
       "identity", "kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal", "trunc_normal", "dirac",
       "eye", "torch_default", "delta_orthogonal", "HeNormal", "GlorotUniform", "normal", "uniform", "zero"]


def initializer_seeds():
    t = "initializer"
    for i in IDS:
        put(t, "id_" + i, i)
    configs = {
        "random_normal": {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.05, "seed": 7}},
        "random_uniform": {"class_name": "RandomUniform", "config": {"minval": -1.5, "maxval": 2.0, "seed": None}},
        "truncated_normal": {"class_name": "TruncatedNormal", "config": {"mean": 1.0, "stddev": 0.1}},
        "constant": {"class_name": "Constant", "config": {"value": 0.25}},
        "variance_scaling": {"class_name": "VarianceScaling",
                             "config": {"scale": 2.0, "mode": "fan_avg", "distribution": "untruncated_normal", "seed": 3}},
        "variance_scaling_uniform": {"class_name": "VarianceScaling",
                                     "config": {"scale": 1.0, "mode": "fan_out", "distribution": "uniform"}},
        "orthogonal": {"class_name": "Orthogonal", "config": {"gain": 1.5, "seed": 11}},
        "identity": {"class_name": "Identity", "config": {"gain": 2.0}},
        "keras3_module": {"module": "keras.initializers", "class_name": "HeUniform", "config": {"seed": 1234},
                          "registered_name": None},
        "kaiming_uniform": {"class_name": "kaiming_uniform", "config": {"a": 2.236, "mode": "fan_out",
                                                                        "nonlinearity": "leaky_relu"}},
        "kaiming_normal": {"class_name": "KaimingNormal", "config": {"a": 0, "mode": "fan_in", "nonlinearity": "relu"}},
        "xavier_uniform": {"class_name": "XavierUniform", "config": {"gain": 1.4142}},
        "trunc_normal": {"class_name": "TruncNormal", "config": {"mean": 0.0, "std": 1.0, "a": -0.5, "b": 3.0}},
        "sparse": {"class_name": "Sparse", "config": {"sparsity": 0.3, "std": 0.02, "seed": 2}},
        "dirac": {"class_name": "Dirac", "config": {"groups": 2}},
        "delta_orthogonal": {"class_name": "DeltaOrthogonal", "config": {"gain": 1.0}},
        "torch_default": {"class_name": "TorchDefault", "config": {}},
    }
    for name, c in configs.items():
        put(t, "config_" + name, dumps(c))
    put(t, "shape_conv_he", "3,3,16,32\nhe_normal")
    put(t, "shape_tuple_orthogonal", "(16, 4)\n" + dumps(configs["orthogonal"]))
    put(t, "shape_conv_dirac", "3x3x4x4\n" + dumps(configs["dirac"]))
    put(t, "shape_vector_identity", "7\nidentity")
    put(t, "shape_scalar_constant", "\n" + dumps(configs["constant"]))
    put(t, "shape_sparse_rank1", "(5,)\n" + dumps(configs["sparse"]))
    # Nasty ones.
    put(t, "nasty_constant_1e39", dumps({"class_name": "Constant", "config": {"value": 1e39}}))
    put(t, "nasty_uniform_3e38", dumps({"class_name": "RandomUniform", "config": {"minval": -3e38, "maxval": 3e38}}))
    put(t, "nasty_normal_nan", '{"class_name": "RandomNormal", "config": {"stddev": NaN}}')
    put(t, "nasty_normal_1e400", '{"class_name": "RandomNormal", "config": {"stddev": 1e400}}')
    put(t, "nasty_seed_negative", dumps({"class_name": "HeNormal", "config": {"seed": -1}}))
    put(t, "nasty_seed_huge", '{"class_name": "HeNormal", "config": {"seed": 18446744073709551616}}')
    put(t, "nasty_seed_float", dumps({"class_name": "HeNormal", "config": {"seed": 1.5}}))
    put(t, "nasty_unknown_key", dumps({"class_name": "RandomNormal", "config": {"stdev": 0.1}}))
    put(t, "nasty_deep_nesting", '{"class_name": "RandomNormal", "config": {"stddev": ' + "[" * 9000 + "]" * 9000 + "}}")
    put(t, "nasty_unclosed_nesting", '{"class_name": "RandomNormal", "config": {"stddev": ' + "[" * 15000)
    put(t, "nasty_long_id", "he_normal" * 1500)
    put(t, "nasty_sparse_shape_huge", "1000000000,1000000000\n" + dumps(configs["sparse"]))
    put(t, "nasty_orthogonal_huge", "100000,100000\northogonal")
    put(t, "nasty_trunc_normal_empty", dumps({"class_name": "TruncNormal", "config": {"a": 3.0, "b": -3.0}}))
    put(t, "nasty_variance_scaling_negative",
        dumps({"class_name": "VarianceScaling", "config": {"scale": -1.0, "mode": "fan_sum"}}))
    put(t, "nasty_dirac_groups_zero", "3,3,4,4\n" + dumps({"class_name": "Dirac", "config": {"groups": 0}}))
    put(t, "nasty_zero_dim", "0,5\nglorot_uniform")


# ---- CLI specs -------------------------------------------------------------------------------------------
def cli_spec_seeds():
    t = "cli_spec"
    for name, s in [("csv", "784,64"), ("tuple", "(784, 64)"), ("x", "3x3x16x32"), ("empty", ""), ("one", "(7,)"),
                    ("rank6", "1,2,3,4,5,6"), ("spaces", " 10 , 20 "), ("nasty_space_inside", "784 64"),
                    ("nasty_rank7", "1,1,1,1,1,1,1"), ("nasty_negative", "-3,4"), ("nasty_zero", "0,4"),
                    ("nasty_overflow", "99999999999999999999,2"), ("nasty_product_overflow", "4294967296,4294967296,8"),
                    ("nasty_float", "2.5,3"), ("nasty_trailing_comma", "3,4,"), ("nasty_unbalanced", "(3,4"),
                    ("nasty_hex", "0x10,2"), ("nasty_plus", "+3,4"), ("nasty_nul", "3\x004"),
                    ("brackets", "[784, 64]"), ("nasty_double_comma", "784,,64"), ("nasty_mixed", "(3x4]")]:
        put(t, name, s)
    # One item of the lab's --init.
    for name, s in [("init_normal", "random_normal(0.05)"), ("init_spaces", " truncated_normal ( 2e-2 ) "),
                    ("init_class", "RandomNormal(0.5)"), ("init_plus", "random_uniform(+0.1)"),
                    ("init_gain", "orthogonal(2)"), ("init_scale", "variance_scaling(.5)"), ("init_id", "he_normal"),
                    ("init_constant", "constant(-1.25)"), ("init_identity", "identity(3)"),
                    ("init_json", '{"class_name": "RandomNormal", "config": {"stddev": 0.01}}'),
                    ("init_nasty_two_dots", "random_normal(0.05.1)"), ("init_nasty_1e400", "random_normal(1e400)"),
                    ("init_nasty_1e39", "constant(1e39)"), ("init_nasty_inf", "random_normal(inf)"),
                    ("init_nasty_tiny", "random_normal(1e-60)"), ("init_nasty_no_scale", "he_normal(2)"),
                    ("init_nasty_unclosed", "random_normal(0.05"), ("init_nasty_typo", "rnadom_normal(0.05)"),
                    ("init_nasty_nested", "random_normal(random_normal(1))"), ("init_nasty_empty_call", "constant()")]:
        put(t, name, s)


# ---- IDX -------------------------------------------------------------------------------------------------
def idx_bytes(type_byte, dims, payload):
    return bytes([0, 0, type_byte, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_files():
    files = {
        "u8_images_2x3x3": idx_bytes(0x08, [2, 3, 3], bytes(range(18))),
        "u8_labels_5": idx_bytes(0x08, [5], bytes([0, 1, 9, 3, 2])),
        "i8_4": idx_bytes(0x09, [4], struct.pack(">4b", -128, -1, 0, 127)),
        "i16_2x2": idx_bytes(0x0B, [2, 2], struct.pack(">4h", -32768, -1, 1, 32767)),
        "i32_3": idx_bytes(0x0C, [3], struct.pack(">3i", -2 ** 31, 0, 2 ** 31 - 1)),
        "f32_2x2": idx_bytes(0x0D, [2, 2], struct.pack(">4f", 1.5, -2.25, 0.0, 3.0e38)),
        "f64_3": idx_bytes(0x0E, [3], struct.pack(">3d", 1e-300, -1.0, 1e300)),
        "scalar_rank0": idx_bytes(0x08, [], bytes([42])),
        "empty_dim0": idx_bytes(0x08, [0, 28, 28], b""),
        "nasty_truncated": idx_bytes(0x08, [10, 28, 28], bytes(100)),
        "nasty_trailing": idx_bytes(0x08, [2], bytes(10)),
        "nasty_huge_dims": idx_bytes(0x08, [60000, 60000, 60000], bytes(16)),
        "nasty_dims_overflow": idx_bytes(0x0E, [0xFFFFFFFF] * 4, bytes(8)),
        "nasty_bad_type": idx_bytes(0x07, [2], bytes(2)),
        "nasty_bad_magic": b"\x01\x00\x08\x01\x00\x00\x00\x02\x00\x00",
        "nasty_rank255": bytes([0, 0, 8, 255]) + bytes(64),
        "nasty_f32_nan_inf": idx_bytes(0x0D, [3], struct.pack(">3f", float("nan"), float("inf"), -float("inf"))),
        "nasty_header_only": b"\x00\x00\x08",
    }
    return files


def idx_seeds():
    for name, data in idx_files().items():
        put("idx", name, data)
    for name, data in idx_files().items():
        put("idx_gzip", name + ".gz", gzip.compress(data, 9, mtime=0))
    put("idx_gzip", "nasty_not_gzip", idx_files()["u8_labels_5"])
    put("idx_gzip", "nasty_truncated_gzip", gzip.compress(idx_bytes(0x08, [4, 4], bytes(16)), 9, mtime=0)[:20])
    # Declares 1x1 but the stream holds a megabyte: decompression must stop at the declared size.
    put("idx_gzip", "nasty_bomb_small_header.gz", gzip.compress(idx_bytes(0x08, [1, 1], bytes(1 << 20)), 9, mtime=0))
    # Declares 60000x28x28 but the stream is short.
    put("idx_gzip", "nasty_declares_more.gz", gzip.compress(idx_bytes(0x08, [60000, 28, 28], bytes(1000)), 9, mtime=0))
    two = gzip.compress(idx_bytes(0x08, [2], b"\x01"), mtime=0) + gzip.compress(b"\x02", mtime=0)
    put("idx_gzip", "nasty_two_members.gz", two)
    put("idx_gzip", "nasty_empty", b"")


# ---- CSV -------------------------------------------------------------------------------------------------
def csv_seeds():
    t = "csv"
    for name, s in [
        ("basic", "x1,x2,label\n0.5,1,0\n-2,3e-3,1\n4,5,1\n"),
        ("label_first", "label,a,b,c\n1,0,0,0\n0,1,2,3\n"),
        ("crlf_quoted", "\"a\",\"b\",\"label\"\r\n1,2,3\r\n4,5,6\r\n"),
        ("no_final_newline", "a,label\n1,2\n3,4"),
        ("spaces", " a , label \n 1 , 2 \n"),
        ("header_only", "a,b,label\n"),
        ("blank_lines", "a,label\n\n1,2\n\n3,4\n\n"),
        ("nasty_duplicate_label", "label,a,label\n1,2,3\n"),
        ("nasty_duplicate_feature", "a,a,label\n1,2,3\n"),
        ("nasty_missing_label", "a,b\n1,2\n"),
        ("nasty_short_row", "a,b,label\n1,2\n"),
        ("nasty_long_row", "a,label\n1,2,3\n"),
        ("nasty_text_cell", "a,label\n1,x\n"),
        ("nasty_nan_inf", "a,b,label\nnan,1,0\ninf,-inf,1\n"),
        ("nasty_1e400", "a,label\n1e400,1\n"),
        ("nasty_hex", "a,label\n0x1p3,1\n"),
        ("nasty_empty_cell", "a,label\n,1\n"),
        ("nasty_empty", ""),
        ("nasty_unterminated_quote", "\"a,label\n1,2\n"),
        ("nasty_nul", "a,label\n1\x00,2\n"),
        ("nasty_wide_header", ",".join("c%d" % i for i in range(300)) + ",label\n"),
    ]:
        put(t, name, s)


# ---- .npy ------------------------------------------------------------------------------------------------
def npy(descr, shape, payload, fortran=False, version=(1, 0), header=None):
    if header is None:
        shp = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(str(d) for d in shape) + ")"
        header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shp)
    h = header.encode("latin1")
    lenbytes = 4 if version[0] >= 2 else 2
    total = 6 + 2 + lenbytes + len(h) + 1
    pad = (64 - total % 64) % 64
    h = h + b" " * pad + b"\n"
    ln = struct.pack("<I", len(h)) if lenbytes == 4 else struct.pack("<H", len(h))
    return b"\x93NUMPY" + bytes(version) + ln + h + payload


def npy_seeds():
    t = "npy"
    put(t, "f4_2x3", npy("<f4", [2, 3], struct.pack("<6f", 0, 1, 2, 3, 4, 5)))
    put(t, "f4_vector", npy("<f4", [4], struct.pack("<4f", -1, 0.5, 1e-40, 3e38)))
    put(t, "f4_scalar", npy("<f4", [], struct.pack("<f", 7.0)))
    put(t, "f4_rank4", npy("<f4", [1, 2, 1, 2], struct.pack("<4f", 1, 2, 3, 4)))
    put(t, "f4_empty", npy("<f4", [0, 3], b""))
    put(t, "f4_v2_header", npy("<f4", [2], struct.pack("<2f", 1, 2), version=(2, 0)))
    put(t, "nasty_f8", npy("<f8", [2], struct.pack("<2d", 1, 2)))
    put(t, "nasty_big_endian", npy(">f4", [2], struct.pack(">2f", 1, 2)))
    put(t, "nasty_fortran", npy("<f4", [2, 2], struct.pack("<4f", 1, 2, 3, 4), fortran=True))
    put(t, "nasty_truncated_payload", npy("<f4", [100], struct.pack("<2f", 1, 2)))
    put(t, "nasty_huge_shape", npy("<f4", [2 ** 40, 2 ** 40], b""))
    put(t, "nasty_shape_overflow", npy("<f4", [2 ** 62, 8], b""))
    put(t, "nasty_negative_dim", npy("<f4", [-2, 3], b""))
    put(t, "nasty_rank7", npy("<f4", [1] * 7, struct.pack("<f", 1)))
    put(t, "nasty_nan_inf", npy("<f4", [3], struct.pack("<3f", float("nan"), float("inf"), -float("inf"))))
    put(t, "nasty_header_garbage", npy(None, None, b"", header="{'descr': '<f4', 'shape': ((((((, }"))
    put(t, "nasty_header_no_shape", npy(None, None, b"", header="{'descr': '<f4', 'fortran_order': False}"))
    put(t, "nasty_header_len_huge", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
    put(t, "nasty_magic_only", b"\x93NUMPY")
    put(t, "nasty_trailing_bytes", npy("<f4", [1], struct.pack("<2f", 1, 2)))


# ---- JSON texts and text helpers ------------------------------------------------------------------------
def json_text_seeds():
    t = "json_text"
    with open(os.path.join(ROOT, "examples", "configs", "fashion_mlp_rmsprop.json"), "rb") as fh:
        put(t, "example_fashion_mlp_rmsprop", fh.read())
    put(t, "initializer_config", dumps({"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.05}}))
    for name, s in [
        ("depth_64", "[" * 64 + "]" * 64), ("depth_65", "[" * 65 + "]" * 65),
        ("depth_objects_65", '{"a":' * 65 + "1" + "}" * 65), ("depth_unclosed_9000", "[" * 9000),
        ("numbers", "[0, -0, 1e308, -1e308, 5e-324, 1.7976931348623157e308, 9223372036854775807, "
                    "18446744073709551615, 18446744073709551616, -9223372036854775809, 1e-400]"),
        ("nasty_1e400", '{"units": 1e400}'), ("nasty_minus_1e400", "[-1e400]"), ("nasty_nan", "[NaN, Infinity]"),
        ("strings", r'["a\\b", "\u00e9\u4e2d\ud83d\ude00", "\n\t\"", ""]'),
        ("nasty_lone_surrogate", r'["\ud800", "\udc00x"]'), ("nasty_nul_escape", r'"a\u0000b"'),
        ("nasty_long_string", '"' + "x" * 15000 + '"'), ("long_array", "[" + ",".join(["1"] * 4000) + "]"),
        ("wide_object", "{" + ",".join('"k%d": %d' % (i, i) for i in range(1500)) + "}"),
        ("duplicate_keys", '{"a": 1, "a": 2}'), ("nasty_trailing_garbage", '{"a": 1} x'),
        ("nasty_trailing_comma", '[1, 2,]'), ("nasty_comment", '{"a": 1 /* c */}'), ("nasty_empty", ""),
        ("nasty_whitespace", " \n\t "), ("nasty_unterminated_string", '{"a": "abc'), ("scalar_true", "true"),
    ]:
        put(t, name, s)
    put(t, "nasty_bom", b"\xef\xbb\xbf{}")
    put(t, "nasty_invalid_utf8", b'["\xff\xfe", "\xc3"]')


def text_seeds():
    t = "text"
    for name, s in [
        ("typo", b"betaa_1\0beta_1"), ("case", b"Beta_1\0beta_1"), ("empty", b""), ("same", b"units\0units"),
        ("traversal", b"../../x"), ("dot", b"."), ("dotdot", b".."), ("hidden", b".hidden"), ("spaces", b"  my model  "),
        ("slashes", b"a/b\\c"), ("windows", b'con:*?"<>|'), ("control", b"a\x01b\x7f\n"),
        ("utf8", "mod\u00e8le \u4e2d\u6587 \U0001f600".encode()), ("long_utf8", ("\u00e9" * 120).encode()),
        ("invalid_utf8", b"\xff\xfe\xc3\x28 \xe2\x82"), ("overlong", b"\xc0\xaf\xe0\x80\xaf"),
        ("long_name", b"n" * 4000), ("many_candidates", b"lr\0" + b"\0".join(b"w%d" % i for i in range(200))),
        ("long_pair", b"a" * 600 + b"\0" + b"b" * 600),
    ]:
        put(t, name, s)


def main():
    json_text_seeds()
    text_seeds()
    keras_seeds()
    initializer_seeds()
    cli_spec_seeds()
    idx_seeds()
    csv_seeds()
    npy_seeds()
    for target, names in sorted(written.items()):
        print("%-12s %3d seeds" % (target, len(names)))


if __name__ == "__main__":
    sys.exit(main())
