# Shared by the tests/cli/*_test.sh scripts: source it with the script's
# arguments. Sets bin (the initlab binary, made absolute), tmp (a temporary
# directory removed on exit) and fail, and defines the checks.
set -uo pipefail
bin="$1"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# check NAME EXPECTED_RC PATTERN -- command...: exit status, and an extended regex in the output.
check() {
  local name="$1" want_rc="$2" pattern="$3"; shift 4
  local out rc
  out=$(timeout 60 "$@" 2>&1); rc=$?
  if [ "$rc" != "$want_rc" ]; then echo "FAIL $name: exit $rc, expected $want_rc"; echo "${out:0:2000}"; fail=1; return; fi
  if ! grep -qE -- "$pattern" <<<"$out"; then echo "FAIL $name: output lacks /$pattern/"; echo "${out:0:2000}"; fail=1; return; fi
  echo "ok   $name"
}
# check_fixed NAME EXPECTED_RC TEXT -- command...: the output contains TEXT literally.
check_fixed() {
  local name="$1" want_rc="$2" text="$3"; shift 4
  local out rc
  out=$(timeout 60 "$@" 2>&1); rc=$?
  if [ "$rc" != "$want_rc" ]; then echo "FAIL $name: exit $rc, expected $want_rc"; echo "${out:0:2000}"; fail=1; return; fi
  if ! grep -qF -- "$text" <<<"$out"; then echo "FAIL $name: output lacks '$text'"; echo "${out:0:2000}"; fail=1; return; fi
  echo "ok   $name"
}
# expect NAME CONDITION...: a test(1) condition that must hold.
expect() {
  local name="$1"; shift
  if test "$@"; then echo "ok   $name"; else echo "FAIL $name: test $* is false"; fail=1; fi
}
