#!/usr/bin/env bash
# Model building on the command line: deep files lint in seconds, huge layers
# are linted without allocating a weight, networks too large for memory are
# refused up front with the figure, bad layer arguments name the layer and
# field. Usage: model_hardening_test.sh INITLAB
source "$(dirname "$0")/cli_lib.sh" "$@"

# model FILE INPUT_SHAPE LAYER_JSON... : a Keras Sequential file.
model() {
  local file="$1" shape="$2"; shift 2
  local layers="{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, $shape], \"name\": \"input\"}}"
  for l in "$@"; do layers="$layers, $l"; done
  printf '{"class_name": "Sequential", "config": {"name": "m", "layers": [%s]}}\n' "$layers" >"$file"
}

# 5 000 unnamed Dense layers: naming was quadratic (106 s); now well under a second.
{
  printf '{"class_name": "Sequential", "config": {"name": "deep", "layers": ['
  printf '{"class_name": "InputLayer", "config": {"batch_shape": [null, 8], "name": "input"}}'
  for _ in $(seq 5000); do printf ', {"class_name": "Dense", "config": {"units": 8, "activation": "relu"}}'; done
  printf ']}}\n'
} >"$tmp/deep.json"
start=$(date +%s)
check lint-5000-layers 1 'deep \(Keras\), 5000 layers' -- timeout 60 "$bin" lint "$tmp/deep.json"
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -gt 10 ]; then echo "FAIL lint-5000-layers-time: ${elapsed} s"; fail=1; else echo "ok   lint-5000-layers-time (${elapsed} s)"; fi
check lint-5000-product 1 '×10\^-1505 over 4999 layers' -- "$bin" lint "$tmp/deep.json"

# Dense(40000) on a 40000-wide input: 6.4 GB of weights, linted under a 200 MB budget.
model "$tmp/wide.json" 40000 '{"class_name": "Dense", "config": {"units": 40000, "activation": "relu"}}' \
  '{"class_name": "Dense", "config": {"units": 10, "activation": "softmax", "kernel_initializer": "zeros"}}'
check lint-wide-no-weights 0 'no initialization warnings' -- env INITLAB_MEMORY_LIMIT=200M "$bin" lint "$tmp/wide.json"
check lint-wide-summary 0 'Total params: 1600440010' -- env INITLAB_MEMORY_LIMIT=200M "$bin" lint --summary "$tmp/wide.json"
model "$tmp/wide_zeros.json" 40000 '{"class_name": "Dense", "config": {"units": 40000, "activation": "tanh", "kernel_initializer": "zeros"}}' \
  '{"class_name": "Dense", "config": {"units": 10}}'
check lint-wide-advice 1 'its 40000 units are copies of one unit' -- env INITLAB_MEMORY_LIMIT=200M "$bin" lint "$tmp/wide_zeros.json"
# --input-shape declares the shape without building either.
printf '{"class_name": "Sequential", "config": {"name": "m", "layers": [%s]}}\n' \
  '{"class_name": "Dense", "config": {"units": 40000, "activation": "relu"}}, {"class_name": "Dense", "config": {"units": 10}}' \
  >"$tmp/noshape.json"
check lint-input-shape-no-weights 0 'Total params: 1600440010' -- env INITLAB_MEMORY_LIMIT=200M "$bin" lint --summary --input-shape 40000 "$tmp/noshape.json"

# The lab refuses a network that cannot fit, before loading data or allocating.
check lab-too-wide 2 'lab: the network .* × Dense\(65536\) .* needs [0-9.]+ [kMGTP]B; [0-9.]+ [kMGTP]B (are available|is the memory budget)' -- timeout 20 "$bin" lab --width 65536 --depth 1000 --dataset spiral --report ''
check lab-budget 2 'needs [0-9.]+ GB; 100 MB is the memory budget \(INITLAB_MEMORY_LIMIT\)' -- env INITLAB_MEMORY_LIMIT=100000000 timeout 20 "$bin" lab --width 8192 --depth 4 --dataset spiral --report ''

# Layer arguments: the layer and the field, on every axis.
model "$tmp/pool.json" '8, 8, 1' '{"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [2, 2], "strides": [2, 0]}}'
check pool-zero-stride 2 'pool.*strides' -- timeout 10 "$bin" lint "$tmp/pool.json"
model "$tmp/conv.json" '3, 3, 1' '{"class_name": "Conv2D", "config": {"name": "conv", "filters": 2, "kernel_size": [5, 5]}}'
check conv-kernel-too-large 2 "layer 'conv' \(Conv2D\): kernel_size \(5, 5\) is larger than its input \(3, 3\) with padding 'valid'" -- "$bin" lint "$tmp/conv.json"
model "$tmp/poolbig.json" '4, 4, 1' '{"class_name": "AveragePooling2D", "config": {"name": "avg", "pool_size": [5, 2]}}'
check pool-too-large 2 "layer 'avg' \(AveragePooling2D\): pool_size \(5, 2\) is larger than its input \(4, 4\) with padding 'valid'" -- "$bin" lint "$tmp/poolbig.json"
model "$tmp/bn.json" 4 '{"class_name": "BatchNormalization", "config": {"name": "bn", "epsilon": 0}}'
check bn-epsilon 2 "layer 'bn' \(BatchNormalization\): epsilon must be finite and > 0" -- "$bin" lint "$tmp/bn.json"
model "$tmp/drop.json" 4 '{"class_name": "Dropout", "config": {"name": "drop", "rate": 1.0}}'
check dropout-rate 2 "layer 'drop' \(Dropout\): rate must be in \[0, 1\)" -- "$bin" lint "$tmp/drop.json"
model "$tmp/empty.json" '0' '{"class_name": "Dense", "config": {"name": "d", "units": 3}}'
check empty-input 2 'positive dimension|empty axis' -- "$bin" lint "$tmp/empty.json"

exit $fail
