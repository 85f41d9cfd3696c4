#!/usr/bin/env python3
"""Train and export the default served model: Models/iris/1/.

LogisticRegression() on sklearn's Iris, split with
train_test_split(X, y, test_size=0.2, random_state=42), exported with skl2onnx
(zipmap disabled): input `float_input` float32 [None, 4]; outputs `label`
int64 [N] and `probabilities` float32 [N, 3].

Writes model.onnx, fixture.json (test split + whole dataset + NaN rows,
reference outputs from onnxruntime CPUExecutionProvider) and card.json, then
re-loads the model and checks it against the fixture.

Usage: Models/.venv/bin/python Models/iris/train.py [--out DIR]
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import exportlib  # noqa: E402  (sets single-thread env first)
from datasets import iris_logreg_spec  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "1"))
    args = ap.parse_args()
    out = Path(args.out)
    print(f"[iris] training LogisticRegression() and exporting to {out}", flush=True)
    entry = exportlib.export(iris_logreg_spec("iris"), out, card_name="iris", version="1")
    print(f"[iris] opsets {entry['opsets']} ops {entry['ops']}")
    print(f"[iris] outputs {[o['name'] + ' ' + o['type'] for o in entry['outputs']]}")
    print(f"[iris] metrics {entry['metrics']} native_vs_onnx {entry['native_vs_onnx']}")
    if entry["fit_warnings"]:
        print(f"[iris] warnings during fit/convert (expected: default max_iter=100): {entry['fit_warnings']}")
    print(f"[iris] fixture rows {entry['fixture_rows']} {entry['fixture_row_sources']}")
    print(f"[iris] model {entry['model_bytes']} bytes sha256 {entry['model_sha256']}")
    print("[iris] OK: model.onnx, fixture.json, card.json written and verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
