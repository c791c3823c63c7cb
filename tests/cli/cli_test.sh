#!/usr/bin/env bash
# The initlab program: output, files and exit codes. Usage: cli_test.sh INITLAB
source "$(dirname "$0")/cli_lib.sh" "$@"
check describe 0 'he_normal \(784, 64\): truncated normal σ=0.0574 cut at ±0.1148 → std 0.0505 \(Var = 2/784\)' -- "$bin" init he_normal --shape 784,64 --seed 1234
check drawn-seed 0 'drawn at random; replay with --seed' -- "$bin" init glorot_uniform --shape 10,10
check list 0 'kaiming_uniform +KaimingUniform +pytorch' -- "$bin" init --list
check compare 0 'orthogonal +0.0357' -- "$bin" init --compare --shape 784,64 --seed 1
check json-config 0 'random_normal \(8, 8\): normal σ=0.01' -- "$bin" init '{"class_name": "RandomNormal", "config": {"stddev": 0.01}}' --shape 8,8
check set-param 0 'Var = 0.3333/64' -- "$bin" init kaiming_uniform --set a=2.2360679775 --shape 64,10
check sparse-set 0 "sparse \(100, 10\): normal σ=0.5 with 30 of 100 entries per column set to 0" -- "$bin" init sparse --set sparsity=0.3 --set std=0.5 --shape 100,10
check help 0 'Usage: .*init' -- "$bin" init --help
check top-help 0 'Subcommands' -- "$bin" --help
check unknown-id 2 "did you mean 'he_normal'" -- "$bin" init he_nromal
check bad-shape 2 "shape '3,x'" -- "$bin" init zeros --shape 3,x
check bad-option 2 '^initlab: error: ' -- "$bin" init zeros --bogus
check bad-field 2 "unknown field 'stdev'" -- "$bin" init random_normal --set stdev=3
check no-subcommand 2 'initlab: error' -- "$bin"
check bad-out 1 'cannot create a temporary file' -- "$bin" init zeros --shape 2 --out /nonexistent-dir/w.npy
check demo-coffee 0 'roast \(200 °C, 13.9 min\): probability 0\.[5-9][0-9]* → 1 \(good\)' -- "$bin" demo coffee --tile 300
check demo-symmetry 0 'still identical to the last bit' -- "$bin" demo symmetry --iterations 20
check demo-symmetry-random 2 'must be a constant initializer' -- "$bin" demo symmetry --init he_normal
check demo-help 0 'coffee' -- "$bin" demo --help
# --out writes a .npy that round-trips, identical for the same seed and any thread count.
INITLAB_NUM_THREADS=1 "$bin" init he_uniform --shape 300,400 --seed 5 --out "$tmp/a.npy" >/dev/null
INITLAB_NUM_THREADS=2 "$bin" init he_uniform --shape 300,400 --seed 5 --out "$tmp/b.npy" >/dev/null
if cmp -s "$tmp/a.npy" "$tmp/b.npy" && [ "$(head -c 6 "$tmp/a.npy" | tail -c 5)" = "NUMPY" ]; then
  echo "ok   npy-threads"
else
  echo "FAIL npy-threads: files differ or are not .npy"; fail=1
fi
# Kernels: the AVX2 and baseline builds write the same bits.
INITLAB_NO_AVX2=1 "$bin" init he_normal --shape 300,400 --seed 5 --out "$tmp/c.npy" >/dev/null
"$bin" init he_normal --shape 300,400 --seed 5 --out "$tmp/d.npy" >/dev/null
if cmp -s "$tmp/c.npy" "$tmp/d.npy"; then echo "ok   npy-isa"; else echo "FAIL npy-isa: AVX2 and baseline differ"; fail=1; fi
# initlab train: a tf-keras model file with a training section, on Playground's xor.
cat >"$tmp/xor.json" <<'JSON'
{"class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
 "config": {"name": "xor_net", "layers": [
   {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "dtype": "float32", "name": "input_1"}},
   {"class_name": "Dense", "config": {"name": "h", "units": 8, "activation": "tanh"}},
   {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}]},
 "training": {"dataset": {"name": "xor", "samples": 400}, "epochs": 30, "batch_size": 10, "seed": 3,
              "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.03}},
              "loss": "binary_crossentropy", "metrics": ["accuracy"]}}
JSON
check train-xor 0 'test: loss 0\.[0-9]+, accuracy (9[0-9]|100)\.[0-9]+%' -- "$bin" train "$tmp/xor.json" --out "$tmp/run" --quiet
if [ -f "$tmp/run/history.csv" ] && [ "$(wc -l <"$tmp/run/history.csv")" = 31 ] && grep -q '"val_accuracy"' "$tmp/run/history.json"; then
  echo "ok   train-history"
else
  echo "FAIL train-history: history.csv/json missing or incomplete"; fail=1
fi
check train-help 0 'history.csv' -- "$bin" train --help
check train-missing 2 'File does not exist' -- "$bin" train "$tmp/none.json"
sed 's/"Dense", "config": {"name": "h"/"LSTM", "config": {"name": "h"/' "$tmp/xor.json" >"$tmp/lstm.json"
check train-unknown-layer 2 'lstm.json: config.layers\[1\].class_name: unknown layer "LSTM"' -- "$bin" train "$tmp/lstm.json" --out "$tmp/r2"
sed 's/"units": 8/"units": "8"/' "$tmp/xor.json" >"$tmp/units.json"
check train-wrong-type 2 'config.layers\[1\].config.units: expected an integer, found "8"' -- "$bin" train "$tmp/units.json" --out "$tmp/r3"
printf '{"class_name": "Sequential",' >"$tmp/broken.json"
check train-bad-json 2 'broken.json:1:[0-9]+: not valid JSON' -- "$bin" train "$tmp/broken.json"
# initlab theory: mean-field predictions beside a measured net.
check theory 0 'critical σ_w² +1\.7609' -- "$bin" theory --activation tanh --sigma-w2 1.5 --sigma-b2 0.05 --depth 20 --width 128 --batch 64
check theory-table 0 '^ +20 +0\.418 ' -- "$bin" theory --activation tanh --sigma-w2 1.5 --sigma-b2 0.05 --depth 20 --width 128 --batch 64
check theory-chaotic 0 'phase +chaotic' -- "$bin" theory --activation tanh --sigma-w2 2.5 --sigma-b2 0.05 --no-measure
check theory-relu 0 'critical σ_w² +2 ' -- "$bin" theory --activation relu --sigma-w2 2 --sigma-b2 0 --depth 3 --width 64 --batch 16
check theory-critical 0 'critical σ_w² for tanh at σ_b² = 0.05: 1\.7609' -- "$bin" theory --activation tanh --sigma-b2 0.05 --critical
check theory-help 0 '--sigma-w2' -- "$bin" theory --help
check theory-bad-activation 2 "unknown activation 'tahn'" -- "$bin" theory --activation tahn
check theory-softmax 2 'must act element-wise' -- "$bin" theory --activation softmax
check theory-negative 2 "--sigma-b2: expected a finite number >= 0, found '-1'" -- "$bin" theory --sigma-b2 -1
check theory-depth 2 "--depth: expected a whole number from 1 to 10000, found '0'" -- "$bin" theory --depth 0
# initlab lab: a tiny comparison on Playground's spiral, with its report.
check lab 0 '^ +1  (he_normal|lsuv|glorot_uniform) ' -- "$bin" lab --dataset spiral --activation tanh --depth 3 --width 8 --steps 20 --batch-size 16 --eval-samples 100 --evaluations 3 --init zeros,glorot_uniform,he_normal,lsuv --report "$tmp/report.html" --quiet
if grep -q 'id="initlab-data"' "$tmp/report.html" 2>/dev/null && grep -q '</html>' "$tmp/report.html"; then
  echo "ok   lab-report"
else
  echo "FAIL lab-report: $tmp/report.html missing or incomplete"; fail=1
fi
check lab-symmetric 0 "verdict: layer 'dense': all 8 units are identical" -- "$bin" lab --dataset xor --depth 2 --width 8 --steps 5 --eval-samples 50 --init zeros --report '' --quiet
check lab-help 0 'report.html' -- "$bin" lab --help
check lab-bad-init 2 "did you mean 'he_normal'" -- "$bin" lab --init he_nromal --report ''
check lab-json-init 0 "random_normal \\(4, 4\\): normal σ=0.3" -- "$bin" lab --dataset xor --depth 2 --width 4 --steps 5 --eval-samples 20 --report "" --quiet --init 'he_normal,{"class_name": "RandomNormal", "config": {"stddev": 0.3}}'
check lab-bad-dataset 2 "unknown data set 'spirals'" -- "$bin" lab --dataset spirals --report ''
# initlab lint: the advisor on a Keras model file.
sed -e 's/"units": 8, "activation": "tanh"/"units": 8, "activation": "tanh", "kernel_initializer": "zeros"/' "$tmp/xor.json" >"$tmp/zeros.json"
check lint-zeros 1 "warning \[constant-kernel\] 'h' starts from a constant kernel \(zeros\)" -- "$bin" lint "$tmp/zeros.json"
check lint-clean 0 'no initialization warnings' -- "$bin" lint "$tmp/xor.json"
check lint-summary 1 'Init advisor: 1 warning' -- "$bin" lint "$tmp/zeros.json" --summary
check lint-unknown-layer 2 'config.layers\[1\].class_name: unknown layer "LSTM"' -- "$bin" lint "$tmp/lstm.json"
check lint-bad-shape 2 "--input-shape: expected a whole number >= 1, found '0'" -- "$bin" lint "$tmp/xor.json" --input-shape 3,0
check lint-help 0 'Exit status' -- "$bin" lint --help
exit $fail
