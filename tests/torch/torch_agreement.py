#!/usr/bin/python3
"""Distribution agreement between initlab's PyTorch-named initializers and torch.nn.init.

Usage: /usr/bin/python3 torch_agreement.py PATH/TO/initlab

For every case, about 10^6 values are drawn on each side (initlab through
`initlab init ... --out file.npy`, PyTorch through torch.nn.init) and compared
with a two-sample Kolmogorov-Smirnov test; the statistic and its asymptotic
p-value (Kolmogorov distribution) are computed here with numpy, as scipy may be
missing. A case fails when p < 1e-4. One deliberate mismatch (initlab's
truncated he_normal against torch's untruncated kaiming_normal_ with the same
variance) must be detected, which shows the test has power.

Layouts. initlab stores a Dense kernel as (in, out) and a conv kernel as
(kh, kw, in, out): fan_in = A, fan_out = B for shape (A, B). torch.nn.init
reads a 2-D tensor as (out, in): fan_in = size(1), fan_out = size(0), and a conv
weight as (out, in, kh, kw). So initlab shape (A, B) is compared with the torch
shape (B, A), and initlab (kh, kw, in, out) with torch (out, in, kh, kw).
orthogonal: torch views the tensor as size(0) x rest, initlab as
prod(shape[:-1]) x shape[-1]; the entries of a matrix with orthonormal columns
(or rows) of length L are distributed as one coordinate of a uniform unit
vector in R^L, so the cases pair shapes with the same L. sparse_ uses the same
(rows, cols) reading on both sides: a column gets ceil(sparsity * rows) zeros.

Exit status: 0 when every case passes, 1 otherwise, 77 (skipped) when torch
cannot be imported.
"""

import math
import os
import subprocess
import sys
import tempfile
import time

SKIP = 77
ALPHA = 1e-4  # fail below this p-value
TARGET_N = 1 << 20  # about 10^6 values on each side


def kolmogorov_sf(lam):
    """P(K > lam) for the Kolmogorov distribution K = sup|Brownian bridge|."""
    if lam <= 0.0:
        return 1.0
    if lam < 1.0:
        # Jacobi theta form, fast for small lam:
        # P(K <= lam) = sqrt(2 pi)/lam * sum_k exp(-(2k-1)^2 pi^2 / (8 lam^2)).
        s = 0.0
        for k in range(1, 50):
            term = math.exp(-((2 * k - 1) ** 2) * math.pi ** 2 / (8.0 * lam * lam))
            s += term
            if term < 1e-17 * s:
                break
        return min(1.0, max(0.0, 1.0 - math.sqrt(2.0 * math.pi) / lam * s))
    # Alternating series: P(K > lam) = 2 sum_k (-1)^(k-1) exp(-2 k^2 lam^2).
    s = 0.0
    for k in range(1, 101):
        term = math.exp(-2.0 * k * k * lam * lam)
        s += term if k % 2 else -term
        if term < 1e-300 or term < 1e-17 * abs(s):
            break
    return min(1.0, max(0.0, 2.0 * s))


def ks_2samp(np, x, y):
    """Two-sample KS statistic D = sup |F_x - F_y| and its asymptotic p-value."""
    x, y = np.asarray(x).ravel(), np.asarray(y).ravel()
    dtype = np.result_type(x.dtype, y.dtype, np.float32)  # float32 stays float32 (exact, faster sorts)
    x, y = np.sort(x.astype(dtype, copy=False)), np.sort(y.astype(dtype, copy=False))
    n, m = x.size, y.size
    if n == 0 or m == 0:
        raise ValueError(f"empty sample (n={n}, m={m})")
    z = np.concatenate([x, y])  # the ECDFs only jump at these points; side='right' handles ties
    d = float(np.max(np.abs(np.searchsorted(x, z, side="right") / n - np.searchsorted(y, z, side="right") / m)))
    en = math.sqrt(n * m / (n + m))
    return d, kolmogorov_sf(en * d)


def check_kolmogorov():
    """The hand-written p-value against tabulated quantiles of the Kolmogorov distribution."""
    table = [(0.5, 0.9639452436648751), (0.8276, 0.50), (1.0, 0.26999967167735456), (1.2238, 0.10),
             (1.3581, 0.05), (1.6276, 0.01), (1.9495, 0.001)]
    for lam, p in table:
        got = kolmogorov_sf(lam)
        if abs(got - p) > 3e-4:
            raise AssertionError(f"kolmogorov_sf({lam}) = {got}, expected {p}")
    # Both series agree where they meet.
    lo, hi = kolmogorov_sf(1.0 - 1e-12), kolmogorov_sf(1.0)
    if abs(lo - hi) > 1e-10:
        raise AssertionError(f"kolmogorov_sf series disagree at 1: {lo} vs {hi}")


class Initlab:
    """Runs `initlab init` and loads the .npy it writes."""

    def __init__(self, np, exe, tmpdir):
        self.np, self.exe, self.tmpdir, self.calls = np, exe, tmpdir, 0
        self.env = dict(os.environ)
        self.env.setdefault("INITLAB_NUM_THREADS", "2")
        self.notes = []

    def run(self, spec, shape, seed, sets=()):
        self.calls += 1
        out = os.path.join(self.tmpdir, f"w{self.calls}.npy")
        cmd = [self.exe, "init", spec, "--shape", ",".join(str(s) for s in shape), "--seed", str(seed), "--out", out]
        for k, v in sets:
            cmd += ["--set", f"{k}={v}"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
        w = self.np.load(out)
        os.remove(out)
        if tuple(w.shape) != tuple(shape) or w.dtype != self.np.float32:
            raise RuntimeError(f"{' '.join(cmd)} wrote {w.dtype} {w.shape}, expected float32 {tuple(shape)}")
        return w

    def draws(self, spec, shape, seeds, sets=()):
        return [self.run(spec, shape, s, sets) for s in seeds]


def numel(shape):
    return int(math.prod(shape))


def draws_for(shape):
    return max(1, round(TARGET_N / numel(shape)))


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH/TO/initlab", file=sys.stderr)
        return 2
    exe = os.path.abspath(argv[1])
    try:
        import torch
        import numpy as np
    except ImportError as e:
        print(f"torch_agreement: SKIPPED: python3-torch is not installed ({sys.executable}: {e})")
        return SKIP
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        print(f"torch_agreement: {exe} is not an executable file", file=sys.stderr)
        return 1
    check_kolmogorov()

    t_start = time.monotonic()
    init = torch.nn.init
    results = []  # (ok: bool)

    def report(name, n1, n2, d, p, verdict):
        print(f"{name:<58} n={n1:>8} /{n2:>8}  D={d:.5f}  p={p:<9.3g} {verdict}", flush=True)

    def flat(ws):
        return np.concatenate([np.asarray(w).ravel() for w in ws])

    def torch_draws(fill, shape, count):
        out = []
        for _ in range(count):
            t = torch.empty(*shape, dtype=torch.float32)
            fill(t)
            out.append(t.numpy().copy())
        return out

    case_no = [0]

    def compare(name, spec, il_shape, torch_shape, fill, sets=(), count=None, select=None):
        """KS test of initlab `spec` on il_shape against torch `fill` on torch_shape."""
        case_no[0] += 1
        count = count or draws_for(il_shape)
        tcount = max(1, round(count * numel(il_shape) / numel(torch_shape)))
        try:
            torch.manual_seed(1000 + case_no[0])
            a = lab.draws(spec, il_shape, range(100 * case_no[0], 100 * case_no[0] + count), sets)
            b = torch_draws(fill, torch_shape, tcount)
            if select:
                a, b = select(a), select(b)
            else:
                a, b = flat(a), flat(b)
            d, p = ks_2samp(np, a, b)
        except Exception as e:  # noqa: BLE001 - report and go on with the other cases
            print(f"{name:<58} ERROR: {e}", flush=True)
            results.append(False)
            return None
        ok = p >= ALPHA
        report(name, a.size, b.size, d, p, "PASS" if ok else "FAIL")
        results.append(ok)
        return a

    with tempfile.TemporaryDirectory(prefix="torch_agreement_") as tmp:
        lab = Initlab(np, exe, tmp)
        print(f"initlab {exe}; torch {torch.__version__}, numpy {np.__version__}; "
              f"two-sample KS, fail when p < {ALPHA:g}")

        # initlab (A, B) = (fan_in, fan_out)  <->  torch (B, A); conv (kh, kw, in, out) <-> (out, in, kh, kw).
        dense, dense_t = (1024, 256), (256, 1024)
        conv, conv_t = (3, 3, 256, 128), (128, 256, 3, 3)  # fan_in 2304, fan_out 1152 on both sides
        g = 5.0 / 3.0

        # ---- xavier ---------------------------------------------------------------------------
        compare("xavier_uniform gain=1 (1024,256)", "xavier_uniform", dense, dense_t,
                lambda t: init.xavier_uniform_(t))
        compare("xavier_uniform gain=5/3 (1024,256)", "xavier_uniform", dense, dense_t,
                lambda t: init.xavier_uniform_(t, gain=g), sets=[("gain", repr(g))])
        compare("xavier_normal gain=1 (1024,256)", "xavier_normal", dense, dense_t,
                lambda t: init.xavier_normal_(t))
        compare("xavier_normal gain=5/3 (1024,256)", "xavier_normal", dense, dense_t,
                lambda t: init.xavier_normal_(t, gain=g), sets=[("gain", repr(g))])
        compare("xavier_uniform conv (3,3,256,128)", "xavier_uniform", conv, conv_t,
                lambda t: init.xavier_uniform_(t))

        # ---- kaiming --------------------------------------------------------------------------
        for kind in ("uniform", "normal"):
            spec = f"kaiming_{kind}"
            fn = getattr(init, f"kaiming_{kind}_")
            compare(f"{spec} defaults (1024,256)", spec, dense, dense_t, lambda t, fn=fn: fn(t))
            compare(f"{spec} a=sqrt(5) (1024,256)", spec, dense, dense_t,
                    lambda t, fn=fn: fn(t, a=math.sqrt(5)), sets=[("a", repr(math.sqrt(5)))])
            compare(f"{spec} mode=fan_out (1024,256)", spec, dense, dense_t,
                    lambda t, fn=fn: fn(t, mode="fan_out"), sets=[("mode", "fan_out")])
            compare(f"{spec} nonlinearity=relu (1024,256)", spec, dense, dense_t,
                    lambda t, fn=fn: fn(t, nonlinearity="relu"), sets=[("nonlinearity", "relu")])
            compare(f"{spec} nonlinearity=tanh (1024,256)", spec, dense, dense_t,
                    lambda t, fn=fn: fn(t, nonlinearity="tanh"), sets=[("nonlinearity", "tanh")])
            compare(f"{spec} fan_out relu conv (3,3,256,128)", spec, conv, conv_t,
                    lambda t, fn=fn: fn(t, mode="fan_out", nonlinearity="relu"),
                    sets=[("mode", "fan_out"), ("nonlinearity", "relu")])

        # ---- orthogonal -----------------------------------------------------------------------
        # Entries of orthonormal vectors of length L: square L=256; tall (1024,128) L=1024 against
        # torch tall (1024,128) and torch wide (128,1024) (orthonormal rows), and initlab wide
        # (128,1024) against torch tall; conv (3,3,256,128) is 2304x128 in initlab, torch
        # (128,256,3,3) is 128x2304: L=2304 on both sides.
        compare("orthogonal square (256,256)", "orthogonal", (256, 256), (256, 256), lambda t: init.orthogonal_(t))
        compare("orthogonal tall (1024,128) vs torch (1024,128)", "orthogonal", (1024, 128), (1024, 128),
                lambda t: init.orthogonal_(t))
        compare("orthogonal tall (1024,128) vs torch wide (128,1024)", "orthogonal", (1024, 128), (128, 1024),
                lambda t: init.orthogonal_(t))
        compare("orthogonal wide (128,1024) vs torch tall (1024,128)", "orthogonal", (128, 1024), (1024, 128),
                lambda t: init.orthogonal_(t))
        compare("orthogonal gain=2 conv (3,3,256,128)", "orthogonal", conv, conv_t,
                lambda t: init.orthogonal_(t, gain=2.0), sets=[("gain", "2")])

        # ---- trunc_normal (absolute bounds a, b) ----------------------------------------------
        compare("trunc_normal defaults std=1 [-2,2]", "trunc_normal", (1024, 1024), (1024, 1024),
                lambda t: init.trunc_normal_(t))
        compare("trunc_normal mean=0.5 std=2 [-1,3]", "trunc_normal", (1024, 1024), (1024, 1024),
                lambda t: init.trunc_normal_(t, mean=0.5, std=2.0, a=-1.0, b=3.0),
                sets=[("mean", "0.5"), ("std", "2"), ("a", "-1"), ("b", "3")])
        compare("trunc_normal std=0.02 [-2,2] (untruncated)", "trunc_normal", (1024, 1024), (1024, 1024),
                lambda t: init.trunc_normal_(t, std=0.02, a=-2.0, b=2.0),
                sets=[("std", "0.02"), ("a", "-2"), ("b", "2")])

        # ---- sparse ---------------------------------------------------------------------------
        # Same (rows, cols) on both sides; 999 rows: ceil(0.3 * 999) = 300 zeros per column.
        sp_shape, sparsity, sp_std = (999, 720), 0.3, 0.5
        sp_count = 2
        sp_spec = "sparse"
        sp_sets = [("sparsity", repr(sparsity)), ("std", repr(sp_std))]
        try:
            lab.run(sp_spec, (4, 4), 1, sp_sets)
        except RuntimeError as e:
            # `initlab init sparse --set sparsity=...` parses the bare id first, which fails
            # because sparsity is required; the JSON config form carries it from the start.
            sp_spec = '{"class_name": "Sparse", "config": {"sparsity": %r, "std": %r}}' % (sparsity, sp_std)
            sp_sets = []
            note = str(e).split(": ", 1)[-1]
            print(f"note: `initlab init sparse --set sparsity=...` failed ({note}); using the JSON config form")
        nz_per_col = math.ceil(sparsity * sp_shape[0])
        sp_lab = []

        def sparse_select(ws):
            if not sp_lab:
                sp_lab.extend(ws)  # the first call gets initlab's tensors
            v = flat(ws)
            return v[v != 0.0]

        compare(f"sparse sparsity=0.3 std=0.5 {sp_shape}: nonzero values", sp_spec, sp_shape, sp_shape,
                lambda t: init.sparse_(t, sparsity=sparsity, std=sp_std), sets=sp_sets, count=sp_count,
                select=sparse_select)
        if sp_lab:
            counts = np.concatenate([(w == 0).sum(axis=0) for w in sp_lab])
            ok = bool(np.all(counts == nz_per_col))
            print(f"{'sparse zeros per column = ceil(0.3*999) = %d' % nz_per_col:<58} "
                  f"{counts.size} columns, min {counts.min()} max {counts.max()}  {'PASS' if ok else 'FAIL'}")
            results.append(ok)
        else:
            print(f"{'sparse zeros per column':<58} not checked (no initlab tensor)  FAIL")
            results.append(False)

        # ---- torch_default vs nn.Linear ------------------------------------------------------
        # nn.Linear(784, 64).weight is (64, 784): fan_in 784, the same as initlab's (784, 64).
        compare("torch_default (784,64) vs nn.Linear(784,64).weight", "torch_default", (784, 64), (64, 784),
                lambda t: t.copy_(torch.nn.Linear(784, 64).weight.detach()))

        # ---- power: a deliberate mismatch must be detected ------------------------------------
        # initlab he_normal is a 2-sigma truncated normal with std sqrt(2/fan_in); torch
        # kaiming_normal_ (a=0, fan_in, leaky_relu: gain sqrt 2) the untruncated one, same variance.
        case_no[0] += 1
        try:
            torch.manual_seed(1000 + case_no[0])
            count = draws_for(dense)
            a = flat(lab.draws("he_normal", dense, range(100 * case_no[0], 100 * case_no[0] + count)))
            b = flat(torch_draws(lambda t: init.kaiming_normal_(t), dense_t, count))
            d, p = ks_2samp(np, a, b)
            detected = p < ALPHA
            report("POWER he_normal (truncated) vs kaiming_normal_ (1024,256)", a.size, b.size, d, p,
                   "DETECTED (expected difference)" if detected else "NOT DETECTED: FAIL (test has no power)")
            results.append(detected)
        except Exception as e:  # noqa: BLE001
            print(f"POWER check ERROR: {e}")
            results.append(False)

    failed = results.count(False)
    print(f"{len(results) - failed}/{len(results)} checks passed in {time.monotonic() - t_start:.1f} s"
          + ("" if not failed else f"; {failed} FAILED"))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
