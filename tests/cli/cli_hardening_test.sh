#!/usr/bin/env bash
# The initlab program against careless or hostile command lines: numbers,
# shapes, --set, unknown commands and options, huge arguments. Every refusal
# exits 2 with initlab's own one-line message. Usage: cli_hardening_test.sh INITLAB
source "$(dirname "$0")/cli_lib.sh" "$@"
# check_short NAME MAX_CHARS -- command...: exit 2 within 20 s, one message, at most MAX_CHARS characters.
check_short() {
  local name="$1" max="$2"; shift 3
  local out rc
  out=$(timeout 20 "$@" 2>&1); rc=$?  # and quickly: no quadratic work on the argument
  if [ "$rc" != 2 ]; then echo "FAIL $name: exit $rc, expected 2"; echo "${out:0:500}"; fail=1; return; fi
  if [ "${#out}" -gt "$max" ]; then echo "FAIL $name: a ${#out}-character message"; echo "${out:0:500}"; fail=1; return; fi
  if ! grep -q '^initlab: error: ' <<<"$out"; then echo "FAIL $name: no initlab error line"; echo "${out:0:500}"; fail=1; return; fi
  echo "ok   $name"
}
echo '{}' >"$tmp/m.json"  # options are refused before a file is read

# ---- whole numbers: initlab's message, never CLI11's range dump, nothing wraps
check_fixed depth-word 2 "--depth: expected a whole number from 1 to 1000, found 'ten'" -- "$bin" lab --depth ten
check_fixed depth-wraps 2 "--depth: expected a whole number from 1 to 1000, found '4294967297'" -- "$bin" lab --depth 4294967297
check_fixed depth-zero 2 "found '0'" -- "$bin" lab --depth 0
check_fixed depth-fraction 2 "--depth: expected a whole number from 1 to 1000, found '2.5'" -- "$bin" lab --depth 2.5
check_fixed depth-exponent 2 "found '1e3' (write it in digits: 1000)" -- "$bin" lab --depth 1e3
check_fixed depth-empty 2 "--depth: expected a whole number from 1 to 1000, found ''" -- "$bin" lab --depth ''
check_fixed width-range 2 "--width: expected a whole number from 1 to 65536, found '65537'" -- "$bin" lab --width 65537
check_fixed steps-negative 2 "--steps: expected a whole number from 1 to 10000000, found '-3'" -- "$bin" lab --steps -3
check_fixed batch-huge 2 "--batch-size: expected a whole number from 1 to 1048576, found '99999999999999999999999'" -- "$bin" lab --batch-size 99999999999999999999999
check_fixed evaluations 2 "--evaluations: expected a whole number from 2 to 1000, found '1'" -- "$bin" lab --evaluations 1
check_fixed eval-samples 2 "--eval-samples: expected a whole number from 1 to 16777216" -- "$bin" lab --eval-samples 0x10
check_fixed bins 2 "--bins: expected a whole number from 3 to 1000, found 'many'" -- "$bin" lab --bins many
check_fixed coffee-epochs 2 "--epochs: expected a whole number from 1 to 1000, found '0'" -- "$bin" demo coffee --epochs 0
check_fixed coffee-tile 2 "--tile: expected a whole number from 1 to 100000, found '-5'" -- "$bin" demo coffee --tile -5
check_fixed symmetry-iterations 2 "--iterations: expected a whole number from 1 to 100000, found '1e9'" -- "$bin" demo symmetry --iterations 1e9
check_fixed symmetry-batch 2 "--batch-size: expected a whole number from 1 to 200, found '201'" -- "$bin" demo symmetry --batch-size 201
check_fixed train-epochs 2 "--epochs: expected a whole number from 0 to 100000, found '4294967297'" -- "$bin" train "$tmp/m.json" --epochs 4294967297
check_fixed train-epochs-negative 2 "--epochs: expected a whole number from 0 to 100000, found '-1'" -- "$bin" train "$tmp/m.json" --epochs -1
check_fixed train-batch 2 "--batch-size: expected a whole number from 1 to 1048576, found '0'" -- "$bin" train "$tmp/m.json" --batch-size 0
check_fixed train-max-samples 2 "--max-samples: expected a whole number >= 0, found '-5'" -- "$bin" train "$tmp/m.json" --max-samples -5
check_fixed theory-depth 2 "--depth: expected a whole number from 1 to 10000, found 'ten'" -- "$bin" theory --depth ten
check_fixed theory-width 2 "--width: expected a whole number from 2 to 16384, found '1'" -- "$bin" theory --width 1
check_fixed theory-batch 2 "--batch: expected a whole number from 1 to 1048576, found '-1'" -- "$bin" theory --batch -1
check_fixed lint-deep 2 "--deep: expected a whole number from 1 to 100000, found '0'" -- "$bin" lint "$tmp/m.json" --deep 0
check_fixed lint-very-deep 2 "--very-deep: expected a whole number from 1 to 100000, found 'x'" -- "$bin" lint "$tmp/m.json" --very-deep x
check_fixed lint-input-shape 2 "--input-shape: expected a whole number >= 1, found '784 64'" -- "$bin" lint "$tmp/m.json" --input-shape "784 64"
check_fixed repeated-option 2 "--depth: given 2 times; give it once" -- "$bin" lab --depth 3 --depth 4
check_fixed missing-value 2 "--seed: a value is missing after it" -- "$bin" init zeros --seed
# A leading zero is decimal (CLI11 alone reads 010 as octal 8).
check decimal-not-octal 0 '^seed 10, tensor' -- "$bin" init zeros --shape 2 --seed 010

# ---- seeds: 0 to 2^64 - 1 exactly; a negative one is refused, not wrapped
for cmd in "init zeros --shape 2" "demo coffee" "demo symmetry" "lab" "theory" "train $tmp/m.json"; do
  # shellcheck disable=SC2086
  check_fixed "seed-negative ($cmd)" 2 "--seed: expected a whole number from 0 to 2^64-1, found '-1'" -- "$bin" $cmd --seed -1
done
check_fixed seed-overflow 2 "--seed: expected a whole number from 0 to 2^64-1, found '18446744073709551616'" -- "$bin" init zeros --shape 2 --seed 18446744073709551616
check_fixed seed-word 2 "found 'abc'" -- "$bin" init zeros --shape 2 --seed abc
check_fixed seed-fraction 2 "found '1.5'" -- "$bin" init zeros --shape 2 --seed 1.5
check seed-max 0 '^seed 18446744073709551615, tensor' -- "$bin" init zeros --shape 2 --seed 18446744073709551615

# ---- real numbers: finite, within the field's range and float32's
check_fixed momentum-nan 2 "--momentum: expected a finite number from 0 to 0.9999, found 'nan'" -- "$bin" lab --momentum nan
check_fixed momentum-one 2 "--momentum: expected a finite number from 0 to 0.9999, found '1'" -- "$bin" lab --momentum 1
check_fixed momentum-inf 2 "found 'inf' (not finite)" -- "$bin" lab --momentum inf
check_fixed lr-zero 2 "--learning-rate: expected a finite number > 0, found '0'" -- "$bin" lab --learning-rate 0
check_fixed lr-float32 2 "found '1e39' (beyond the range of float32, ±3.4e+38)" -- "$bin" lab --learning-rate 1e39
check_fixed lr-overflow 2 "found '1e400' (beyond the range of float32, ±3.4e+38)" -- "$bin" lab --learning-rate 1e400
check_fixed lr-underflow 2 "found '1e-400' (too small for float32: it would be 0)" -- "$bin" lab --learning-rate 1e-400
check_fixed lr-text 2 "--learning-rate: expected a finite number > 0, found '0.1x'" -- "$bin" lab --learning-rate 0.1x
check_fixed lr-hex 2 "found '0x10'" -- "$bin" lab --learning-rate 0x10
check_fixed symmetry-lr 2 "--learning-rate: expected a finite number > 0, found '-0.1'" -- "$bin" demo symmetry --learning-rate -0.1
check_fixed sigma-w2 2 "--sigma-w2: expected a finite number > 0, found 'nan'" -- "$bin" theory --sigma-w2 nan
check_fixed sigma-b2 2 "--sigma-b2: expected a finite number >= 0, found '-1'" -- "$bin" theory --sigma-b2 -1
check_fixed input-q 2 "--input-q: expected a finite number >= 0, found 'infinity'" -- "$bin" theory --input-q infinity
# No range message prints DBL_MAX (or FLT_MAX) in full.
out=$("$bin" theory --sigma-w2 -1 2>&1)
if grep -qE '1\.79769|179769|340282' <<<"$out"; then echo "FAIL no-dbl-max: $out"; fail=1; else echo "ok   no-dbl-max"; fi
# Accepted values are read exactly.
check theory-accepts 0 'σ_w² = 1\.5, σ_b² = 0\.05' -- "$bin" theory --sigma-w2 1.5 --sigma-b2 +0.05 --no-measure --depth 2

# ---- words
check_fixed optimizer 2 "--optimizer: expected sgd, adam or rmsprop, found 'adamm'; did you mean 'adam'?" -- "$bin" lab --optimizer adamm

# ---- shapes: never merge digits, every size >= 1
check_fixed shape-space 2 "shape '784 64': a space between two sizes at character 4" -- "$bin" init he_normal --shape "784 64"
check_fixed shape-empty-dim 2 "shape '784,,64': an empty size (two separators in a row) at character 5" -- "$bin" init he_normal --shape 784,,64
check_fixed shape-sign 2 "shape '-': a lone '-' where a size was expected" -- "$bin" init he_normal --shape -
check_fixed shape-negative 2 "a negative size" -- "$bin" init he_normal --shape 3,-4
check_fixed shape-zero 2 "shape '784,0': a size of 0 (every size must be >= 1)" -- "$bin" init he_normal --shape 784,0
check_fixed shape-int64 2 "a size beyond 2^63-1" -- "$bin" init he_normal --shape 99999999999999999999
check_fixed shape-elements 2 "more elements than a 64-bit count holds" -- "$bin" init he_normal --shape 100000000000,100000000000
check_fixed shape-rank 2 "more than 6 sizes" -- "$bin" init he_normal --shape 1,1,1,1,1,1,1
check_fixed shape-bracket 2 "'(' is not closed" -- "$bin" init he_normal --shape "(784, 64"
check_fixed shape-trailing-x 2 "a size is missing after 'x'" -- "$bin" init he_normal --shape 3x
check_fixed shape-control 2 "unexpected '\\x0a' after a size" -- "$bin" init he_normal --shape $'3\n4'
check shape-tuple 0 'he_normal \(784, 64\)' -- "$bin" init he_normal --shape "(784, 64)" --seed 1
check shape-list 0 'he_normal \(3, 3, 16, 32\)' -- "$bin" init he_normal --shape "[3, 3, 16, 32]" --seed 1
check shape-one 0 'zeros \(7,\)' -- "$bin" init zeros --shape "(7,)" --seed 1
# Beyond the memory budget: refused with the figure, not std::bad_alloc.
check shape-memory 2 '^initlab: error: .*\(1000000, 1000000\).*needs' -- env INITLAB_MEMORY_LIMIT=1G "$bin" init zeros --shape 1000000,1000000

# ---- --set key=value
check_fixed set-no-equals 2 "--set 'stddev': expected key=value" -- "$bin" init random_normal --set stddev
check_fixed set-empty-key 2 "--set '=0.1': a key is missing before '='" -- "$bin" init random_normal --set =0.1
check_fixed set-empty-value 2 "--set stddev: a value is missing after '='" -- "$bin" init random_normal --set stddev=
check_fixed set-twice 2 "--set: 'stddev' is given twice ('stddev=0.1' and 'stddev=0.2')" -- "$bin" init random_normal --set stddev=0.1 --set stddev=0.2
check_fixed set-bad-key 2 "'st ddev' is not a field name" -- "$bin" init random_normal --set "st ddev=0.1"
check_fixed set-overflow 2 "--set stddev: '1e400' is beyond the range of float32" -- "$bin" init random_normal --set stddev=1e400
check_fixed set-float32 2 "--set value: '1e39' is beyond the range of float32" -- "$bin" init constant --set value=1e39
check_fixed set-underflow 2 "'1e-50' is too small for float32" -- "$bin" init random_normal --set stddev=1e-50
check_fixed set-not-number 2 "--set stddev: '0.1.2' is not a number" -- "$bin" init random_normal --set stddev=0.1.2
check_fixed set-big-integer 2 "'99999999999999999999' is beyond the range of a 64-bit integer" -- "$bin" init random_normal --set seed=99999999999999999999
check set-deep-json 2 '^initlab: error: --set value:.*nested deeper' -- "$bin" init constant --set "value=$(printf '[%.0s' $(seq 1 3000))"
check set-ok 0 'normal σ=0\.5' -- "$bin" init random_normal --set stddev=.5 --shape 4 --seed 1
check_fixed compare-ignores 2 "init --compare runs every initializer: drop the initializer 'he_normal'" -- "$bin" init --compare he_normal
check_fixed list-ignores 2 "init --list prints the catalogue" -- "$bin" init --list --set a=1
check_fixed empty-name 2 "--name: the tensor name must not be empty" -- "$bin" init zeros --name ""
# A deeply nested initializer config is refused, not a stack overflow.
deep=$(python3 -c 'print("{\"class_name\": \"Constant\", \"config\": {\"value\": " + "[" * 60000 + "1" + "]" * 60000 + "}}")')
check init-deep-config 2 '^initlab: error: .*nested deeper' -- "$bin" init "$deep"

# ---- the lab's id(scale) shorthand: exact numbers
check_fixed spec-two-points 2 "expected a number between the parentheses" -- "$bin" lab --init "random_normal(0.05.1)" --quiet --report ""
check_fixed spec-infinite 2 "the value must be a finite number within float32's range" -- "$bin" lab --init "random_normal(1e400)" --quiet --report ""
check_fixed spec-sign 2 "found '-'" -- "$bin" lab --init "random_normal(-)" --quiet --report ""
check_fixed spec-other 2 "the shorthand id(value) works for random_normal" -- "$bin" lab --init "he_normal(2)" --quiet --report ""

# ---- commands and options
check_fixed unknown-command 2 "initlab: error: unknown command 'fly' (did you mean 'lab'?); commands: init, demo, train, theory, lab, lint" -- "$bin" fly
check_fixed unknown-demo 2 "demo: unknown command 'cofee' (did you mean 'coffee'?); demo commands: coffee, symmetry" -- "$bin" demo cofee
check_fixed no-command 2 "name a command: init, demo, train, theory, lab, lint" -- "$bin"
check_fixed no-demo 2 "demo: name a command: coffee, symmetry" -- "$bin" demo
check_fixed unknown-option 2 "init: unknown option '--shap' (did you mean '--shape'?)" -- "$bin" init zeros --shap 3
check_fixed unknown-option-eq 2 "lab: unknown option '--dept' (did you mean '--depth'?)" -- "$bin" lab --dept=3
check_fixed stray-argument 2 "init: unexpected argument 'extra'" -- "$bin" init zeros extra
check top-help 0 'Subcommands' -- "$bin" --help
check demo-help 0 'coffee' -- "$bin" demo --help

# ---- a huge argument never makes a huge message
big=$(head -c 110000 /dev/zero | tr '\0' '[')
digits=$(head -c 110000 /dev/zero | tr '\0' '7')
check_short huge-command 300 -- "$bin" "$big"
check_short huge-shape 300 -- "$bin" init zeros --shape "$big"
check_short huge-number 300 -- "$bin" lab --depth "$digits"
check_short huge-seed 300 -- "$bin" init zeros --seed "$digits"
check_short huge-float 300 -- "$bin" lab --momentum "$digits"
check_short huge-option 300 -- "$bin" init zeros "--$big"
check_short huge-set 300 -- "$bin" init zeros --set "$big"
check_short huge-set-value 300 -- "$bin" init random_normal --set "stddev=$digits"
check_short huge-word 300 -- "$bin" lab --optimizer "$big"
check_short huge-path 300 -- "$bin" train "$big"
check_short huge-spec 300 -- "$bin" lab --init "random_normal($digits)"

if [ "$fail" = 0 ]; then echo "all CLI hardening checks passed"; fi
exit "$fail"
