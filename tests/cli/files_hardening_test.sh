#!/usr/bin/env bash
# Files from and for careless or hostile users: only regular files are read or
# replaced, links are written through, names never leave the output folder,
# data files are checked up front. Usage: files_hardening_test.sh INITLAB
source "$(dirname "$0")/cli_lib.sh" "$@"

# --out: a FIFO, a device (through a link, never /dev itself: this may run as root), a directory.
mkfifo "$tmp/pipe"
check out-fifo 1 'pipe: not a regular file \(a FIFO\); initlab writes only regular files' -- "$bin" init zeros --shape 2 --out "$tmp/pipe"
expect out-fifo-kept -p "$tmp/pipe"
# Refused before any work: nothing but the error is printed.
out=$("$bin" init zeros --shape 2 --out "$tmp/pipe" 2>/dev/null)
expect out-refused-first -z "$out"
ln -s /dev/null "$tmp/null.npy"
check out-device 1 'null.npy \(a link to /dev/null\): not a regular file \(a character device\)' -- "$bin" init zeros --shape 2 --out "$tmp/null.npy"
expect out-device-link-kept -L "$tmp/null.npy"
expect out-device-kept -c /dev/null
mkdir "$tmp/dir"
check out-dir 1 'dir: not a regular file \(a directory\)' -- "$bin" init zeros --shape 2 --out "$tmp/dir"
expect out-dir-kept -d "$tmp/dir"
# No temporary file is left behind by any of them.
expect no-temp-left "$(find "$tmp" -name '*.tmp*' | wc -l)" = 0

# --out through a symbolic link writes the file it names; the link stays; the mode is kept.
mkdir "$tmp/store"
printf 'old' >"$tmp/store/w.npy"
chmod 600 "$tmp/store/w.npy"
ln -s store/w.npy "$tmp/w.npy"
check out-link 0 'wrote .*w.npy' -- "$bin" init glorot_uniform --shape 4,4 --seed 1 --out "$tmp/w.npy"
expect out-link-kept -L "$tmp/w.npy"
expect out-link-target-npy "$(head -c 6 "$tmp/store/w.npy" | tail -c 5)" = NUMPY
expect out-link-mode "$(stat -c %a "$tmp/store/w.npy")" = 600
ln -s store/new.npy "$tmp/dangling.npy"
check out-dangling 0 'wrote' -- "$bin" init zeros --shape 3 --out "$tmp/dangling.npy"
expect out-dangling-created -f "$tmp/store/new.npy"
expect out-dangling-kept -L "$tmp/dangling.npy"

# Inputs that are not regular files: named, never "empty file", and a FIFO never blocks.
cat >"$tmp/model.json" <<'JSON'
{"class_name": "Sequential", "config": {"name": "NAME", "layers": [
   {"class_name": "InputLayer", "config": {"batch_shape": [null, 2], "name": "in"}},
   {"class_name": "Dense", "config": {"name": "h", "units": 4, "activation": "tanh"}},
   {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}]},
 "training": {"dataset": DATA, "epochs": 1, "batch_size": 10, "seed": 3,
              "optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]}}
JSON
model() {  # model NAME DATA > file
  sed -e "s|\"NAME\"|\"$1\"|" -e "s|DATA|$2|" "$tmp/model.json"
}
check train-config-dir 2 'dir: not a regular file \(a directory\)' -- "$bin" train "$tmp/dir"
check lint-config-dir 2 'dir: not a regular file \(a directory\)' -- "$bin" lint "$tmp/dir"
check lint-config-fifo 2 'pipe: not a regular file \(a FIFO\)' -- "$bin" lint "$tmp/pipe"
check train-config-fifo 2 'pipe: not a regular file \(a FIFO\)' -- "$bin" train "$tmp/pipe"

# A model named ../../x writes its history inside runs/, under a safe name.
mkdir -p "$tmp/a/b"
model '../../x' '{"name": "xor", "samples": 100}' >"$tmp/a/b/m.json"
check train-name-escape 0 'history: runs/___.._x/history.csv' -- bash -c "cd '$tmp/a/b' && '$bin' train m.json --quiet"
expect train-name-nothing-outside ! -e "$tmp/a/x"
expect train-name-inside -f "$tmp/a/b/runs/___.._x/history.json"
expect train-name-only-there "$(find "$tmp" -name 'history.*' | wc -l)" = 2
model '' '{"name": "xor", "samples": 100}' >"$tmp/a/b/empty.json"
check train-name-empty 2 "model name '' cannot name a file: it is empty" -- bash -c "cd '$tmp/a/b' && '$bin' train empty.json --quiet"

# CSV data: duplicate, missing and extra columns, non-finite values, a directory; all named up front.
csv_model() {  # csv_model TRAIN TEST > file
  model csv "{\"name\": \"csv\", \"train\": \"$1\", \"test\": \"$2\", \"label\": \"label\"}"
}
printf 'x1,x2,label\n1,2,0\n2,1,1\n3,3,0\n4,1,1\n5,2,0\n6,1,1\n7,2,0\n8,1,1\n9,2,0\n10,1,1\n11,2,0\n' >"$tmp/train.csv"
printf 'x2,label,x1\n2,0,1\n1,1,2\n' >"$tmp/test.csv"
csv_model "$tmp/train.csv" "$tmp/test.csv" >"$tmp/csv_ok.json"
check csv-columns-any-order 0 'test: loss' -- "$bin" train "$tmp/csv_ok.json" --out "$tmp/run_csv" --quiet
printf 'x1,label,label\n1,0,0\n' >"$tmp/dup.csv"
csv_model "$tmp/dup.csv" "$tmp/test.csv" >"$tmp/csv_dup.json"
check csv-duplicate 1 "dup.csv:1: column 'label' appears twice \(columns 2 and 3\)" -- "$bin" train "$tmp/csv_dup.json" --out "$tmp/r"
printf 'x1,label\n1,0\n' >"$tmp/missing.csv"
csv_model "$tmp/train.csv" "$tmp/missing.csv" >"$tmp/csv_missing.json"
check csv-missing-column 1 "missing.csv:1: column 'x2' is missing" -- "$bin" train "$tmp/csv_missing.json" --out "$tmp/r"
printf 'x1,x2,x3,label\n1,2,3,0\n' >"$tmp/extra.csv"
csv_model "$tmp/train.csv" "$tmp/extra.csv" >"$tmp/csv_extra.json"
check csv-extra-column 1 "extra.csv:1: column 'x3' is not one of the expected feature columns" -- "$bin" train "$tmp/csv_extra.json" --out "$tmp/r"
printf 'x1,x2,label\n1,2,0\nnan,1,1\n' >"$tmp/nan.csv"
csv_model "$tmp/nan.csv" "$tmp/test.csv" >"$tmp/csv_nan.json"
check csv-nan 1 "nan.csv:3: column 'x1': expected a finite number, found \"nan\"" -- "$bin" train "$tmp/csv_nan.json" --out "$tmp/r"
printf 'x1,x2,label\n1,2\n' >"$tmp/ragged.csv"
csv_model "$tmp/ragged.csv" "$tmp/test.csv" >"$tmp/csv_ragged.json"
check csv-ragged 1 "ragged.csv:2: expected 3 columns, found 2" -- "$bin" train "$tmp/csv_ragged.json" --out "$tmp/r"
csv_model "$tmp/dir" "$tmp/test.csv" >"$tmp/csv_dir.json"
check csv-dir 1 'dir: not a regular file \(a directory\)' -- "$bin" train "$tmp/csv_dir.json" --out "$tmp/r"
csv_model "$tmp/pipe" "$tmp/test.csv" >"$tmp/csv_fifo.json"
check csv-fifo 1 'pipe: not a regular file \(a FIFO\)' -- "$bin" train "$tmp/csv_fifo.json" --out "$tmp/r"

# Fashion-MNIST: a gzip file whose header declares 60000 images but inflates to far more
# stops at the declared size.
mkdir "$tmp/fm"
idx_header() {  # idx_header RANK DIMS... (big-endian uint32 each)
  printf '\x00\x00\x08'"$(printf '\\x%02x' "$1")"; shift
  for d in "$@"; do printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((d >> 24 & 255)) $((d >> 16 & 255)) $((d >> 8 & 255)) $((d & 255)))"; done
}
{ idx_header 3 60000 28 28; head -c 150000000 /dev/zero; } | gzip -1 >"$tmp/fm/train-images-idx3-ubyte.gz"
{ idx_header 1 60000; head -c 60000 /dev/zero; } | gzip -1 >"$tmp/fm/train-labels-idx1-ubyte.gz"
cp "$tmp/fm/train-labels-idx1-ubyte.gz" "$tmp/fm/t10k-labels-idx1-ubyte.gz"
cp "$tmp/fm/train-images-idx3-ubyte.gz" "$tmp/fm/t10k-images-idx3-ubyte.gz"
model fm '"fashion_mnist"' | sed 's/\[null, 2\]/[null, 784]/' >"$tmp/fm.json"
check fashion-bomb 1 'train-images-idx3-ubyte.gz: expected 47040000 bytes of values for dimensions \(60000, 28, 28\), found more' -- env INITLAB_FASHION_MNIST="$tmp/fm" "$bin" train "$tmp/fm.json" --out "$tmp/r"
exit $fail
