#!/usr/bin/python3
"""PyTorch's side of initlab's MLP training benchmark (bench/run-mlp-bench).

The model of bench/mlp_train_bench.cpp:
  nn.Linear(784, 64) -> nn.ReLU() -> nn.Linear(64, 10), nn.CrossEntropyLoss on
  the logits (integer class targets), torch.optim.Adam(lr=1e-3) (defaults
  otherwise), default PyTorch initialization (torch.manual_seed(1234)).
Data: 60000 samples, x ~ U[0,1) (torch.rand), label = argmax of the first 10
  features; made once, before any timing.

One epoch = a fresh torch.randperm shuffle, then every batch in order:
  zero_grad(set_to_none=True), forward, loss, backward, optimizer.step().
No DataLoader: two plain loops are timed and the faster counts:
  "slice"  x[perm], y[perm] gathered once per epoch (inside the epoch's time),
           then batches are views xs[lo:hi] (no copy);
  "index"  each batch gathered by x[perm[lo:hi]] (a copy per batch, as
           initlab's fit does).
Each (batch size, loop) gets warm-up epochs, then timed epochs; the best
timed epoch counts: samples/s = samples / best epoch time. A case stops early,
after its warm-up and one timed epoch, once it has run for --budget seconds
(default 15): with 2 OpenMP threads on a busy machine an epoch can take a
minute.

Threads: this process uses the thread count of OMP_NUM_THREADS (default 1)
for torch.set_num_threads; OPENBLAS_NUM_THREADS is whatever the caller set.
Both must be set before torch is imported, so bench/run-mlp-bench starts one
process per combination.

Output, on stdout, is JSON Lines written as it goes:
  first line    {"torch_version", "omp_num_threads", "openblas_num_threads",
                 "torch_num_threads", "blas_libraries", "openblas_corename",
                 "OPENBLAS_CORETYPE", "config"}
  then one per  {"batch_size", "loader", "epoch_seconds", "best_seconds",
  case           "samples_per_second", "loss_last_batch"}
Progress goes to stderr. Exits with status 3 when torch cannot be imported.

  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_mlp_bench.py \
      [--batch-sizes 32,128] [--loaders slice,index] [--epochs 3] [--warmup 1] [--samples 60000] [--budget 15]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_env import emit, int_list, timed_epochs, torch_context  # noqa: E402

FEATURES, CLASSES, HIDDEN, SEED = 784, 10, 64, 1234


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="32,128")
    parser.add_argument("--loaders", default="slice,index")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up epochs (default 1)")
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--budget", type=float, default=15.0, help="seconds per case (default 15)")
    args = parser.parse_args()

    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"torch_mlp_bench: cannot import torch with {sys.executable}: {e}", file=sys.stderr)
        return 3

    omp = os.environ.get("OMP_NUM_THREADS")
    torch.set_num_threads(int(omp) if omp else 1)

    torch.manual_seed(SEED)
    n = args.samples
    x = torch.rand(n, FEATURES)
    y = x[:, :CLASSES].argmax(dim=1)

    emit(torch_context(torch))

    for bs in int_list(args.batch_sizes):
        for loader in [l for l in args.loaders.split(",") if l]:
            print(f"torch: batch {bs}, loop {loader}, OMP_NUM_THREADS={omp}, "
                  f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')} ...", file=sys.stderr)
            torch.manual_seed(SEED)
            model = nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
            loss_fn = nn.CrossEntropyLoss()
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            model.train()

            def epoch():
                perm = torch.randperm(n)
                last = None
                if loader == "slice":
                    xs, ys = x[perm], y[perm]
                    for lo in range(0, n, bs):
                        xb, yb = xs[lo:lo + bs], ys[lo:lo + bs]
                        opt.zero_grad(set_to_none=True)
                        last = loss_fn(model(xb), yb)
                        last.backward()
                        opt.step()
                elif loader == "index":
                    for lo in range(0, n, bs):
                        idx = perm[lo:lo + bs]
                        xb, yb = x[idx], y[idx]
                        opt.zero_grad(set_to_none=True)
                        last = loss_fn(model(xb), yb)
                        last.backward()
                        opt.step()
                else:
                    raise SystemExit(f"torch_mlp_bench: unknown loader {loader!r} (slice or index)")
                return last

            secs, last = timed_epochs(epoch, args.warmup, args.epochs, args.budget)
            best = min(secs[args.warmup:])
            emit({"batch_size": bs, "loader": loader, "epoch_seconds": secs, "warmup_epochs": args.warmup,
                  "best_seconds": best, "samples_per_second": n / best,
                  "loss_last_batch": float(last.detach()) if last is not None else None})
    return 0


if __name__ == "__main__":
    sys.exit(main())
