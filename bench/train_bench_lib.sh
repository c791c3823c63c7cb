# Shared by bench/run-mlp-bench and bench/run-train-bench (sourced, not run):
# the environment header, per-phase accounting of other programs' CPU use,
# and the runs of a PyTorch script under every thread setting.
# The sourcing script sets `tmp` (a scratch folder) and `here` (bench/).

py=/usr/bin/python3                      # the interpreter that has PyTorch
fmt_py=$py
[[ -x $fmt_py ]] || fmt_py=$(command -v python3)   # table formatting needs only the stdlib

# bench_header TITLE: what the run is and what it runs on.
bench_header() {
  local cpu_model
  cpu_model=$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
  echo "== $1 =="
  echo "date:               $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "cpu:                ${cpu_model:-unknown}  (avx2: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no), avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no))"
  echo "nproc:              $(nproc)"
  echo "OPENBLAS_CORETYPE:  ${OPENBLAS_CORETYPE-(unset)}"
  echo "OMP_NUM_THREADS:    ${OMP_NUM_THREADS-(unset)}   OPENBLAS_NUM_THREADS: ${OPENBLAS_NUM_THREADS-(unset)}   INITLAB_NUM_THREADS: ${INITLAB_NUM_THREADS-(unset)} (the script sets these per run)"
  echo "load average:       $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
}

# Busy CPU seconds of the whole machine and CPU seconds of this script's finished
# children; their difference over a phase is other programs' load (as run-init-bench).
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
busy_seconds() { awk -v hz="$hz" '/^cpu /{printf "%.2f\n", ($2+$3+$4+$7+$8+$9)/hz; exit}' /proc/stat; }
# `times` must run in this shell itself (a $(...) subshell starts with zero
# children's time), so it writes to a file that children_seconds reads.
children_seconds() {
  awk 'NR==2{n=split($0,f," "); s=0; for(i=1;i<=n;i++){split(f[i],p,/[ms]/); s+=p[1]*60+p[2]}; printf "%.2f\n", s}' "$tmp/times"
}
# phase NAME COMMAND...: runs COMMAND, appends "NAME wall busy_delta own_cpu rc" to $tmp/phases.
phase() {
  local name=$1; shift
  local t0 b0 c0 rc=0
  t0=$(date +%s.%N); b0=$(busy_seconds); times >"$tmp/times"; c0=$(children_seconds)
  "$@" || rc=$?
  local t1 b1 c1
  t1=$(date +%s.%N); b1=$(busy_seconds); times >"$tmp/times"; c1=$(children_seconds)
  echo "$name $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') \
$(awk -v a="$b0" -v b="$b1" 'BEGIN{printf "%.2f", b-a}') \
$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b-a}') $rc" >>"$tmp/phases"
  return 0
}
: >"$tmp/phases"

# run_torch SCRIPT TIMEOUT ARGS...: runs bench/SCRIPT with $py once for every
# OMP_NUM_THREADS x OPENBLAS_NUM_THREADS in {1, 2} (separate processes: both
# are read when torch loads), into $tmp/torch_omp*_ob*.jsonl; sets torch_note
# when PyTorch is not there.
torch_note=""
run_torch() {
  local script=$1 limit=$2; shift 2
  if [[ ! -x $py ]]; then
    torch_note="$py not found: PyTorch figures skipped"
    return 0
  fi
  if ! "$py" -c 'import torch' 2>"$tmp/torch_import.err"; then
    torch_note="torch is not importable with $py ($(tail -1 "$tmp/torch_import.err")): PyTorch figures skipped"
    return 0
  fi
  local omp ob
  for omp in 1 2; do
    for ob in 1 2; do
      echo "-- PyTorch (bench/$script with $py): OMP_NUM_THREADS=$omp OPENBLAS_NUM_THREADS=$ob ..."
      phase "torch_omp${omp}_ob${ob}" env OMP_NUM_THREADS=$omp OPENBLAS_NUM_THREADS=$ob \
        timeout "$limit" "$py" "$here/$script" "$@" \
        >"$tmp/torch_omp${omp}_ob${ob}.jsonl" 2>"$tmp/torch_omp${omp}_ob${ob}.err"
      grep -v '^torch: ' "$tmp/torch_omp${omp}_ob${ob}.err" >&2 || true
    done
  done
}
