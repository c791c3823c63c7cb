"""Reading and printing the results of bench/run-mlp-bench and
bench/run-train-bench (standard library only): the JSON Lines of both sides,
the per-phase load accounting, the context block and plain-text tables."""
import glob
import json
import os

# Other programs using more than this many cores during a phase make its figures unreliable.
BUSY_CORES = 0.15


def jsonl(path):
    """The JSON objects of a JSON Lines file; unreadable lines (a process cut short) are skipped."""
    out = []
    try:
        for line in open(path):
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def read_phases(tmp):
    """name -> {wall, other (cores used by other programs), rc} from the script's phases file."""
    phases = {}
    for line in open(os.path.join(tmp, "phases")):
        name, wall, busy, own, rc = line.split()
        wall, busy, own = float(wall), float(busy), float(own)
        phases[name] = {"wall": wall, "other": max(0.0, busy - own) / wall if wall > 0 else 0.0, "rc": int(rc)}
    return phases


def torch_runs(tmp):
    """(setting labels in order, the first context line, every case row with "label" added)."""
    settings, info, rows = [], None, []
    for path in sorted(glob.glob(os.path.join(tmp, "torch_omp*_ob*.jsonl"))):
        setting = os.path.basename(path)[len("torch_"):-len(".jsonl")]
        omp, ob = setting[len("omp"):].split("_ob")
        label = f"OMP={omp},OPENBLAS={ob}"
        settings.append(label)
        for r in jsonl(path):
            if "torch_version" in r:
                info = info or r
            else:
                r["label"] = label
                rows.append(r)
    return settings, info, rows


def fmt_rate(r):
    return f"{r / 1e3:,.1f} k/s" if r is not None else "—"


def print_context(ctx, tinfo, torch_note, phases):
    print("context")
    print(f"  initlab:  OpenBLAS core {ctx.get('openblas_corename', '?')} (openblas_get_corename), "
          f"OPENBLAS_CORETYPE {ctx.get('OPENBLAS_CORETYPE') or '(unset)'}, "
          f"{ctx.get('hardware_concurrency', '?')} hardware threads; GEMMs tiled over initlab's threads, "
          "OpenBLAS single-threaded inside")
    if tinfo:
        libs = ", ".join(os.path.basename(p) for p in tinfo.get("blas_libraries", [])) or "?"
        print(f"  PyTorch:  {tinfo['torch_version']}, OpenBLAS core {tinfo.get('openblas_corename')}, libraries: {libs}")
        for l in tinfo.get("config", []):
            print(f"            {l}")
    elif torch_note:
        print(f"  PyTorch:  {torch_note}")
    for name, p in phases.items():
        status = "" if p["rc"] == 0 else (
            "  ** TIMED OUT: later cases missing **" if p["rc"] in (124, 137) else f"  ** exit status {p['rc']} **")
        print(f"  phase {name:<16} {p['wall']:6.1f} s wall; other programs used {p['other']:.2f} cores meanwhile{status}")
    busy = [n for n, p in phases.items() if p["other"] > BUSY_CORES]
    if busy:
        print("  ** WARNING: other programs were using the CPU during " + ", ".join(busy) +
              ": figures (2-thread ones above all) are not reliable; rerun on an idle machine. **")
    print()


def print_table(head, rows, left=(), indent=""):
    """Columns right-aligned except those whose index is in `left`."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]

    def line(cells):
        return indent + "  ".join(c.ljust(w) if i in left else c.rjust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(head))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
