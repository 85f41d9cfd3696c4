#!/usr/bin/env python3
"""End-to-end test of the retraining loop: Kafka -> retrain.py -> Models/<m>/2 -> worker hot reload.

1. Starts `streamscore broker` (ephemeral port) and `streamscore worker` on a temporary copy
   of Models/iris/1 (the repository's Models/ is never written).
2. Produces labelled iris records to `features` and `labels`: all three feature-record
   shapes, labels by class name, by index and as per-row lists, plus malformed records,
   orphan labels and duplicates. The rows carry a calibration shift (petal length +1.5 cm,
   petal width +0.8 cm) and noise, so version 1 is measurably wrong on them.
3. Runs Models/retrain.py: an unknown model (exit 2), a missing labels topic (exit 3), an
   impossible --min-improvement (exit 6, nothing written), then a real run that must publish version 2 with card.json,
   fixture.json and comparison.json whose counts match what was produced.
4. Waits for the worker to serve version 2 (metrics records' `models`), produces fresh
   records and checks their predictions carry "model_version": "2" and beat version 1's
   online accuracy.

Plain Python with asserts; exits non-zero on the first failure. Processes it started are
always stopped. Environment:
  STREAMSCORE_BIN           the streamscore binary (default: swift build -c release, .build/release/streamscore)
  RETRAIN_TEST_TIMEOUT_S    overall deadline (default 280)
  RETRAIN_TEST_KEEP=1       keep the temporary directory (it is always kept on failure)
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "Models"
RETRAIN = MODELS / "retrain.py"
T0 = time.monotonic()
DEADLINE = T0 + float(os.environ.get("RETRAIN_TEST_TIMEOUT_S", "280"))
CLASSES = ["setosa", "versicolor", "virginica"]
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
SHIFT = np.array([0.0, 0.0, 1.5, 0.8])  # the "recalibrated instrument"
NOISE_SD = 0.15


class TestFailure(AssertionError):
    pass


def say(msg: str) -> None:
    print(f"[retrain-loop-test +{time.monotonic() - T0:5.1f}s] {msg}", flush=True)


def check(cond, msg: str) -> None:
    if not cond:
        raise TestFailure(msg)


def remaining(cap: float) -> float:
    left = DEADLINE - time.monotonic()
    if left <= 0:
        raise TestFailure("overall test deadline (RETRAIN_TEST_TIMEOUT_S) reached")
    return min(cap, left)


# --------------------------------------------------------------------------
# processes

class Proc:
    """A child process whose stdout lines are queued (and logged) and whose stderr goes to a file."""

    def __init__(self, name: str, argv: list, logdir: Path):
        self.name = name
        self.out_path = logdir / f"{name}.stdout.log"
        self.err_path = logdir / f"{name}.stderr.log"
        self._err = open(self.err_path, "wb")
        self.lines: queue.Queue = queue.Queue()
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._err, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()
        say(f"started {name} (pid {self.p.pid}): {' '.join(map(str, argv))}")

    def _pump(self):
        with open(self.out_path, "wb") as log:
            for raw in self.p.stdout:
                log.write(raw)
                log.flush()
                self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_line(self, pred, timeout: float, what: str) -> str:
        end = time.monotonic() + remaining(timeout)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TestFailure(f"{self.name}: no {what} within {timeout:g} s; stderr tail:\n{self.tail()}")
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.p.poll() is not None:
                    raise TestFailure(f"{self.name} exited with {self.p.returncode} before printing {what}; "
                                      f"stderr tail:\n{self.tail()}")
                continue
            if pred(line):
                return line

    def tail(self, n: int = 25) -> str:
        try:
            lines = self.err_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in lines[-n:])

    def stop(self, timeout: float = 20.0) -> int:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop in {timeout:g} s after SIGTERM; killing pid {self.p.pid}")
                self.p.kill()
                self.p.wait(timeout=10)
        self._err.close()
        return self.p.returncode


def streamscore_binary() -> Path:
    env = os.environ.get("STREAMSCORE_BIN")
    if env:
        b = Path(env).resolve()
        check(b.is_file() and os.access(b, os.X_OK), f"STREAMSCORE_BIN={env} is not an executable file")
        return b
    say("STREAMSCORE_BIN not set: swift build -c release --product streamscore")
    subprocess.run(["swift", "build", "-c", "release", "--product", "streamscore"], cwd=REPO, check=True)
    b = REPO / ".build" / "release" / "streamscore"
    check(b.is_file(), f"{b} was not built")
    return b


# --------------------------------------------------------------------------
# Kafka helpers

def produce(brokers: str, topic: str, records: list) -> None:
    from confluent_kafka import Producer

    failures: list = []
    p = Producer({"bootstrap.servers": brokers, "linger.ms": 5, "enable.idempotence": False})

    def on_delivery(err, msg):
        if err is not None:
            failures.append(str(err))

    for key, value in records:
        payload = value if isinstance(value, bytes) else json.dumps(value).encode()
        while True:
            try:
                p.produce(topic, key=key.encode() if key else None, value=payload, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(remaining(30))
    check(left == 0 and not failures, f"producing to {topic}: {left} undelivered, errors {failures[:3]}")


class TopicFollower:
    """Reads every partition of a topic from the beginning without a consumer group."""

    def __init__(self, brokers: str, topic: str):
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        self.topic = topic
        self.c = Consumer({"bootstrap.servers": brokers, "group.id": f"retrain-loop-test-{os.getpid()}-{topic}",
                           "enable.auto.commit": False, "enable.partition.eof": False})
        md = self.c.list_topics(topic=topic, timeout=remaining(15))
        parts = md.topics[topic].partitions
        check(parts, f"topic {topic} has no partitions")
        self.c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])

    def poll(self, timeout: float = 0.3) -> list:
        out = []
        for m in self.c.consume(num_messages=500, timeout=timeout):
            if m.error() is None and m.value() is not None:
                try:
                    out.append(json.loads(m.value()))
                except ValueError:
                    pass
        return out

    def close(self):
        self.c.close()


# --------------------------------------------------------------------------
# data

def iris_rows(rng: np.random.RandomState, n: int) -> tuple:
    from sklearn.datasets import load_iris

    d = load_iris()
    idx = rng.randint(0, len(d.target), n)
    X = d.data[idx] + SHIFT + rng.normal(0.0, NOISE_SD, (n, 4))
    return np.round(X, 2), d.target[idx].astype(int)


def build_training_records(rng) -> tuple:
    """-> (feature records, label records, expected join stats)"""
    feats, labels = [], []
    X, y = iris_rows(rng, 720)
    i = k = 0
    n_rows = 0
    while i < len(y):
        shape = k % 3
        rid = f"train-{k}"
        if shape == 0:
            feats.append((rid, {"id": rid, "features": X[i].tolist()}))
            labels.append((rid, {"id": rid, "label": CLASSES[y[i]]}))
            i += 1
            n_rows += 1
        elif shape == 1:
            feats.append((rid, {"id": rid, "features": dict(zip(FEATURES, X[i].tolist()))}))
            labels.append((rid, {"id": rid, "label": int(y[i])}))
            i += 1
            n_rows += 1
        else:
            rows = X[i:i + 3]
            feats.append((rid, {"id": rid, "data": rows.tolist()}))
            labels.append((rid, {"id": rid, "labels": [CLASSES[t] if j % 2 else int(t)
                                                       for j, t in enumerate(y[i:i + 3])]}))
            i += len(rows)
            n_rows += len(rows)
        k += 1
    good_feature_records = len(feats)
    # Malformed feature records (the worker dead-letters them; retrain.py skips and counts them).
    bad_feats = (
        [(f"bad-json-{j}", b'{"id": "bad-json", "features": [1, 2') for j in range(5)]
        + [(None, {"features": [5.0, 3.0, 1.5, 0.2]}) for _ in range(4)]
        + [(f"bad-name-{j}", {"id": f"bad-name-{j}", "features": {"petal_len": 1.0}}) for j in range(3)]
        + [(f"bad-count-{j}", {"id": f"bad-count-{j}", "features": [1.0, 2.0]}) for j in range(2)]
    )
    # Feature records nobody labelled.
    unlabelled = [(f"nolabel-{j}", {"id": f"nolabel-{j}", "features": X[j].tolist()}) for j in range(6)]
    # Label problems: unknown class, out-of-range index, labels for ids never seen, wrong count.
    bad_labels = ([(f"train-{j}", {"id": f"train-{j}", "label": "rose"}) for j in (900, 901, 902)]
                  + [("idx", {"id": "train-903", "label": 7})])
    orphans = [(f"ghost-{j}", {"id": f"ghost-{j}", "label": "setosa"}) for j in range(4)]
    # Duplicates (at-least-once delivery): the same labels again; the latest record wins.
    dups = labels[:10]
    # A data record whose label list is one short: skipped as a count mismatch.
    mism_rows = X[:2].tolist()
    mismatch_f = [("mismatch-0", {"id": "mismatch-0", "data": mism_rows})]
    mismatch_l = [("mismatch-0", {"id": "mismatch-0", "labels": ["setosa"]})]
    feats_all = feats + bad_feats + unlabelled + mismatch_f
    labels_all = labels + bad_labels + orphans + dups + mismatch_l
    expected = {
        "feature_records": len(feats_all),
        "feature_records_skipped": {"invalid JSON (JSONDecodeError)": 5, "no id": 4,
                                    "unknown feature name": 3, "wrong feature count": 2},
        "feature_ids": good_feature_records + len(unlabelled) + 1,
        "feature_duplicates_replaced": 0,
        "label_records": len(labels_all),
        "label_records_skipped": {"unknown class name": 3, "class index out of range": 1},
        "label_duplicates_replaced": len(dups),
        "records_without_label": len(unlabelled),
        "labels_without_features": len(orphans),
        "label_count_mismatch": 1,
        "labelled_rows": n_rows,
    }
    return feats_all, labels_all, expected


# --------------------------------------------------------------------------
# the test

def run_retrain(args: list, brokers: str, models: Path, expect_rc: int, label: str) -> str:
    argv = [sys.executable, str(RETRAIN), "--brokers", brokers, "--models-dir", str(models),
            "--timeout-s", "60"] + args
    say(f"retrain ({label}): {' '.join(argv[1:])}")
    t = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=remaining(150), cwd=REPO)
    out = r.stdout + r.stderr
    for line in out.splitlines():
        print(f"    | {line}", flush=True)
    say(f"retrain ({label}) exited {r.returncode} in {time.monotonic() - t:.1f} s")
    check(r.returncode == expect_rc, f"retrain ({label}) exited {r.returncode}, expected {expect_rc}")
    return out


def version_dirs(models: Path) -> list:
    return sorted(p.name for p in (models / "iris").iterdir())


def check_published(models: Path, expected: dict) -> dict:
    import onnxruntime as ort

    v2 = models / "iris" / "2"
    for f in ("model.onnx", "card.json", "fixture.json", "comparison.json"):
        check((v2 / f).is_file(), f"{v2}/{f} missing")
    check(version_dirs(models) == ["1", "2"], f"model dir holds {version_dirs(models)} (no temp dirs may remain)")
    card = json.loads((v2 / "card.json").read_text())
    v1 = json.loads((models / "iris" / "1" / "card.json").read_text())
    cmp = json.loads((v2 / "comparison.json").read_text())
    check(card["name"] == "iris" and card["version"] == "2", f"card name/version {card['name']}/{card['version']}")
    for k in ("task", "inputs", "outputs", "classes"):
        check(card[k] == v1[k], f"card {k} {card[k]} != version 1's {v1[k]}")
    check(set(card["baseline"]["features"]) == set(FEATURES), "baseline features")
    for f, h in card["baseline"]["features"].items():
        check(len(h["edges"]) == len(h["fractions"]) + 1 and abs(sum(h["fractions"]) - 1) < 1e-9,
              f"baseline {f} is not a histogram: {h}")
    check(card["baseline"]["rows"] == cmp["rows"]["train"], "baseline rows != training rows")
    # A shifted baseline: petal_length's median moved by about +1.5.
    check(card["baseline"]["features"]["petal_length"]["edges"][0]
          > v1["baseline"]["features"]["petal_length"]["edges"][0] + 0.8, "baseline does not reflect the new data")
    check(card["training"]["parent_version"] == "1" and card["training"]["estimator"]["estimator"]
          == "LogisticRegression", f"training block {card.get('training')}")

    # The worker's validation: score the samples, labels exact, scores within 1e-5.
    sess = ort.InferenceSession(str(v2 / "model.onnx"), providers=["CPUExecutionProvider"])
    check(len(card["samples"]) == 5, "5 samples")
    X = np.array([s["features"] for s in card["samples"]], dtype=np.float32)
    labels, probs = sess.run(None, {"float_input": X})
    for s, lab, pr in zip(card["samples"], labels, probs):
        check(int(lab) == s["label"], f"sample label {lab} != {s['label']}")
        check(np.allclose(pr, s["scores"], rtol=1e-5, atol=1e-6), f"sample scores {pr} != {s['scores']}")

    check(cmp["decision"] == "publish" and cmp["current_version"] == "1" and cmp["candidate_version"] == "2",
          f"comparison {cmp['decision']} {cmp['current_version']}->{cmp['candidate_version']}")
    acc1 = cmp["current"]["metrics"]["test_accuracy"]
    acc2 = cmp["candidate"]["metrics"]["test_accuracy"]
    check(card["metrics"]["test_accuracy"] == acc2, "card metrics != comparison candidate metrics")
    check(acc2 >= acc1, f"published a worse model: {acc2} < {acc1}")
    check(acc2 >= acc1 + 0.2 and acc2 >= 0.85,
          f"on shifted data version 2 should clearly beat version 1: {acc2} vs {acc1}")
    join = cmp["input"]["join"]
    for k, v in expected.items():
        check(join[k] == v, f"join stat {k}: {join[k]} != expected {v}")
    n = expected["labelled_rows"]
    check(cmp["rows"]["labelled"] == n and cmp["rows"]["train"] + cmp["rows"]["holdout"] == n,
          f"rows {cmp['rows']} vs {n} labelled")
    say(f"version 2 published: holdout accuracy v1 {acc1:.4f} -> v2 {acc2:.4f} on {cmp['rows']['holdout']} rows "
        f"(trained on {cmp['rows']['train']})")
    return cmp


def wait_for_version(brokers: str, worker: Proc, version: str, timeout: float) -> float:
    follower = TopicFollower(brokers, "inference-metrics")
    t = time.monotonic()
    end = t + remaining(timeout)
    seen = None
    try:
        while time.monotonic() < end:
            if worker.p.poll() is not None:
                raise TestFailure(f"worker exited with {worker.p.returncode}; stderr tail:\n{worker.tail()}")
            for rec in follower.poll():
                if rec.get("kind") == "model-event" and rec.get("model") == "iris" and rec.get("version") == version:
                    say(f"model event: {rec.get('event')} iris/{version}: {rec.get('reason')}")
                    if rec.get("event") == "refused":
                        raise TestFailure(f"the worker refused iris/{version}: {rec.get('reason')}")
                if rec.get("kind") == "metrics":
                    seen = (rec.get("models") or {}).get("iris")
                    if seen == version:
                        return time.monotonic() - t
        raise TestFailure(f"the worker did not serve iris/{version} within {timeout:g} s "
                          f"(metrics records say iris/{seen}); worker stderr tail:\n{worker.tail()}")
    finally:
        follower.close()


def collect_predictions(brokers: str, want_ids: set, timeout: float) -> dict:
    follower = TopicFollower(brokers, "predictions")
    got: dict = {}
    end = time.monotonic() + remaining(timeout)
    last = time.monotonic()
    try:
        while time.monotonic() < end and not want_ids <= set(got):
            for rec in follower.poll():
                if rec.get("id") is not None:
                    got[str(rec["id"])] = rec
            if time.monotonic() - last > 5:
                say(f"predictions: {len(want_ids & set(got))}/{len(want_ids)} of the expected ids so far")
                last = time.monotonic()
    finally:
        follower.close()
    missing = want_ids - set(got)
    check(not missing, f"{len(missing)} predictions missing after {timeout:g} s, e.g. {sorted(missing)[:5]}")
    return got


def online_accuracy(preds: dict, truth: dict) -> float:
    hits = [preds[i]["prediction"] == t for i, t in truth.items()]
    return sum(hits) / len(hits)


def main() -> int:
    binary = streamscore_binary()
    help_text = subprocess.run([str(binary), "worker", "--help"], capture_output=True, text=True, timeout=30).stdout
    hot_reload = "--model-poll-ms" in help_text
    tmp = Path(tempfile.mkdtemp(prefix="retrain-loop-"))
    models = tmp / "models"
    shutil.copytree(MODELS / "iris" / "1", models / "iris" / "1")
    say(f"temp dir {tmp}; binary {binary}; worker hot reload option: {'yes' if hot_reload else 'NO'}")
    procs: list = []
    ok = False
    try:
        broker = Proc("broker", [str(binary), "broker", "--port", "0", "--log-level", "warning",
                                 "--topic", "features:3", "--topic", "labels:2", "--topic", "predictions:3",
                                 "--topic", "inference-metrics:1", "--topic", "features.dlq:1",
                                 "--topic", "streamscore.replies:1", "--topic", "streamscore.control:1"], tmp)
        procs.append(broker)
        brokers = broker.wait_line(lambda s: s.strip() != "", 30, "bootstrap address").strip()
        say(f"broker at {brokers}")
        worker_argv = [str(binary), "worker", "--brokers", brokers, "--models", str(models), "--http-port=-1",
                       "--group", f"retrain-loop-{os.getpid()}", "--lanes", "1", "--metrics-interval-ms", "500",
                       "--log-level", "warning"]
        if hot_reload:
            worker_argv += ["--model-poll-ms", "500"]
        worker = Proc("worker", worker_argv, tmp)
        procs.append(worker)
        start_line = worker.wait_line(lambda s: s.startswith("worker "), 60, "start line")
        say(f"worker: {start_line}")
        check("iris:1" in start_line, "the worker serves iris:1 at start")

        rng = np.random.RandomState(7)
        feats, labels, expected = build_training_records(rng)
        t = time.monotonic()
        produce(brokers, "features", feats)
        produce(brokers, "labels", labels)
        say(f"produced {len(feats)} feature records and {len(labels)} label records "
            f"({expected['labelled_rows']} valid labelled rows) in {time.monotonic() - t:.1f} s")

        # Version 1's online accuracy on the shifted data (single-row records only).
        first_label = {}
        for key, rec in labels:
            if isinstance(rec, dict) and "label" in rec and key not in first_label:
                first_label[key] = rec["label"]
        truth1 = {}
        for key, rec in feats:
            if key and key.startswith("train-") and isinstance(rec, dict) and "features" in rec:
                lab = first_label[key]
                truth1[key] = CLASSES.index(lab) if isinstance(lab, str) else lab
        preds1 = collect_predictions(brokers, set(truth1), 60)
        check(all(preds1[i]["model_version"] == "1" for i in truth1), "phase-1 predictions come from version 1")
        acc_online_1 = online_accuracy(preds1, truth1)
        say(f"version 1 online accuracy on {len(truth1)} shifted records: {acc_online_1:.4f}")

        run_retrain(["--model", "no-such-model"], brokers, models, 2, "unknown model")
        run_retrain(["--model", "iris", "--labels-topic", "no-such-topic"], brokers, models, 3, "missing topic")
        run_retrain(["--model", "iris", "--min-improvement", "1.0"], brokers, models, 6, "impossible margin")
        check(version_dirs(models) == ["1"], f"a rejected retrain wrote {version_dirs(models)}")
        t = time.monotonic()
        out = run_retrain(["--model", "iris", "--topic", "features", "--labels-topic", "labels"],
                          brokers, models, 0, "publish")
        retrain_s = time.monotonic() - t
        check("published" in out, "retrain says it published")
        cmp = check_published(models, expected)

        if not hot_reload:
            raise TestFailure("`streamscore worker --help` has no --model-poll-ms: this binary has no model hot "
                              "reload yet, so the worker cannot pick up version 2 (merge main and rebuild)")
        waited = wait_for_version(brokers, worker, "2", 60)
        say(f"the worker serves iris/2, {waited:.1f} s after the retrain finished")

        X, y = iris_rows(np.random.RandomState(99), 150)
        post = [(f"post-{i}", {"id": f"post-{i}", "features": X[i].tolist()}) for i in range(len(y))]
        produce(brokers, "features", post)
        truth2 = {f"post-{i}": int(y[i]) for i in range(len(y))}
        preds2 = collect_predictions(brokers, set(truth2), 60)
        versions = Counter(preds2[i].get("model_version") for i in truth2)
        check(versions == Counter({"2": len(truth2)}), f"post-reload predictions by version: {dict(versions)}")
        acc_online_2 = online_accuracy(preds2, truth2)
        say(f"version 2 online accuracy on {len(truth2)} fresh shifted records: {acc_online_2:.4f} "
            f"(version 1: {acc_online_1:.4f})")
        check(acc_online_2 > acc_online_1 + 0.2, "version 2 must clearly beat version 1 online")
        say(f"PASS in {time.monotonic() - T0:.1f} s (retrain {retrain_s:.1f} s; holdout accuracy "
            f"v1 {cmp['current']['metrics']['test_accuracy']:.4f} -> v2 {cmp['candidate']['metrics']['test_accuracy']:.4f}; "
            f"online v1 {acc_online_1:.4f} -> v2 {acc_online_2:.4f})")
        ok = True
        return 0
    except TestFailure as e:
        say(f"FAIL: {e}")
        return 1
    finally:
        for p in reversed(procs):
            rc = p.stop()
            say(f"stopped {p.name} (exit {rc})")
        if ok and os.environ.get("RETRAIN_TEST_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say(f"kept {tmp} (logs: *.stdout.log, *.stderr.log; models/)")


def _on_sigterm(signum, frame):
    raise SystemExit(143)


if __name__ == "__main__":
    # A SIGTERM (e.g. from `timeout`) unwinds through main's finally, stopping the children.
    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.exit(main())
