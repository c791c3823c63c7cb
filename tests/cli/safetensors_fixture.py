#!/usr/bin/env python3
"""Writes a safetensors file from .npy files and generated tensors (Python's
standard library only), for the inspect and diff CLI tests.

  safetensors_fixture.py OUT [--meta KEY=VALUE] NAME=SPEC ...

SPEC is one of
  npy:PATH            the float32 data of a .npy file initlab wrote, as stored
  npyT:PATH           the same 2-D data transposed ((in, out) -> PyTorch's (out, in))
  sin:D0xD1[:SCALE]   SCALE * sin(1.7 i + 0.3 i^2 mod 7): no initializer's distribution
  zeros:D0[xD1]       all zeros
  nan:D0xD1           sin values with one NaN
"""
import json
import math
import struct
import sys
from array import array


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", path
    major = data[6]
    if major == 1:
        hlen = struct.unpack("<H", data[8:10])[0]
        start = 10 + hlen
    else:
        hlen = struct.unpack("<I", data[8:12])[0]
        start = 12 + hlen
    header = data[start - hlen:start].decode("latin1")
    assert "'<f4'" in header and "'fortran_order': False" in header, header
    shape_text = header[header.index("(") + 1:header.index(")")]
    shape = [int(s) for s in shape_text.split(",") if s.strip()]
    values = array("f")
    values.frombytes(data[start:])
    return shape, values


def dims(text):
    return [int(d) for d in text.split("x")]


def generated(kind, rest):
    parts = rest.split(":")
    shape = dims(parts[0])
    n = math.prod(shape)
    if kind == "zeros":
        return shape, array("f", [0.0] * n)
    scale = float(parts[1]) if len(parts) > 1 else 0.3
    values = array("f", [scale * math.sin(1.7 * i + (0.3 * i * i) % 7) for i in range(n)])
    if kind == "nan":
        values[n // 2] = float("nan")
    return shape, values


def main():
    out = sys.argv[1]
    meta = {}
    tensors = []
    for arg in sys.argv[2:]:
        if arg.startswith("--meta"):
            continue
        if "=" in arg and sys.argv[sys.argv.index(arg) - 1] == "--meta":
            key, value = arg.split("=", 1)
            meta[key] = value
            continue
        name, spec = arg.split("=", 1)
        kind, rest = spec.split(":", 1)
        if kind == "npy":
            shape, values = read_npy(rest)
        elif kind == "npyT":
            shape, values = read_npy(rest)
            rows, cols = shape
            values = array("f", [values[r * cols + c] for c in range(cols) for r in range(rows)])
            shape = [cols, rows]
        else:
            shape, values = generated(kind, rest)
        tensors.append((name, shape, values.tobytes()))
    header = {}
    if meta:
        header["__metadata__"] = meta
    offset = 0
    for name, shape, data in tensors:
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(d for _, _, d in tensors))


if __name__ == "__main__":
    main()
