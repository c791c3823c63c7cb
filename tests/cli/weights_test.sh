#!/usr/bin/env bash
# Weights in and out from the command line: train --save, predict, convert
# between formats, train --checkpoint/--resume continuing bit for bit, and
# inspect/diff on what was written.
source "$(dirname "$0")/cli_lib.sh" "$@"
py=/usr/bin/python3

cat >"$tmp/xor.json" <<'JSON'
{"class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
 "config": {"name": "xor_net", "layers": [
   {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "dtype": "float32", "name": "input_1"}},
   {"class_name": "Dense", "config": {"name": "h", "units": 8, "activation": "tanh"}},
   {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.25}},
   {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}]},
 "training": {"dataset": {"name": "xor", "samples": 200}, "epochs": 4, "batch_size": 10, "seed": 3,
              "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.03}},
              "loss": "binary_crossentropy", "metrics": ["accuracy"]}}
JSON

check train-save 0 'saved: .*m\.keras' -- "$bin" train "$tmp/xor.json" --out "$tmp/run" --quiet --save "$tmp/m.keras"
check train-save-unwritable 1 '/nonexistent/dir/m.keras: cannot create a temporary file' -- "$bin" train "$tmp/xor.json" --out "$tmp/run0" --quiet --save /nonexistent/dir/m.keras
check train-save-bad-name 2 'the name does not say the format|names understood' -- "$bin" train "$tmp/xor.json" --out "$tmp/run0" --quiet --save "$tmp/m.bin"

# predict: float64 samples as NumPy saves them by default; the same outputs from every format.
$py -c "import numpy as np; np.save('$tmp/x.npy', np.array([[0.5, -1.0], [-2.0, 3.0], [1.0, 1.0]]))"
check predict-keras 0 '3 outputs of shape \(1,\)' -- "$bin" predict "$tmp/m.keras" --input "$tmp/x.npy" --output "$tmp/y1.npy"
check convert-json 0 'as a Keras model JSON|model JSON' -- "$bin" convert "$tmp/m.keras" "$tmp/m.json"
for f in w.weights.h5 w.h5 w.safetensors w.npz; do
  check "convert-$f" 0 "model .xor_net." -- "$bin" convert "$tmp/m.keras" "$tmp/$f" --weights-only
  check "predict-$f" 0 '3 outputs' -- "$bin" predict "$tmp/m.json" --weights "$tmp/$f" --input "$tmp/x.npy" --output "$tmp/y-$f.npy"
  expect "same-outputs-$f" "$(cmp -s "$tmp/y1.npy" "$tmp/y-$f.npy" && echo same)" = same
done
# Legacy tf-keras HDF5 model files: written by initlab, read back, and read by h5py the way
# tf-keras's loader reads them (layer_names, weight_names, a NumPy forward pass).
check convert-h5-model 0 "model 'xor_net'" -- "$bin" convert "$tmp/m.keras" "$tmp/m.h5"
check predict-h5-model 0 '3 outputs' -- "$bin" predict "$tmp/m.h5" --input "$tmp/x.npy" --output "$tmp/y-m.h5.npy"
expect same-outputs-h5-model "$(cmp -s "$tmp/y1.npy" "$tmp/y-m.h5.npy" && echo same)" = same
if $py -c "import h5py" 2>/dev/null; then
  got=$($py - "$tmp/m.h5" "$tmp/x.npy" "$tmp/y1.npy" <<'PY'
import json, sys
import h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    config = json.loads(f.attrs["model_config"])
    g = f["model_weights"]
    names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["layer_names"]]
    weights = {}
    for n in names:
        wn = [w.decode() if isinstance(w, bytes) else w for w in g[n].attrs["weight_names"]]
        weights[n] = [np.asarray(g[n][w]) for w in wn]
x = np.load(sys.argv[2]).astype(np.float32)
act = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "linear": lambda v: v}
for layer in config["config"]["layers"]:
    c = layer["config"]
    if layer["class_name"] == "Dense":
        k, b = weights[c["name"]]
        x = act[c["activation"]](x @ k + b)
print(np.allclose(x, np.load(sys.argv[3]), rtol=1e-6, atol=1e-7))
PY
)
  expect h5py-reads-initlab-h5 "$got" = True
fi
fx="$(cd "$(dirname "$0")/../fixtures/h5" && pwd)"
if $py -c "import numpy" 2>/dev/null; then
  $py -c "import numpy as np; np.save('$tmp/fx.npy', np.load('$fx/legacy_mlp_model.io.npz')['x'])"
  check predict-tf-keras-file 0 '7 outputs of shape \(3,\)' -- "$bin" predict "$fx/legacy_mlp_model.h5" --input "$tmp/fx.npy" --output "$tmp/fy.npy"
  got=$($py -c "import numpy as np; print(np.allclose(np.load('$tmp/fy.npy'), np.load('$fx/legacy_mlp_model.io.npz')['y'], rtol=1e-5, atol=1e-6))")
  expect predict-tf-keras-file-values "$got" = True
fi
check inspect-damaged-h5 1 'the file is damaged: the global heap collection at byte 3992 has object 5' -- "$bin" inspect "$fx/damaged_global_heap.weights.h5"
check inspect-tf-keras-file 0 'dense/dense/kernel:0' -- "$bin" inspect "$fx/legacy_mlp_model.h5"
check demo-restore 0 '8 of 8 tensors changed' -- "$bin" demo restore
check predict-h5-by-name 0 '3 outputs' -- "$bin" predict "$tmp/m.json" --weights "$tmp/w.h5" --by-name --input "$tmp/x.npy" --output "$tmp/y-byname.npy"
expect same-outputs-h5-by-name "$(cmp -s "$tmp/y1.npy" "$tmp/y-byname.npy" && echo same)" = same
check predict-rename-malformed 2 'rename: expected FILE_LAYER=MODEL_LAYER, found "h"' -- "$bin" predict "$tmp/m.json" --weights "$tmp/w.h5" --by-name --rename h --input "$tmp/x.npy" --output "$tmp/y-r.npy"
check predict-rename-by-position 2 'renaming layers needs layers matched by name' -- "$bin" predict "$tmp/m.json" --weights "$tmp/w.h5" --rename h=h2 --input "$tmp/x.npy" --output "$tmp/y-r.npy"
check convert-tensors 0 'tensors, as stored' -- "$bin" convert "$tmp/w.safetensors" "$tmp/w2.npz"
check convert-needs-model 2 'holds weights without their architecture; give the model with --model' -- "$bin" convert "$tmp/w.weights.h5" "$tmp/w3.safetensors"
check convert-with-model 0 "model 'xor_net'" -- "$bin" convert "$tmp/w.weights.h5" "$tmp/w3.safetensors" --model "$tmp/m.json"
check predict-json-no-weights 2 'architecture only; give its weights with --weights' -- "$bin" predict "$tmp/m.json" --input "$tmp/x.npy" --output "$tmp/y9.npy"
$py -c "import numpy as np; np.save('$tmp/x3.npy', np.zeros((2, 3)))"
check predict-wrong-shape 2 'x3.npy: samples of shape \(3,\) \(the array is \(2, 3\)\), the model .xor_net. takes \(2,\)' -- "$bin" predict "$tmp/m.keras" --input "$tmp/x3.npy" --output "$tmp/y9.npy"
if $py -c "import numpy" 2>/dev/null; then
  got=$($py -c "import numpy as np; y = np.load('$tmp/y1.npy'); print(y.dtype, y.shape, bool(((y > 0) & (y < 1)).all()))")
  expect predict-npy-float32 "$got" = "float32 (3, 1) True"
fi

# A checkpointed run stopped in epoch 2 (on 1 thread) and resumed on 2 threads ends bit-identical to
# 4 epochs straight: weights, Adam's slots, dropout's and the shuffle's random positions.
check ckpt-full 0 'saved' -- "$bin" train "$tmp/xor.json" --out "$tmp/full" --quiet --epochs 4 --save "$tmp/full.safetensors"
check ckpt-first-half 0 'test: loss' -- env INITLAB_NUM_THREADS=1 "$bin" train "$tmp/xor.json" --out "$tmp/half" --quiet --epochs 2 --checkpoint "$tmp/ck" --checkpoint-every 7
check ckpt-resume 0 'resuming from .*ck/epoch0002' -- "$bin" train "$tmp/xor.json" --out "$tmp/half" --quiet --epochs 4 --checkpoint "$tmp/ck" --resume --save "$tmp/resumed.safetensors"
check ckpt-diff-identical 0 'all [0-9]+ tensors unchanged' -- "$bin" diff "$tmp/full.safetensors" "$tmp/resumed.safetensors"
check ckpt-resume-needs-dir 2 '--resume continues from a checkpoint directory' -- "$bin" train "$tmp/xor.json" --out "$tmp/r4" --quiet --resume

# inspect and diff on what was written.
check inspect-keras 0 'kernel|vars/0' -- "$bin" inspect "$tmp/m.keras"
check inspect-npz 0 'float32' -- "$bin" inspect "$tmp/w.npz"
exit $fail
