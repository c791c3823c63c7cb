#!/usr/bin/python3
"""PyTorch's side of initlab's training benchmark of a CNN and a deep MLP (bench/run-train-bench).

The models of bench/train_bench.cpp, each side in its own native layout
(PyTorch NCHW, initlab NHWC; with one channel both are the same bytes):
  cnn       nn.Conv2d(1, 32, 3) -> nn.ReLU() -> nn.MaxPool2d(2) -> nn.Flatten()
            -> nn.Linear(5408, 10); weights U(+-sqrt(6 / fan_in)) (Keras's
            he_uniform, = kaiming_uniform_(nonlinearity="relu")), zero biases;
            batch sizes 32 and 128.
  deep_mlp  nn.Linear(784, 64) -> nn.ReLU() -> 29 x (nn.Linear(64, 64) ->
            nn.ReLU()) -> nn.Linear(64, 10); weights Keras's he_normal (a normal
            of std sqrt(2 / fan_in) / 0.8796 truncated at +-2 std, as
            trunc_normal_), zero biases; batch size 64.
Both: nn.CrossEntropyLoss on the logits (integer class targets),
torch.optim.SGD(lr=0.01) (no momentum), torch.manual_seed(1234).
Data: --samples samples (default 20000 for the CNN, whose epochs are slow,
and 60000 for the MLP) of x ~ U[0,1) (torch.rand), shape
(n, 1, 28, 28) for the CNN and (n, 784) for the MLP, label = argmax of the
first 10 values of a sample; made once, before any timing.

One epoch = a fresh torch.randperm shuffle, then every batch in order:
  zero_grad(set_to_none=True), forward, loss, backward, optimizer.step().
No DataLoader. Loops ("--loaders", default "index"):
  "index"  each batch gathered by x[perm[lo:hi]] (a copy per batch, as
           initlab's fit does);
  "slice"  x[perm], y[perm] gathered once per epoch (inside the epoch's time),
           then batches are views xs[lo:hi].
Each (model, batch size, loop): warm-up epochs, then timed epochs; the best
timed epoch counts: samples/s = samples / best epoch time. A case stops
early, after its warm-up and one timed epoch, once it has run for --budget
seconds (default 15).

Threads: torch.set_num_threads(OMP_NUM_THREADS, default 1);
OPENBLAS_NUM_THREADS is whatever the caller set. Both must be set before
torch is imported, so bench/run-train-bench starts one process per setting.

Output, on stdout, is JSON Lines written as it goes:
  first line    {"torch_version", "omp_num_threads", "openblas_num_threads",
                 "torch_num_threads", "blas_libraries", "openblas_corename",
                 "OPENBLAS_CORETYPE", "config"}
  then one per  {"model", "samples", "batch_size", "loader", "epoch_seconds",
  case           "best_seconds", "samples_per_second", "loss_last_batch"}
Progress goes to stderr. Exits with status 3 when torch cannot be imported.

  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_train_bench.py \
      [--models cnn,deep_mlp] [--batch-sizes 32,128] [--loaders index] [--epochs 3] [--warmup 1] \
      [--samples N] [--budget 15]
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_env import emit, int_list, timed_epochs, torch_context  # noqa: E402

SEED, CLASSES, LR = 1234, 10, 0.01
# Keras's he_normal: a normal truncated at +-2 std, scaled so that the
# truncated distribution has std sqrt(2 / fan_in) (0.8796 = the std of a
# unit normal truncated at +-2).
TRUNCATED_STD_RATIO = 0.87962566103423978
DEFAULT_BATCHES = {"cnn": [32, 128], "deep_mlp": [64]}
# An epoch of the CNN is slow: 20000 samples keep a case within its budget.
DEFAULT_SAMPLES = {"cnn": 20000, "deep_mlp": 60000}
DEEP_DEPTH, DEEP_WIDTH = 30, 64


def build(name, torch, nn):
    if name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(32 * 13 * 13, CLASSES))
    elif name == "deep_mlp":
        layers, fan_in = [], 784
        for _ in range(DEEP_DEPTH):
            layers += [nn.Linear(fan_in, DEEP_WIDTH), nn.ReLU()]
            fan_in = DEEP_WIDTH
        layers.append(nn.Linear(fan_in, CLASSES))
        model = nn.Sequential(*layers)
    else:
        raise SystemExit(f"torch_train_bench: unknown model {name!r} (cnn or deep_mlp)")
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                if name == "cnn":  # he_uniform
                    bound = math.sqrt(6.0 / fan_in)
                    nn.init.uniform_(m.weight, -bound, bound)
                else:  # he_normal (truncated)
                    std = math.sqrt(2.0 / fan_in) / TRUNCATED_STD_RATIO
                    nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
                nn.init.zeros_(m.bias)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="cnn,deep_mlp")
    parser.add_argument("--batch-sizes", default="", help="default: 32,128 for cnn, 64 for deep_mlp")
    parser.add_argument("--loaders", default="index")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up epochs (default 1)")
    parser.add_argument("--samples", type=int, default=0, help="default: 20000 for cnn, 60000 for deep_mlp")
    parser.add_argument("--budget", type=float, default=15.0, help="seconds per case (default 15)")
    args = parser.parse_args()

    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"torch_train_bench: cannot import torch with {sys.executable}: {e}", file=sys.stderr)
        return 3

    omp = os.environ.get("OMP_NUM_THREADS")
    torch.set_num_threads(int(omp) if omp else 1)
    emit(torch_context(torch))

    for name in [m for m in args.models.split(",") if m]:
        n = args.samples or DEFAULT_SAMPLES.get(name, 60000)
        torch.manual_seed(SEED)
        x = torch.rand(n, 1, 28, 28) if name == "cnn" else torch.rand(n, 784)
        y = x.reshape(n, -1)[:, :CLASSES].argmax(dim=1)
        for bs in int_list(args.batch_sizes) or DEFAULT_BATCHES.get(name, [32]):
            for loader in [l for l in args.loaders.split(",") if l]:
                if loader not in ("index", "slice"):
                    raise SystemExit(f"torch_train_bench: unknown loader {loader!r} (index or slice)")
                print(f"torch: {name}, batch {bs}, loop {loader}, OMP_NUM_THREADS={omp}, "
                      f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')} ...", file=sys.stderr)
                torch.manual_seed(SEED)
                model = build(name, torch, nn)
                loss_fn = nn.CrossEntropyLoss()
                opt = torch.optim.SGD(model.parameters(), lr=LR)
                model.train()

                def step(xb, yb):
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model(xb), yb)
                    loss.backward()
                    opt.step()
                    return loss

                def epoch():
                    perm = torch.randperm(n)
                    last = None
                    if loader == "slice":
                        xs, ys = x[perm], y[perm]
                        for lo in range(0, n, bs):
                            last = step(xs[lo:lo + bs], ys[lo:lo + bs])
                    else:
                        for lo in range(0, n, bs):
                            idx = perm[lo:lo + bs]
                            last = step(x[idx], y[idx])
                    return last

                secs, last = timed_epochs(epoch, args.warmup, args.epochs, args.budget)
                best = min(secs[args.warmup:])
                emit({"model": name, "samples": n, "batch_size": bs, "loader": loader, "epoch_seconds": secs,
                      "warmup_epochs": args.warmup, "best_seconds": best, "samples_per_second": n / best,
                      "loss_last_batch": float(last.detach()) if last is not None else None})
    return 0


if __name__ == "__main__":
    sys.exit(main())
