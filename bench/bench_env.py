"""Shared pieces of the torch_*_bench.py scripts: what a PyTorch benchmark
process runs on (the BLAS and OpenMP libraries it loaded, OpenBLAS's core
type, torch's build settings), JSON Lines output and the epoch-timing loop."""
import ctypes
import json
import os
import sys
import time


def loaded_libraries(words):
    """Shared objects mapped into this process whose file name contains one of `words`."""
    found = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split()
                if len(parts) >= 6 and parts[5].startswith("/"):
                    path = parts[5]
                    if any(w in os.path.basename(path).lower() for w in words) and path not in found:
                        found.append(path)
    except OSError:
        pass
    return found


def openblas_corename(libraries):
    """openblas_get_corename() of the OpenBLAS among `libraries`, if any."""
    for path in libraries:
        if "openblas" in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                continue
    return None


def config_summary(text):
    """torch's OpenMP and CPU-capability lines and the BLAS/parallelism build settings
    from torch.__config__.show()."""
    out = [l.strip().lstrip("- ") for l in text.splitlines() if "OpenMP" in l or "CPU capability" in l]
    keep = ("BLAS_INFO", "LAPACK_INFO", "USE_OPENMP", "USE_MKLDNN", "BUILD_TYPE")
    for line in text.splitlines():
        if "Build settings:" in line:
            items = [i.strip() for i in line.split("Build settings:", 1)[1].split(",")]
            out.append(", ".join(i for i in items if i.split("=")[0] in keep))
    return out


def torch_context(torch):
    """The first JSON line of a PyTorch training benchmark: version, thread
    settings, loaded BLAS/OpenMP libraries, OpenBLAS core type, build settings.
    Runs one small product first so that the BLAS is loaded."""
    (torch.ones(64, 64) @ torch.ones(64, 64)).sum()
    libs = loaded_libraries(("blas", "lapack", "mkl", "gomp", "iomp", "dnnl"))
    return {
        "torch_version": torch.__version__,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "torch_num_threads": torch.get_num_threads(),
        "blas_libraries": libs,
        "openblas_corename": openblas_corename(libs),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "config": config_summary(torch.__config__.show()),
    }


def emit(obj):
    """One JSON line on stdout, flushed (the run scripts read what a timed-out process left)."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def int_list(text):
    return [int(t) for t in text.split(",") if t]


def timed_epochs(epoch, warmup, epochs, budget):
    """Runs epoch() warmup + epochs times and returns (seconds of each, epoch()'s
    last result); no timed epoch starts once the epochs so far took more than
    `budget` seconds and at least one timed epoch is done."""
    secs, last = [], None
    for i in range(warmup + epochs):
        t0 = time.perf_counter()
        last = epoch()
        secs.append(time.perf_counter() - t0)
        if i >= warmup and sum(secs) > budget:
            break
    return secs, last
