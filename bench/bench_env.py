"""What a PyTorch benchmark process runs on: the BLAS and OpenMP libraries it
loaded and OpenBLAS's core type. Shared by the torch_*_bench.py scripts."""
import ctypes
import os


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
