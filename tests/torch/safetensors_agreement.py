#!/usr/bin/env python3
"""PyTorch takes initlab's safetensors export unchanged: a model trained by
`initlab train` (Dense, BatchNormalization, Conv2D, pooling, Flatten) is
converted with `initlab convert --pytorch`, read here with the byte layout of
the safetensors spec (no safetensors package needed), loaded with
load_state_dict(strict=True) into the nn.Sequential of the same architecture,
and must predict what `initlab predict` predicts within 1e-5.
Exit 77 (skipped) when torch cannot be imported."""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"safetensors_agreement: SKIPPED: {e}")
    sys.exit(77)

BIN = sys.argv[1]
DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + a:8 + n + b], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def run(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-2000:])
        sys.exit(1)


MODELS = {
    "mlp": ({"class_name": "Sequential", "config": {"name": "mlp", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 2], "name": "in"}},
        {"class_name": "Dense", "config": {"name": "h", "units": 8, "activation": "tanh"}},
        {"class_name": "BatchNormalization", "config": {"name": "bn"}},
        {"class_name": "Dense", "config": {"name": "h2", "units": 6, "activation": "relu"}},
        {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}]}},
        lambda: torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.BatchNorm1d(8, eps=1e-3),
                                    torch.nn.Linear(8, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1), torch.nn.Sigmoid()),
        (16, 2), {"dataset": {"name": "circle", "samples": 200}, "loss": "binary_crossentropy"}),
    "cnn": ({"class_name": "Sequential", "config": {"name": "cnn", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28, 28, 1], "name": "in"}},
        {"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "BatchNormalization", "config": {"name": "bn"}},
        {"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [2, 2]}},
        {"class_name": "Flatten", "config": {"name": "f"}},
        {"class_name": "Dense", "config": {"name": "out", "units": 10, "activation": "softmax"}}]}},
        lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.BatchNorm2d(4, eps=1e-3),
                                    torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(13 * 13 * 4, 10),
                                    torch.nn.Softmax(dim=1)),
        (8, 28, 28, 1), {"dataset": "fashion_mnist", "loss": "categorical_crossentropy"}),
}


def main():
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (config, torch_model, shape, task) in MODELS.items():
            config["training"] = {"epochs": 2, "batch_size": 10, "seed": 5, "optimizer": "adam", **task}
            cfg = os.path.join(tmp, f"{name}.json")
            with open(cfg, "w") as f:
                json.dump(config, f)
            keras = os.path.join(tmp, f"{name}.keras")
            st = os.path.join(tmp, f"{name}.safetensors")
            run("train", cfg, "--out", os.path.join(tmp, name), "--quiet", "--max-samples", "300", "--save", keras)
            run("convert", keras, st, "--pytorch")
            x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
            xp, yp = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
            np.save(xp, x)
            run("predict", keras, "--input", xp, "--output", yp)
            m = torch_model()
            m.load_state_dict(read_safetensors(st), strict=True)
            m.eval()
            with torch.no_grad():  # PyTorch's images are (N, C, H, W)
                xt = torch.from_numpy(x)
                got = m(xt.permute(0, 3, 1, 2) if xt.dim() == 4 else xt).numpy()
            want = np.load(yp)
            diff = float(np.max(np.abs(got - want)))
            worst = max(worst, diff)
            print(f"{name}: PyTorch's load_state_dict took initlab's export; max |torch - initlab| = {diff:.2e}")
            if not diff <= 1e-5:
                print(f"FAIL {name}: predictions differ by {diff}")
                return 1
    print(f"safetensors_agreement: ok (worst {worst:.2e})")
    return 0


sys.exit(main())
