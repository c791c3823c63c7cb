#!/usr/bin/env bash
# JSON from a careless or hostile user, on the command line: nesting that
# would overflow the stack, numbers that would wrap or overflow, values that
# would make huge messages, keys Keras does not know, documents too large for
# memory. Every case exits with a one-line message naming the file and field.
# Usage: json_hardening_test.sh INITLAB
source "$(dirname "$0")/cli_lib.sh" "$@"
# check_short NAME MAX_BYTES -- command...: an initlab error (exit 2) of at most MAX_BYTES.
check_short() {
  local name="$1" max="$2"; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != 2 ] || ! grep -q '^initlab: error: ' <<<"$out"; then echo "FAIL $name: exit $rc, expected an initlab error"; echo "${out:0:500}"; fail=1; return; fi
  if [ "${#out}" -gt "$max" ]; then echo "FAIL $name: ${#out} bytes of output, expected at most $max"; echo "${out:0:500}"; fail=1; return; fi
  echo "ok   $name"
}

# A Keras 3 model, Input(4) → Dense(UNITS), with extra Dense keys and top-level keys spliced in.
model() {  # model UNITS_JSON [EXTRA_DENSE_KEYS] [TOP_LEVEL_EXTRA]
  printf '{"module": "keras", "class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [null, 4]}},
    {"class_name": "Dense", "config": {"name": "d", "units": %s%s}}]}%s}\n' "$1" "${2:-}" "${3:-}"
}

# ---- nesting: refused before anything is built, no stack overflow ----------------
python3 -c "print('['*100000 + ']'*100000)" > "$tmp/deep_value"
model "$(cat "$tmp/deep_value")" > "$tmp/deep.json"
check lint-deep 2 'deep.json:3:[0-9]+: JSON nested deeper than 64 levels' -- "$bin" lint "$tmp/deep.json"
check train-deep 2 'deep.json:3:[0-9]+: JSON nested deeper than 64 levels' -- "$bin" train "$tmp/deep.json"
python3 -c "print('['*100000)" > "$tmp/open.json"
check lint-deep-unclosed 2 'open.json:1:65: JSON nested deeper than 64 levels' -- "$bin" lint "$tmp/open.json"
init_deep=$(python3 -c "print('{\"class_name\": \"Constant\", \"config\": {\"value\": ' + '['*60000 + ']'*60000 + '}}')")
check init-deep 2 'initializer:1:[0-9]+: JSON nested deeper than 64 levels' -- "$bin" init "$init_deep" --shape 2
check init-deep-set 2 'JSON nested deeper than 64 levels' -- "$bin" init constant --set "value=$(python3 -c "print('['*60000)")" --shape 2

# ---- messages quote short excerpts ---------------------------------------------------
model "[$(python3 -c "print(', '.join(str(i) for i in range(20000)))")]" > "$tmp/wide.json"   # ~110 KB value
check lint-wide 2 'config.layers\[1\].config.units: expected an integer, found \[0, 1, 2, .*\.\.\. \(a list of 20000 elements\)' -- "$bin" lint "$tmp/wide.json"
check_short lint-wide-short 400 -- "$bin" lint "$tmp/wide.json"
check_short init-long-id 600 -- "$bin" init "$(python3 -c "print('q'*100000)")" --shape 2
check init-long-id-named 2 "unknown initializer 'qqqq.*\.\.\. \(100000 bytes\)'" -- "$bin" init "$(python3 -c "print('q'*100000)")" --shape 2

# ---- numbers are parsed exactly --------------------------------------------------------
model '1e400' > "$tmp/overflow.json"
check lint-1e400 2 'overflow.json:3:[0-9]+: number out of range: 1e400' -- "$bin" lint "$tmp/overflow.json"
check init-1e400 2 'initializer:1:48: number out of range: 1e400' -- "$bin" init '{"class_name": "Constant", "config": {"value": 1e400}}' --shape 2
model '18446744073709551615' > "$tmp/u64.json"
check lint-u64 2 'config.layers\[1\].config.units: expected an integer within the int64 range, found 18446744073709551615' -- "$bin" lint "$tmp/u64.json"
model '1e12' > "$tmp/e12.json"
check lint-1e12 2 'config.layers\[1\].config.units: expected at most 2147483647 units, found 1000000000000' -- "$bin" lint "$tmp/e12.json"
model '2.5' > "$tmp/frac.json"
check lint-fraction 2 'config.layers\[1\].config.units: expected an integer, found 2.5' -- "$bin" lint "$tmp/frac.json"
check init-constant-1e39 2 'Constant: config.value: expected a number float32 can hold' -- "$bin" init '{"class_name": "Constant", "config": {"value": 1e39}}' --shape 2
check init-uniform-3e38 2 "config.maxval - config.minval = 6e\+38 exceeds float32's range" -- "$bin" init '{"class_name": "RandomUniform", "config": {"minval": -3e38, "maxval": 3e38}}' --shape 2
check init-normal-1e38 2 "RandomNormal: config.stddev: .*beyond float32's range" -- "$bin" init random_normal --set stddev=1e38 --shape 2
check init-dirac-u64 2 'Dirac: config.groups: expected an integer within the int64 range' -- "$bin" init '{"class_name": "Dirac", "config": {"groups": 18446744073709551615}}' --shape 3,3,2,2

# ---- layer sizes on every axis, with the field ----------------------------------------
cat > "$tmp/pool.json" <<'JSON'
{"class_name": "Sequential", "config": {"name": "c", "layers": [
  {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 1]}},
  {"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [2, 2], "strides": [2, 0]}}]}}
JSON
check lint-pool-stride-0 2 'pool.json: config.layers\[1\].config.strides\[1\]: expected a positive number of strides, found 0' -- "$bin" lint "$tmp/pool.json"

# ---- one rule for unknown keys ---------------------------------------------------------
model 3 ', "unitz": 3' > "$tmp/unitz.json"
check lint-layer-key 2 "config.layers\[1\].config.unitz: unknown field 'unitz'; did you mean 'units'\?" -- "$bin" lint "$tmp/unitz.json"
model 3 '' ', "compile_config": {"optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.01, "betaa_1": 0.8}}, "loss": "mse"}' > "$tmp/adam.json"
check lint-adam-key 2 "compile_config.optimizer.config.betaa_1: unknown field 'betaa_1'; did you mean 'beta_1'\?" -- "$bin" lint "$tmp/adam.json"
model 3 '' ', "compile_config": {"optimizer": "adam", "loss": {"class_name": "BinaryCrossentropy", "config": {"from_logit": true}}}' > "$tmp/loss.json"
check lint-loss-key 2 "compile_config.loss.config.from_logit: unknown field 'from_logit'; did you mean 'from_logits'\?" -- "$bin" lint "$tmp/loss.json"

# ---- the training section --------------------------------------------------------------
job() {  # job TRAINING_JSON
  model 1 ', "activation": "sigmoid"' ", \"training\": $1" | sed 's/"batch_shape": \[null, 4\]/"batch_shape": [null, 2]/'
}
job '{"dataset": {"name": "xor", "samples": 40}, "epochs": 4294967297, "loss": "binary_crossentropy"}' > "$tmp/epochs.json"
check train-epochs-wrap 2 'epochs.json: training.epochs: expected an integer from 0 to 2147483647, found 4294967297' -- "$bin" train "$tmp/epochs.json" --out "$tmp/run"
job '{"dataset": {"name": "xor", "samples": -5}, "loss": "binary_crossentropy"}' > "$tmp/samples.json"
check train-samples-negative 2 'samples.json: training.dataset.samples: expected an integer >= 1, found -5' -- "$bin" train "$tmp/samples.json" --out "$tmp/run"
job '{"dataset": "xor", "seed": -1, "loss": "binary_crossentropy"}' > "$tmp/seed.json"
check train-seed-negative 2 'seed.json: training.seed: expected a non-negative integer, found -1' -- "$bin" train "$tmp/seed.json" --out "$tmp/run"
job '{"dataset": "xor", "epoch": 3, "loss": "binary_crossentropy"}' > "$tmp/epoch.json"
check train-key 2 "epoch.json: training.epoch: unknown field 'epoch'; did you mean 'epochs'\?" -- "$bin" train "$tmp/epoch.json" --out "$tmp/run"
job '{"dataset": "xor", "loss": "binary_crossentropy", "optimizer": {"class_name": "Adam", "config": {"betaa_1": 0.8}}}' > "$tmp/train_adam.json"
check train-adam-key 2 "training.optimizer.config.betaa_1: unknown field 'betaa_1'; did you mean 'beta_1'\?" -- "$bin" train "$tmp/train_adam.json" --out "$tmp/run"

# ---- a document's memory is estimated before it is parsed ----------------------------------
python3 -c "print('[' + ','.join(['[]'] * 2000000) + ']')" > "$tmp/big.json"   # 6 MB, ~17× that parsed
check lint-big-json 2 'big.json: parsing this 6.00 MB JSON document needs [0-9.]+ MB; .* (memory budget|available)' -- env INITLAB_MEMORY_LIMIT=80M "$bin" lint "$tmp/big.json"

# ---- what Keras writes still loads ------------------------------------------------------------
src=$(cd "$(dirname "$0")/../.." && pwd)
for f in "$src"/examples/configs/*.json; do
  check "lint-$(basename "$f" .json)" 0 '\((Keras 3|tf-keras [0-9.]+)\), [0-9]+ layers' -- "$bin" lint "$f"
done

exit $fail
