#!/usr/bin/env bash
# Nothing is lost when a save is killed: `initlab convert` writing a 6 MB model
# in every format is sent SIGKILL at 60 moments spread over the write (12 per
# format). After each kill the target is a complete file holding either the
# previous weights or the new ones, bit for bit; never a torn one.
source "$(dirname "$0")/cli_lib.sh" "$@"

model() {  # model SEED: 512 → 1024 → 1024 → 10, kernels drawn with SEED
  cat <<JSON
{"class_name": "Sequential", "config": {"name": "big", "layers": [
  {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 512], "name": "x"}},
  {"class_name": "Dense", "config": {"name": "d1", "units": 1024, "activation": "relu",
   "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": $1}}}},
  {"class_name": "Dense", "config": {"name": "d2", "units": 1024, "activation": "relu",
   "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": $(( $1 + 1 ))}}}},
  {"class_name": "Dense", "config": {"name": "d3", "units": 10,
   "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": $(( $1 + 2 ))}}}}]}}
JSON
}
model 1 >"$tmp/a.json"
model 7 >"$tmp/b.json"
check make-a 0 "model 'big'" -- "$bin" convert "$tmp/a.json" "$tmp/a.keras"
check make-b 0 "model 'big'" -- "$bin" convert "$tmp/b.json" "$tmp/b.keras"

kills=0 mid_write=0 torn=0
for ext in safetensors npz weights.h5 h5 keras; do
  "$bin" convert "$tmp/a.keras" "$tmp/ref-a.$ext" --weights-only >/dev/null
  "$bin" convert "$tmp/b.keras" "$tmp/ref-b.$ext" --weights-only >/dev/null
  cp "$tmp/ref-a.$ext" "$tmp/out.$ext"
  for i in $(seq 0 11); do
    src=$([ $((i % 2)) = 0 ] && echo b || echo a)
    "$bin" convert "$tmp/$src.keras" "$tmp/out.$ext" --weights-only >/dev/null 2>&1 &
    pid=$!
    sleep "0.$(printf '%03d' $(( (i * 37 + ${#ext} * 11) % 125 + 5 )))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ $? = 137 ] && mid_write=$((mid_write + 1))
    kills=$((kills + 1))
    if ! "$bin" diff "$tmp/ref-a.$ext" "$tmp/out.$ext" >/dev/null 2>&1 &&
       ! "$bin" diff "$tmp/ref-b.$ext" "$tmp/out.$ext" >/dev/null 2>&1; then
      echo "FAIL kill $i during out.$ext: the file is neither the old weights nor the new"
      "$bin" inspect "$tmp/out.$ext" 2>&1 | tail -3
      torn=$((torn + 1))
    fi
  done
  rm -f "$tmp"/.out."$ext".tmp*  # what a killed writer leaves beside the target
done
echo "$kills kills, $mid_write while the writer ran, $torn torn files"
expect kills-spread-over-the-write "$mid_write" -ge 30
expect no-torn-file "$torn" = 0
exit $fail
