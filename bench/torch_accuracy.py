#!/usr/bin/python3
"""PyTorch's side of initlab's accuracy comparison (bench/run-accuracy-bench):
initlab's three Fashion-MNIST examples (examples/fashion_*.cpp), trained here
the way Keras trains them, and scored on the whole test set.

Data: the four gzip IDX files of Fashion-MNIST (train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz) in --data DIR (default $INITLAB_FASHION_MNIST,
else /usr/share/datasets/fashion-mnist, the folder initlab reads), parsed here
with gzip + struct + numpy: big-endian header, magic 2051 (images) / 2049
(labels), 28 x 28 images, the payload size and the image/label counts checked
(60000 training, 10000 test); a missing or malformed file is a clear error
naming it (exit status 2). Pixels are scaled to [0, 1] float32, images kept
as (n, 1, 28, 28). --max-train N keeps only the first N training samples (a
quick smoke run); the test set is always all 10000 images.

Models (each after torch.manual_seed(--seed), so a model's result does not
depend on which others run; outputs are logits and nn.CrossEntropyLoss
(mean over the batch) on integer labels = Keras's softmax + categorical or
sparse categorical cross-entropy):
  mlp          nn.Flatten -> nn.Linear(784, 64) -> ReLU -> nn.Linear(64, 10).
               Weights Keras's glorot_uniform (= nn.init.xavier_uniform_),
               zero biases. Adam as Keras 3 computes it: lr 1e-3, beta_1 0.9,
               beta_2 0.999, epsilon 1e-7, step
                 m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2)
                 w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)
               (torch.optim.Adam adds epsilon after the bias correction of
               sqrt(v), a slightly different epsilon). Batch 128, 5 epochs,
               all 60000 training samples.
  mlp_rmsprop  nn.Linear(784, 128) -> ReLU -> nn.Linear(128, 10) on the images
               flattened to 784. Both weights N(0, 0.01^2) (nn.init.normal_,
               not truncated), zero biases. RMSprop as Keras 3 computes it:
               lr 1e-3, rho 0.9, epsilon 1e-7, no momentum, not centered,
               step  v = rho v + (1 - rho) g^2;  w -= lr g / sqrt(v + epsilon)
               (epsilon INSIDE the square root, as keras/src/optimizers/
               rmsprop.py and initlab do; torch.optim.RMSprop divides by
               sqrt(v) + eps, which with eps 1e-7 floors the denominator at
               1e-7 instead of 3.2e-4, so it is not used). Batch 32, 5 epochs.
               Keras's fit(validation_split=0.1) takes the LAST 10 % of the
               samples as validation before any shuffling, so training uses
               the first 54000 (with --max-train N: the first N - floor(N/10));
               the validation part is not used here.
  cnn          nn.Conv2d(1, 32, 3) -> ReLU -> nn.MaxPool2d(2) -> nn.Flatten
               -> nn.Linear(5408, 10). Weights Keras's he_uniform,
               U(+-sqrt(6 / fan_in)) with fan_in 9 for the convolution and
               5408 for the dense layer, zero biases. torch.optim.SGD lr 0.01
               (no momentum, = Keras's SGD). Batch 32, 3 epochs, all 60000.
               initlab is NHWC and flattens in (H, W, C) order, PyTorch's NCHW
               flatten is (C, H, W): only a permutation of the dense layer's
               inputs (and of its i.i.d. initial weights), harmless for
               accuracy.
Every epoch: a fresh torch.randperm shuffle of the training samples, then
every batch in order, the last one partial (as Keras's fit):
zero_grad, forward, loss, backward, step. Test: all 10000 images, batches of
1000, without gradients; test_loss = mean cross-entropy, test_accuracy =
fraction of argmax hits (0..1).

Threads: torch.set_num_threads(--threads, default 2); OPENBLAS_NUM_THREADS
is whatever the caller set.

Output, on stdout, one JSON line per model, written as each finishes:
  {"model", "test_accuracy", "test_loss", "epochs", "batch_size", "seconds",
   "seed", "train_samples"}
seconds = wall time of building, training and testing that model (the data
are loaded once, before). With --context, a first line describes the
process (bench_env.torch_context: torch version, BLAS libraries, OpenBLAS
core type, build settings). Progress goes to stderr, each line starting with
"torch: ". Exits with status 3 when torch cannot be imported.

  /usr/bin/python3 bench/torch_accuracy.py [--models mlp,mlp_rmsprop,cnn] [--seed 1234]
      [--threads 2] [--max-train N] [--data DIR] [--context]
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

try:
    import numpy as np
except ImportError as e:  # reported by main(), with the interpreter's name
    np, NUMPY_ERROR = None, str(e)

MODELS = ("mlp", "mlp_rmsprop", "cnn")
# model -> (batch size, epochs, validation_split): the settings of examples/fashion_*.cpp
SETTINGS = {"mlp": (128, 5, 0.0), "mlp_rmsprop": (32, 5, 0.1), "cnn": (32, 3, 0.0)}
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049


class DataError(Exception):
    pass


def read_idx(path, images, count):
    """The array of one gzip IDX file: uint8 (count, 28, 28) images or (count,) labels."""
    if not os.path.isfile(path):
        raise DataError(f"{path}: file not found (install the dataset-fashion-mnist package, "
                        "or point --data / INITLAB_FASHION_MNIST at a folder with the four .gz IDX files)")
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read it as gzip: {e}") from e
    header = 16 if images else 8
    if len(raw) < header:
        raise DataError(f"{path}: {len(raw)} bytes, shorter than the {header}-byte IDX header")
    magic, n = struct.unpack(">II", raw[:8])
    want = IMAGES_MAGIC if images else LABELS_MAGIC
    if magic != want:
        raise DataError(f"{path}: magic number {magic}, expected {want} (an IDX {'image' if images else 'label'} file)")
    if n != count:
        raise DataError(f"{path}: {n} items, expected {count}")
    shape = (n,)
    if images:
        rows, cols = struct.unpack(">II", raw[8:16])
        if (rows, cols) != (28, 28):
            raise DataError(f"{path}: images of {rows} x {cols}, expected 28 x 28")
        shape = (n, rows, cols)
    size = int(np.prod(shape))
    if len(raw) != header + size:
        raise DataError(f"{path}: {len(raw) - header} bytes after the header, expected {size}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
    if not images and data.max(initial=0) > 9:
        raise DataError(f"{path}: label {int(data.max())} out of range 0..9")
    return data


def load_fashion_mnist(folder):
    """(x_train, y_train, x_test, y_test) as numpy: float32 (n, 1, 28, 28) in [0, 1], int64 labels."""
    x_tr = read_idx(os.path.join(folder, FILES["train_images"]), True, 60000)
    y_tr = read_idx(os.path.join(folder, FILES["train_labels"]), False, 60000)
    x_te = read_idx(os.path.join(folder, FILES["test_images"]), True, 10000)
    y_te = read_idx(os.path.join(folder, FILES["test_labels"]), False, 10000)

    def scale(x):
        return (x.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)

    return scale(x_tr), y_tr.astype(np.int64), scale(x_te), y_te.astype(np.int64)


def make_optimizers(torch):
    class KerasAdam(torch.optim.Optimizer):
        """keras.optimizers.Adam (Keras 3), amsgrad off."""

        def __init__(self, params, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
            super().__init__(params, dict(lr=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon))

        @torch.no_grad()
        def step(self):
            for group in self.param_groups:
                lr, b1, b2, eps = group["lr"], group["beta_1"], group["beta_2"], group["epsilon"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if not st:
                        st["t"], st["m"], st["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                    st["t"] += 1
                    t, m, v, g = st["t"], st["m"], st["v"], p.grad
                    alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                    m.add_(g - m, alpha=1 - b1)
                    v.add_(g * g - v, alpha=1 - b2)
                    p.addcdiv_(m, v.sqrt().add_(eps), value=-alpha)

    class KerasRMSprop(torch.optim.Optimizer):
        """keras.optimizers.RMSprop (Keras 3), no momentum, not centered: epsilon inside the sqrt."""

        def __init__(self, params, lr=1e-3, rho=0.9, epsilon=1e-7):
            super().__init__(params, dict(lr=lr, rho=rho, epsilon=epsilon))

        @torch.no_grad()
        def step(self):
            for group in self.param_groups:
                lr, rho, eps = group["lr"], group["rho"], group["epsilon"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if not st:
                        st["v"] = torch.zeros_like(p)
                    v, g = st["v"], p.grad
                    v.mul_(rho).addcmul_(g, g, value=1 - rho)
                    p.addcdiv_(g, (v + eps).sqrt_(), value=-lr)

    return KerasAdam, KerasRMSprop


def build(name, torch, nn):
    """(model, optimizer, flatten inputs to 784 first?) for one model, initialized as Keras would."""
    KerasAdam, KerasRMSprop = make_optimizers(torch)
    if name == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        return model, KerasAdam(model.parameters(), lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7), False
    if name == "mlp_rmsprop":
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)
        return model, KerasRMSprop(model.parameters(), lr=1e-3, rho=0.9, epsilon=1e-7), True
    if name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(32 * 13 * 13, 10))
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    fan_in = m.weight[0].numel()  # 3*3*1 = 9, then 5408
                    bound = math.sqrt(6.0 / fan_in)
                    nn.init.uniform_(m.weight, -bound, bound)
                    nn.init.zeros_(m.bias)
        return model, torch.optim.SGD(model.parameters(), lr=0.01), False
    raise SystemExit(f"torch_accuracy: unknown model {name!r} (expected some of {', '.join(MODELS)})")


def run_model(name, data, seed, torch, nn):
    x_tr, y_tr, x_te, y_te = data
    batch, epochs, split = SETTINGS[name]
    t0 = time.perf_counter()
    n_all = x_tr.shape[0]
    n = n_all - int(math.floor(n_all * split))  # Keras: the last fraction is validation, cut before shuffling
    if n < 1:
        raise SystemExit(f"torch_accuracy: {name}: no training samples left after the validation split")
    torch.manual_seed(seed)
    model, opt, flat = build(name, torch, nn)
    xs = x_tr[:n].reshape(n, 784) if flat else x_tr[:n]
    ys = y_tr[:n]
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n)
        loss_sum, hits = 0.0, 0
        for lo in range(0, n, batch):
            idx = perm[lo:lo + batch]
            xb, yb = xs[idx], ys[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(idx)
            hits += int((out.detach().argmax(dim=1) == yb).sum())
        print(f"torch: {name} epoch {epoch + 1}/{epochs}: loss {loss_sum / n:.4f}, accuracy {hits / n:.4f} "
              f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    model.eval()
    xt = x_te.reshape(x_te.shape[0], 784) if flat else x_te
    loss_sum, hits = 0.0, 0
    with torch.no_grad():
        for lo in range(0, xt.shape[0], 1000):
            out = model(xt[lo:lo + 1000])
            yb = y_te[lo:lo + 1000]
            loss_sum += float(nn.functional.cross_entropy(out, yb, reduction="sum"))
            hits += int((out.argmax(dim=1) == yb).sum())
    m = xt.shape[0]
    return {"model": name, "test_accuracy": hits / m, "test_loss": loss_sum / m, "epochs": epochs,
            "batch_size": batch, "seconds": round(time.perf_counter() - t0, 3), "seed": seed, "train_samples": n}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, default: all three")
    parser.add_argument("--seed", type=int, default=1234, help="torch.manual_seed before each model (default 1234)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--max-train", type=int, default=0, help="use only the first N training samples")
    parser.add_argument("--data", default=os.environ.get("INITLAB_FASHION_MNIST") or "/usr/share/datasets/fashion-mnist",
                        help="folder of the four .gz IDX files (default $INITLAB_FASHION_MNIST, "
                             "else /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--context", action="store_true",
                        help="first print a JSON line describing torch and its BLAS (bench_env.torch_context)")
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    for name in names:
        if name not in MODELS:
            parser.error(f"unknown model {name!r} (expected some of {', '.join(MODELS)})")
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    if args.max_train < 0:
        parser.error("--max-train must be >= 0")

    if np is None:
        print(f"torch_accuracy: cannot import numpy with {sys.executable}: {NUMPY_ERROR} "
              "(run it with /usr/bin/python3, where PyTorch is)", file=sys.stderr)
        return 3
    try:
        data = load_fashion_mnist(args.data)
    except DataError as e:
        print(f"torch_accuracy: {e}", file=sys.stderr)
        return 2

    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"torch_accuracy: cannot import torch with {sys.executable}: {e}", file=sys.stderr)
        return 3
    torch.set_num_threads(args.threads)
    if args.context:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from bench_env import torch_context
        print(json.dumps(torch_context(torch)), flush=True)

    x_tr, y_tr, x_te, y_te = data
    if args.max_train:
        x_tr, y_tr = x_tr[:args.max_train], y_tr[:args.max_train]
    tensors = tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (x_tr, y_tr, x_te, y_te))
    for name in names:
        print(f"torch: {name}: training on {tensors[0].shape[0]} samples "
              f"(seed {args.seed}, {torch.get_num_threads()} threads) ...", file=sys.stderr, flush=True)
        print(json.dumps(run_model(name, tensors, args.seed, torch, nn)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
