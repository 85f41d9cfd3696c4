#!/usr/bin/env python3
"""Re-load every committed model.onnx with onnxruntime and check it against
its fixture.json; sanity-check every card.json.

For each model directory (Models/iris/<version>/ and Models/zoo/<name>/):
  * fixture: no bare NaN/Infinity in the JSON; running the fixture inputs through
    onnxruntime (CPUExecutionProvider, 1 intra/inter-op thread) gives outputs
    exactly equal to the fixture (bit-for-bit floats, same output order);
    rows listed under error_cases are still rejected;
  * the same with onnxruntime's default threading (relative tolerance 1e-5),
    to show the reference does not depend on the thread count;
  * card: required keys, task value, inputs match the ONNX graph inputs,
    outputs name real ONNX outputs, baseline edges ascending and fractions
    summing to 1, 5 samples.

Usage: Models/.venv/bin/python Models/verify_fixtures.py [DIR ...]
Exit status 1 if anything fails.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import exportlib  # noqa: E402

CARD_KEYS = ["name", "version", "description", "task", "framework", "inputs", "outputs",
             "classes", "metrics", "baseline", "samples"]


def _no_bare_constants(text: str, where: str):
    def bad(c):
        raise ValueError(f"{where}: bare JSON constant {c}")
    return json.loads(text, parse_constant=bad)


def check_card(d: Path) -> list:
    errs = []
    card = _no_bare_constants((d / "card.json").read_text(), f"{d}/card.json")
    for k in CARD_KEYS:
        if k not in card:
            errs.append(f"card missing {k}")
    if errs:
        return errs
    if card["task"] not in exportlib.TASKS:
        errs.append(f"bad task {card['task']}")
    sess = exportlib.make_session(d / "model.onnx")
    graph_inputs = {i.name: i for i in sess.get_inputs()}
    if [i["name"] for i in card["inputs"]] != [i.name for i in sess.get_inputs()]:
        errs.append("card inputs do not match the ONNX inputs (names/order)")
    ort_type = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(int64)": "int64",
                "tensor(int32)": "int32", "tensor(string)": "string", "tensor(bool)": "bool"}
    for i in card["inputs"]:
        gi = graph_inputs.get(i["name"])
        if gi is not None and ort_type.get(gi.type) != i["type"]:
            errs.append(f"input {i['name']}: card type {i['type']} vs ONNX {gi.type}")
    outs = [o.name for o in sess.get_outputs()]
    for role, name in card["outputs"].items():
        if name is not None and name not in outs:
            errs.append(f"outputs.{role}={name} is not an ONNX output {outs}")
    feats = card["baseline"]["features"]
    names = [f for i in card["inputs"] for f in i["features"]]
    if list(feats) != names:
        errs.append("baseline features differ from card input features")
    for fname, b in feats.items():
        if "edges" in b:
            e, fr = b["edges"], b["fractions"]
            if len(e) != len(fr) + 1 or any(e[i] > e[i + 1] for i in range(len(e) - 1)):
                errs.append(f"baseline {fname}: bad edges")
            if fr and abs(sum(fr) - 1.0) > 1e-9:
                errs.append(f"baseline {fname}: fractions sum {sum(fr)}")
        elif "categories" in b:
            if abs(sum(b["categories"].values()) - 1.0) > 1e-9:
                errs.append(f"baseline {fname}: category fractions do not sum to 1")
        else:
            errs.append(f"baseline {fname}: neither edges nor categories")
    pd_ = card["baseline"]["prediction_distribution"]
    if isinstance(pd_, dict) and "fractions" not in pd_ and abs(sum(pd_.values()) - 1.0) > 1e-9:
        errs.append("prediction_distribution does not sum to 1")
    if len(card["samples"]) != exportlib.N_CARD_SAMPLES:
        errs.append(f"{len(card['samples'])} samples")
    for s in card["samples"]:
        if len(s["features"]) != len(names):
            errs.append("sample feature count mismatch")
            break
    if card["task"] == "classification" and card["classes"] is None:
        errs.append("classification card without classes")
    return errs


def main(argv) -> int:
    dirs = [Path(a) for a in argv] if argv else sorted(
        [p.parent for p in (HERE / "iris").glob("*/fixture.json")]
        + [p.parent for p in (HERE / "zoo").glob("*/fixture.json")])
    if not dirs:
        print("no model directories found", file=sys.stderr)
        return 1
    failed = 0
    for d in dirs:
        rel = d.relative_to(HERE) if d.is_relative_to(HERE) else d
        try:
            _no_bare_constants((d / "fixture.json").read_text(), f"{d}/fixture.json")
            ok1, msg1 = exportlib.verify_dir(d, threads=1, exact=True)
            ok2, msg2 = exportlib.verify_dir(d, threads=0, exact=False, tol=1e-5)
            card_errs = check_card(d)
        except Exception as e:  # noqa: BLE001
            ok1, msg1, ok2, msg2, card_errs = False, f"{type(e).__name__}: {e}", True, "", []
        ok = ok1 and ok2 and not card_errs
        failed += not ok
        status = "ok  " if ok else "FAIL"
        detail = msg1 if ok1 else f"exact: {msg1}"
        if not ok2:
            detail += f"; default threads: {msg2}"
        if card_errs:
            detail += f"; card: {card_errs}"
        print(f"{status} {str(rel):40s} {detail}", flush=True)
    print(f"\n{len(dirs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
