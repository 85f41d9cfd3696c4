#!/usr/bin/env python3
"""Time onnxruntime (CPUExecutionProvider, intra_op_num_threads=1,
inter_op_num_threads=1, sequential execution) on StreamScore models, as the
reference point for the Swift runtime's throughput.

For each model directory and each batch size, the batch is built by tiling the
fixture's test rows (rows without injected NaN); a directory without
fixture.json gets seeded random float32 inputs from the graph input shapes.
Each measurement warms up (>= 3 runs and >= --warmup seconds), then runs
session.run back-to-back for >= --seconds and reports rows/s.

Output: a table, then one JSON line per measurement:
  {"model": "bench_rf_100x8_30f", "batch": 256, "rows_per_s": 123456.7, ...}

Usage:
  Models/.venv/bin/python Models/bench_onnxruntime.py [--models DIR ...] [--batch 1,16,256,4096]
          [--seconds 1.0] [--warmup 0.2] [--jsonl FILE]
Default models: Models/zoo/bench_iris_logreg, bench_rf_100x8_30f, bench_gb_50f, bench_mlp_50f.
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_MODELS = ["bench_iris_logreg", "bench_rf_100x8_30f", "bench_gb_50f", "bench_mlp_50f"]
_NP = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32,
       "bool": np.bool_, "string": object}
_ORT_NP = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
           "tensor(int32)": np.int32, "tensor(bool)": np.bool_}


def make_session(path: Path) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=so, providers=["CPUExecutionProvider"])


def _decode(t: dict) -> np.ndarray:
    nonfinite = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}
    data = [nonfinite.get(v, v) if isinstance(v, str) and t["type"] != "string" else v for v in t["data"]]
    return np.array(data, dtype=_NP[t["type"]]).reshape(t["shape"])


def base_rows(model_dir: Path, sess: ort.InferenceSession) -> dict:
    """name -> array [R, ...] of representative rows."""
    fx_path = model_dir / "fixture.json"
    if fx_path.exists():
        fx = json.loads(fx_path.read_text())
        test = next((g for g in fx.get("row_sources", []) if g["source"] == "test"), None)
        rows = {k: _decode(v) for k, v in fx["inputs"].items()}
        if test is not None:
            rows = {k: v[test["start"]:test["end"]] for k, v in rows.items()}
        return rows
    rng = np.random.RandomState(0)
    rows = {}
    for i in sess.get_inputs():
        if i.type not in _ORT_NP:
            raise SystemExit(f"{model_dir}: no fixture.json and input {i.name} has type {i.type}")
        width = [d if isinstance(d, int) else 1 for d in i.shape[1:]]
        rows[i.name] = rng.standard_normal([64] + width).astype(_ORT_NP[i.type])
    return rows


def tile(rows: dict, batch: int) -> dict:
    out = {}
    for k, v in rows.items():
        reps = -(-batch // v.shape[0])
        out[k] = np.ascontiguousarray(np.concatenate([v] * reps, axis=0)[:batch])
    return out


def measure(sess, feed, seconds: float, warmup: float) -> tuple:
    t0 = time.perf_counter()
    n = 0
    while n < 3 or time.perf_counter() - t0 < warmup:
        sess.run(None, feed)
        n += 1
    runs = 0
    start = time.perf_counter()
    while True:
        sess.run(None, feed)
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return runs, elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=None,
                    help="model directories (each with model.onnx; fixture.json optional)")
    ap.add_argument("--batch", default="1,16,256,4096", help="comma-separated batch sizes")
    ap.add_argument("--seconds", type=float, default=1.0, help="measured time per (model, batch)")
    ap.add_argument("--warmup", type=float, default=0.2, help="minimum warm-up time per (model, batch)")
    ap.add_argument("--jsonl", default=None, help="also append the JSON lines to this file")
    args = ap.parse_args()

    batches = [int(b) for b in args.batch.split(",") if b.strip()]
    if not batches or min(batches) < 1:
        ap.error("--batch needs positive integers")
    dirs = [Path(m) for m in args.models] if args.models else [HERE / "zoo" / m for m in DEFAULT_MODELS]
    for d in dirs:
        if not (d / "model.onnx").exists():
            ap.error(f"{d}/model.onnx not found (run Models/zoo/build_zoo.py first?)")

    print(f"# onnxruntime {ort.__version__}, CPUExecutionProvider, intra_op=1 inter_op=1 sequential; "
          f"{platform.machine()} {os.cpu_count()} cpus; {args.seconds:g}s per measurement", flush=True)
    results = []
    header = f"{'model':28s}" + "".join(f"{'b=' + str(b):>14s}" for b in batches)
    print(header + "   (rows/s)")
    print("-" * len(header))
    for d in dirs:
        sess = make_session(d / "model.onnx")
        rows = base_rows(d, sess)
        name = f"{d.parent.name}/{d.name}" if d.name.isdigit() else d.name  # iris/1
        line = f"{name:28s}"
        for b in batches:
            feed = tile(rows, b)
            runs, elapsed = measure(sess, feed, args.seconds, args.warmup)
            rps = runs * b / elapsed
            results.append({"model": name, "batch": b, "rows_per_s": round(rps, 1),
                            "runs": runs, "seconds": round(elapsed, 4),
                            "us_per_run": round(elapsed / runs * 1e6, 2)})
            line += f"{rps:14,.0f}"
            if sys.stdout.isatty():
                print(line + "\r", end="", flush=True)
        print(line, flush=True)
    print()
    lines = [json.dumps(r) for r in results]
    for ln in lines:
        print(ln)
    if args.jsonl:
        with open(args.jsonl, "a") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
