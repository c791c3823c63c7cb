#!/usr/bin/python3
"""PyTorch's side of initlab's fill benchmark (bench/run-init-bench).

Times torch.nn.init on the same sizes as bench/init_fill_bench.cpp:

  uniform_, normal_, trunc_normal_(a=-2, b=2), xavier_uniform_, kaiming_normal_
      on an (8192, 8192) float32 tensor = 2^26 floats, allocated once and
      zero-filled (every page mapped) before timing;
  orthogonal_ on 1024x1024 and 4096x4096;

each with torch.set_num_threads(1) and (2). Every case gets one warm-up call,
then is timed call by call; the best call counts. A warm-up call that takes
over a second (trunc_normal_, 4096² orthogonal_) is counted as a timed call.

Output, on stdout, is JSON Lines, written as it goes (so a run cut short
still gives what it measured):
  first line   {"torch_version", "config", "parallel_info", "blas_libraries",
                "openblas_corename", "OPENBLAS_CORETYPE"}
  then one     {"name", "threads", "seconds", "floats_per_second", "floats",
  per case      "repeats"}
Progress goes to stderr. Run with /usr/bin/python3 (the interpreter that has
torch); exits with status 3 when torch cannot be imported.

  /usr/bin/python3 bench/torch_init_bench.py [--threads 1,2] [--quick]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_env import loaded_libraries, openblas_corename  # noqa: E402

FILL_SIDE = 8192  # (8192, 8192) = 2^26 floats


def best_time(fn, repeats, budget_s):
    """Best wall time of `fn()` over at most `repeats` timed calls, stopping
    once `budget_s` seconds have been spent (after at least 2 calls). The
    warm-up call counts as a timed one when it takes over a second."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    best, spent, done = float("inf"), 0.0, 0
    if first > 1.0:
        best, spent, done = first, first, 1
    while done < repeats:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        done += 1
        if done >= 2 and spent >= budget_s:
            break
    return best, done


def build_settings(config_text):
    """The BLAS/LAPACK/parallelism entries of torch's "Build settings" line."""
    keep = ("BLAS_INFO", "LAPACK_INFO", "USE_OPENMP", "USE_MKLDNN", "TORCH_VERSION", "PERF_WITH_AVX2")
    for line in config_text.splitlines():
        if "Build settings:" in line:
            items = [i.strip() for i in line.split("Build settings:", 1)[1].split(",")]
            return ", ".join(i for i in items if i.split("=")[0] in keep)
    return ""


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip 4096² orthogonal")
    args = parser.parse_args()
    threads_list = [int(t) for t in args.threads.split(",") if t]

    try:
        import torch
    except ImportError as e:
        print(f"torch_init_bench: cannot import torch with {sys.executable}: {e}", file=sys.stderr)
        return 3

    init = torch.nn.init
    config_text = torch.__config__.show()
    config_lines = [l.strip() for l in config_text.splitlines() if l.strip() and "Build settings" not in l]
    libs = loaded_libraries(("blas", "lapack", "mkl", "gomp", "iomp"))
    emit({
        "torch_version": torch.__version__,
        "config": config_lines[:6] + ["Build settings (excerpt): " + build_settings(config_text)],
        "parallel_info": [l.strip() for l in torch.__config__.parallel_info().splitlines() if l.strip()],
        "blas_libraries": libs,
        "openblas_corename": openblas_corename(libs),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    })

    torch.manual_seed(1234)
    big = torch.zeros(FILL_SIDE, FILL_SIDE, dtype=torch.float32)  # zero-filled: pages mapped
    n_big = big.numel()
    fill_repeats, fill_budget = (3, 1.0) if args.quick else (5, 2.0)
    fills = [
        ("uniform", lambda: init.uniform_(big)),
        ("normal", lambda: init.normal_(big)),
        ("truncated_normal", lambda: init.trunc_normal_(big, mean=0.0, std=1.0, a=-2.0, b=2.0)),
        ("xavier_uniform", lambda: init.xavier_uniform_(big)),
        ("kaiming_normal", lambda: init.kaiming_normal_(big)),
    ]
    # (side, max timed calls, time budget in seconds)
    ortho = [(1024, 3 if args.quick else 10, 1.5)]
    if not args.quick:
        ortho.append((4096, 2, 0.0))

    def record(name, threads, seconds, floats, repeats):
        emit({"name": name, "threads": threads, "seconds": seconds,
              "floats_per_second": floats / seconds, "floats": floats, "repeats": repeats})
        print(f"  torch {name:<18} threads {threads}: {seconds * 1e3:9.1f} ms  "
              f"{floats / seconds / 1e6:8.1f} M floats/s  (best of {repeats})", file=sys.stderr)

    for threads in threads_list:
        torch.set_num_threads(threads)
        for name, fn in fills:
            seconds, reps = best_time(fn, fill_repeats, fill_budget)
            record(name, threads, seconds, n_big, reps)
        for side, repeats, budget in ortho:
            target = torch.empty(side, side, dtype=torch.float32)
            seconds, reps = best_time(lambda: init.orthogonal_(target), repeats, budget)
            record(f"orthogonal_{side}", threads, seconds, side * side, reps)
            del target
    return 0


if __name__ == "__main__":
    sys.exit(main())
