#!/usr/bin/env python3
"""Retrain a served model from labelled records on Kafka; publish the next version atomically.

Reads feature records from --topic and ground-truth labels from --labels-topic (both
from the beginning, or only the most recent --max-records of each), joins them by
`id`, retrains the same kind of estimator as the model's latest version, and scores
the current and the new version with onnxruntime on the same held-out rows. If the
new version is at least as good (classifiers: holdout accuracy; regressors: holdout
RMSE), it is written as Models/<model>/<next>/ (model.onnx, card.json, fixture.json,
comparison.json) through a hidden temporary directory and one rename, so a worker
polling the directory sees the whole version or nothing.

Feature records (the worker's shapes; named features go through the card's order):
  {"id": "evt-1", "features": [5.1, 3.5, 1.4, 0.2]}
  {"id": "evt-2", "features": {"sepal_length": 5.1, "sepal_width": 3.5, ...}}
  {"id": "req-3", "data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}
Label records (labels topic):
  {"id": "evt-1", "label": "setosa"}       class name from the card's "classes"
  {"id": "evt-1", "label": 0}               or class index (regressors: the numeric target)
  {"id": "req-3", "labels": ["setosa", 1]}  one label per row of a "data" record, in row order
Records without an id, malformed records and labels that do not fit the model are
skipped and counted; a summary is printed. When an id repeats, the latest record wins.

Exit codes:
  0  published Models/<model>/<next>/
  1  unexpected error (export or verification failed; nothing was published)
  2  bad command line, unknown model, or an unreadable model card
  3  Kafka: brokers unreachable, topic missing, or --timeout-s hit before the end offsets
  4  not enough labelled data (--min-rows, too few held-out rows, a class without rows)
  5  this model cannot be retrained here (task, inputs or estimator kind not supported,
     or hyper-parameters unknown without --default-params)
  6  the new version is worse than the current one (by more than --min-improvement
     allows): nothing written
  7  publishing failed: the target version directory already exists

Usage:
  Models/.venv/bin/python Models/retrain.py --brokers HOST:PORT --model iris
      [--topic features] [--labels-topic labels] [--models-dir Models]
      [--max-records N] [--timeout-s 60] [--holdout 0.2] [--seed 42] [--min-rows 50]
      [--min-improvement 0.0] [--default-params] [--report FILE]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exportlib  # noqa: E402  (sets single-thread env first)
import numpy as np  # noqa: E402
from exportlib import Dataset, ExportError, Spec  # noqa: E402

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_KAFKA = 3
EXIT_DATA = 4
EXIT_UNSUPPORTED = 5
EXIT_NOT_BETTER = 6
EXIT_PUBLISH = 7

PROGRESS_EVERY_S = 2.0


class RetrainError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def log(msg: str) -> None:
    print(f"[retrain] {msg}", flush=True)


# --------------------------------------------------------------------------
# model store (same rules as the Swift ModelStore)

def is_version_name(name: str) -> bool:
    parts = name.split(".")
    return bool(parts) and all(p and p.isascii() and p.isdigit() for p in parts)


def version_key(v: str) -> tuple:
    return tuple(int(p) for p in v.split("."))


def complete_versions(model_dir: Path) -> list:
    """Numeric version directories holding model.onnx and card.json, oldest first."""
    out = []
    for d in model_dir.iterdir():
        if (not d.name.startswith(".") and is_version_name(d.name) and d.is_dir()
                and (d / "model.onnx").is_file() and (d / "card.json").is_file()):
            out.append(d.name)
    return sorted(out, key=version_key)


def next_version(latest: str) -> str:
    return str(int(latest.split(".")[0]) + 1)


# --------------------------------------------------------------------------
# what to retrain: the estimator kind and its hyper-parameters

def _estimator_table() -> dict:
    """Estimators retrain.py can rebuild (the supervised kinds exportlib exports),
    plus the preprocessing steps allowed inside a Pipeline. name -> (class, role)"""
    from lightgbm import LGBMClassifier, LGBMRegressor
    from sklearn.ensemble import (
        ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
        GradientBoostingRegressor, HistGradientBoostingClassifier, HistGradientBoostingRegressor,
        RandomForestClassifier, RandomForestRegressor,
    )
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, SGDClassifier, SGDRegressor
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import Binarizer, MaxAbsScaler, MinMaxScaler, Normalizer, StandardScaler
    from sklearn.svm import SVC, SVR, LinearSVC
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    from xgboost import XGBClassifier, XGBRegressor

    table = {}
    for c in (LogisticRegression, SGDClassifier, LinearSVC, SVC, DecisionTreeClassifier,
              RandomForestClassifier, ExtraTreesClassifier, GradientBoostingClassifier,
              HistGradientBoostingClassifier, KNeighborsClassifier, GaussianNB, MLPClassifier,
              XGBClassifier, LGBMClassifier):
        table[c.__name__] = (c, "classification")
    for c in (LinearRegression, Ridge, SGDRegressor, SVR, DecisionTreeRegressor, RandomForestRegressor,
              ExtraTreesRegressor, GradientBoostingRegressor, HistGradientBoostingRegressor,
              KNeighborsRegressor, MLPRegressor, XGBRegressor, LGBMRegressor):
        table[c.__name__] = (c, "regression")
    for c in (StandardScaler, MinMaxScaler, MaxAbsScaler, Normalizer, Binarizer, SimpleImputer):
        table[c.__name__] = (c, "step")
    return table


def _json_param(name: str, v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            raise ExportError(f"hyper-parameter {name}={v!r} is not finite")
        return float(v)
    if isinstance(v, (list, tuple)):
        return [_json_param(name, x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_param(name, x) for k, x in v.items()}
    raise ExportError(f"hyper-parameter {name}={v!r} ({type(v).__name__}) cannot be recorded as JSON")


def estimator_to_json(est) -> dict:
    """{"estimator": "LogisticRegression", "params": {...}} or
    {"estimator": "Pipeline", "steps": [[name, {...}], ...]} (round-trips through estimator_from_json)."""
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        return {"estimator": "Pipeline", "steps": [[n, estimator_to_json(s)] for n, s in est.steps]}
    name = type(est).__name__
    if name not in _estimator_table():
        raise ExportError(f"{name} is not an estimator retrain.py can rebuild")
    params = est.get_params(deep=False)
    return {"estimator": name, "params": {k: _json_param(k, params[k]) for k in sorted(params)}}


def estimator_from_json(spec: dict, table: Optional[dict] = None):
    from sklearn.pipeline import Pipeline

    table = table or _estimator_table()
    kind = spec.get("estimator")
    if kind == "Pipeline":
        steps = spec.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ExportError("a Pipeline spec needs a non-empty \"steps\" list")
        return Pipeline([(str(n), estimator_from_json(s, table)) for n, s in steps])
    if kind not in table:
        raise ExportError(f"estimator {kind!r} is not one retrain.py can rebuild "
                          f"(supported: {', '.join(sorted(table))}, Pipeline)")
    params = spec.get("params", {})
    if not isinstance(params, dict):
        raise ExportError(f"{kind}: \"params\" must be an object")
    return table[kind][0](**params)


def parse_framework(framework: str) -> Optional[tuple]:
    """'scikit-learn 1.9.1 Pipeline(StandardScaler, LogisticRegression) via skl2onnx 1.20.0'
    -> ('scikit-learn', '1.9.1', ['StandardScaler', 'LogisticRegression'], is_pipeline)"""
    parts = framework.split(" ", 2)
    if len(parts) < 3 or " via " not in parts[2]:
        return None
    lib, ver, rest = parts
    desc = rest.split(" via ", 1)[0].strip()
    if desc.startswith("Pipeline(") and desc.endswith(")"):
        inner = desc[len("Pipeline("):-1]
        if "(" in inner:
            return lib, ver, [inner], True  # nested (ColumnTransformer, ...): not rebuildable
        return lib, ver, [s.strip() for s in inner.split(",")], True
    return lib, ver, [desc], False


@dataclass
class Plan:
    """How to build the new estimator."""
    make: Callable[[], Any]
    description: str  # e.g. "LogisticRegression" or "Pipeline(StandardScaler, LogisticRegression)"
    source: str  # where the hyper-parameters come from
    spec_json: dict
    converter: str
    allows_nan: bool


def _known_specs() -> list:
    """Specs of the models this repository trains (Models/datasets.py); a card
    without a "training" block is matched to one of them by description and kind."""
    import datasets

    return [("datasets.iris_logreg_spec", datasets.iris_logreg_spec)]


def plan_estimator(card: dict, model: str, version: str, default_params: bool) -> Plan:
    from sklearn.utils import get_tags

    table = _estimator_table()
    task = card.get("task")
    where = f"{model}/{version}"

    training = card.get("training")
    est = None
    source = ""
    if isinstance(training, dict) and isinstance(training.get("estimator"), dict):
        try:
            est = estimator_from_json(training["estimator"], table)
        except (ExportError, TypeError, ValueError) as e:
            raise RetrainError(EXIT_UNSUPPORTED, f"{where}: its card's training.estimator cannot be rebuilt: {e}")
        source = f"the \"training\" block of {where}/card.json"
    else:
        parsed = parse_framework(str(card.get("framework", "")))
        if parsed is None:
            raise RetrainError(EXIT_UNSUPPORTED,
                               f"{where}: card \"framework\" {card.get('framework')!r} does not name an estimator "
                               "('<library> <version> <Estimator> via <converter>') and there is no \"training\" block")
        lib, lib_ver, names, is_pipe = parsed
        unknown = [n for n in names if n not in table]
        if unknown:
            raise RetrainError(EXIT_UNSUPPORTED,
                               f"{where} is a {' / '.join(names)} model ({card.get('framework')}); retrain.py cannot "
                               f"rebuild {', '.join(unknown)} (it retrains single-matrix-input classifiers and "
                               f"regressors: {', '.join(sorted(n for n, (_, r) in table.items() if r != 'step'))}, "
                               "optionally in a Pipeline after "
                               f"{', '.join(sorted(n for n, (_, r) in table.items() if r == 'step'))})")
        desc = f"Pipeline({', '.join(names)})" if is_pipe else names[0]
        for spec_name, make_spec in _known_specs():
            known = make_spec(model)
            cand = known.make_estimator()
            if (known.description == card.get("description")
                    and exportlib.describe_estimator(cand) == desc and known.task == task):
                est = cand
                source = f"{spec_name} in Models/datasets.py (the spec that trained {where})"
                break
        if est is None:
            if not default_params:
                raise RetrainError(EXIT_UNSUPPORTED,
                                   f"{where}/card.json names the estimator ({desc}) but not its hyper-parameters "
                                   "(no \"training\" block, and it is not one of the models Models/datasets.py "
                                   "trains); rerun with --default-params to retrain "
                                   f"{desc} with its library defaults")
            from sklearn.pipeline import Pipeline

            if is_pipe:
                est = Pipeline([(f"step{i}", table[n][0]()) for i, n in enumerate(names)])
            else:
                est = table[names[0]][0]()
            source = f"library defaults (--default-params; {where}/card.json records no hyper-parameters)"
        if lib_ver != exportlib.lib_versions().get(lib, lib_ver):
            log(f"note: {where} was trained with {lib} {lib_ver}; this venv has "
                f"{lib} {exportlib.lib_versions()[lib]}")

    final = exportlib.final_estimator(est)
    role = table.get(type(final).__name__, (None, None))[1]
    if role != task:
        raise RetrainError(EXIT_UNSUPPORTED,
                           f"{where}: card task is {task!r} but its estimator {type(final).__name__} is a "
                           f"{role or 'non-supervised'} estimator")
    try:
        spec_json = estimator_to_json(est)
    except ExportError as e:
        raise RetrainError(EXIT_UNSUPPORTED, f"{where}: {e}")
    lib = exportlib.estimator_library(est)
    converter = "onnxmltools" if lib in ("xgboost", "lightgbm") else "skl2onnx"
    try:
        allows_nan = bool(get_tags(est).input_tags.allow_nan)
    except Exception:  # noqa: BLE001 - third-party estimators without tags
        allows_nan = False
    return Plan(make=lambda: estimator_from_json(spec_json, table),
                description=exportlib.describe_estimator(est), source=source, spec_json=spec_json,
                converter=converter, allows_nan=allows_nan)


# --------------------------------------------------------------------------
# the current version

@dataclass
class Current:
    model: str
    version: str
    path: Path
    card: dict
    task: str
    input_name: str
    input_type: str
    features: list
    classes: Optional[list]
    string_labels: bool
    zipmap: Optional[bool]
    graph_name: str


def load_current(models_dir: Path, model: str) -> Current:
    import onnx

    model_dir = models_dir / model
    if not model_dir.is_dir():
        raise RetrainError(EXIT_USAGE, f"no model directory {model_dir}")
    versions = complete_versions(model_dir)
    if not versions:
        raise RetrainError(EXIT_USAGE, f"{model_dir} has no complete version (N/model.onnx + N/card.json)")
    version = versions[-1]
    path = model_dir / version
    try:
        card = json.loads((path / "card.json").read_text())
    except (OSError, ValueError) as e:
        raise RetrainError(EXIT_USAGE, f"cannot read {path / 'card.json'}: {e}")
    where = f"{model}/{version}"
    task = card.get("task")
    if task not in ("classification", "regression"):
        raise RetrainError(EXIT_UNSUPPORTED,
                           f"{where} is a {task!r} model; retrain.py retrains classifiers and regressors "
                           "(it needs ground-truth labels)")
    inputs = card.get("inputs") or []
    if len(inputs) != 1 or inputs[0].get("type") not in ("float32", "float64"):
        raise RetrainError(EXIT_UNSUPPORTED,
                           f"{where} has inputs {[(i.get('name'), i.get('type')) for i in inputs]}; retrain.py "
                           "handles models with one float32/float64 feature matrix input")
    features = list(inputs[0].get("features") or [])
    if not features or len(set(features)) != len(features):
        raise RetrainError(EXIT_USAGE, f"{where}/card.json: input features {features} are empty or repeat")
    classes = card.get("classes")
    if task == "classification" and (not isinstance(classes, list) or len(classes) < 2):
        raise RetrainError(EXIT_USAGE, f"{where}/card.json: a classifier needs \"classes\" (got {classes!r})")

    try:
        onx = onnx.load(str(path / "model.onnx"))
    except Exception as e:  # noqa: BLE001
        raise RetrainError(EXIT_USAGE, f"cannot load {path / 'model.onnx'}: {e}")
    sess = exportlib.make_session(path / "model.onnx")
    in_names = [i.name for i in sess.get_inputs()]
    if in_names != [inputs[0]["name"]]:
        raise RetrainError(EXIT_USAGE, f"{where}: model inputs {in_names} != card input {inputs[0]['name']!r}")
    outs = {o.name: o.type for o in sess.get_outputs()}
    string_labels, zipmap = False, None
    if task == "classification":
        label_out = (card.get("outputs") or {}).get("label")
        score_out = (card.get("outputs") or {}).get("scores")
        if label_out not in outs or score_out not in outs:
            raise RetrainError(EXIT_USAGE, f"{where}: card outputs {card.get('outputs')} are not graph outputs {list(outs)}")
        string_labels = outs[label_out] == "tensor(string)"
        zipmap = outs[score_out].startswith("seq(")
    return Current(model=model, version=version, path=path, card=card, task=task,
                   input_name=inputs[0]["name"], input_type=inputs[0]["type"], features=features,
                   classes=classes if task == "classification" else None, string_labels=string_labels,
                   zipmap=zipmap, graph_name=onx.graph.name or model)


# --------------------------------------------------------------------------
# Kafka

@dataclass
class Msg:
    partition: int
    offset: int
    timestamp: int
    value: Optional[bytes]


@dataclass
class TopicRead:
    topic: str
    messages: list
    partitions: dict  # partition -> [start offset, end offset]
    seconds: float
    dropped_older: int = 0


def read_topic(brokers: str, topic: str, max_records: Optional[int], timeout_s: float,
               kafka_props: dict) -> TopicRead:
    """Read `topic` without joining a group: every partition is assigned from its
    start offset (the low watermark, or high - max_records) up to the end offsets
    observed now. With max_records, only the newest max_records (by timestamp) are kept."""
    from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

    t0 = time.monotonic()
    deadline = t0 + timeout_s
    conf = {
        "bootstrap.servers": brokers,
        # librdkafka's consumer wants a group.id even when it never joins: nothing is
        # subscribed or committed, so this group never exists on the broker.
        "group.id": f"streamscore-retrain-{os.getpid()}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "client.id": "streamscore-retrain",
        "log_level": 3,
    }
    conf.update(kafka_props)
    errors: list = []
    conf["error_cb"] = lambda err: errors.append(str(err))
    consumer = Consumer(conf)
    try:
        try:
            # Metadata of all topics: asking for one topic by name lets some brokers
            # (the embedded mock cluster, Kafka with auto-creation) create it empty.
            md = consumer.list_topics(timeout=max(1.0, min(15.0, deadline - time.monotonic())))
        except KafkaException as e:
            raise RetrainError(EXIT_KAFKA, f"cannot reach Kafka at {brokers}: {e}"
                               + (f" ({errors[-1]})" if errors else ""))
        tmd = md.topics.get(topic)
        if tmd is None or tmd.error is not None or not tmd.partitions:
            why = (tmd.error.str() if tmd is not None and tmd.error is not None
                   else "no partitions" if tmd is not None else "no such topic")
            raise RetrainError(EXIT_KAFKA, f"topic {topic!r} is not readable on {brokers}: {why}")
        ranges: dict = {}
        assign = []
        for p in sorted(tmd.partitions):
            try:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                           timeout=max(1.0, deadline - time.monotonic()))
            except KafkaException as e:
                raise RetrainError(EXIT_KAFKA, f"{topic}[{p}]: cannot read offsets: {e}")
            start = low if max_records is None else max(low, high - max_records)
            ranges[p] = [start, high]
            if high > start:
                assign.append(TopicPartition(topic, p, start))
        total = sum(h - s for s, h in ranges.values())
        log(f"{topic}: {len(ranges)} partitions, reading {total} records up to the end offsets "
            f"{ {p: h for p, (s, h) in ranges.items()} }")
        messages: list = []
        pending = {tp.partition for tp in assign}
        if assign:
            consumer.assign(assign)
        last_progress = time.monotonic()
        while pending:
            now = time.monotonic()
            if now > deadline:
                raise RetrainError(EXIT_KAFKA, f"{topic}: read {len(messages)} of {total} records in {timeout_s:g} s "
                                   f"(--timeout-s); partitions {sorted(pending)} did not reach their end offsets"
                                   + (f"; last client error: {errors[-1]}" if errors else ""))
            if now - last_progress >= PROGRESS_EVERY_S:
                pct = 100.0 * len(messages) / total if total else 100.0
                log(f"{topic}: {len(messages)}/{total} records ({pct:.0f}%), {now - t0:.1f} s")
                last_progress = now
            for m in consumer.consume(num_messages=1000, timeout=0.2):
                err = m.error()
                p = m.partition()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        if p in pending and m.offset() >= ranges[p][1]:
                            pending.discard(p)
                        continue
                    if err.fatal() or err.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART,
                                                     KafkaError._UNKNOWN_PARTITION,
                                                     KafkaError.TOPIC_AUTHORIZATION_FAILED):
                        raise RetrainError(EXIT_KAFKA, f"{topic}[{p}]: {err.str()}")
                    errors.append(err.str())  # transient (e.g. a reconnect): keep going until the deadline
                    continue
                if p not in ranges or m.offset() >= ranges[p][1]:
                    if p in pending:
                        pending.discard(p)
                    continue
                ts_type, ts = m.timestamp()
                messages.append(Msg(partition=p, offset=m.offset(), timestamp=ts if ts_type else 0, value=m.value()))
                if m.offset() >= ranges[p][1] - 1:
                    pending.discard(p)
    finally:
        consumer.close()
    messages.sort(key=lambda m: (m.timestamp, m.partition, m.offset))
    dropped = 0
    if max_records is not None and len(messages) > max_records:
        dropped = len(messages) - max_records
        messages = messages[dropped:]
    secs = time.monotonic() - t0
    log(f"{topic}: read {len(messages) + dropped} records in {secs:.1f} s"
        + (f", kept the newest {len(messages)} (--max-records)" if dropped else ""))
    return TopicRead(topic=topic, messages=messages, partitions=ranges, seconds=secs, dropped_older=dropped)


# --------------------------------------------------------------------------
# records

class Malformed(ValueError):
    pass


def _reject_constant(token):
    raise Malformed(f"non-finite number {token}")


def _load_json(value: Optional[bytes]):
    if value is None:
        raise Malformed("empty value (tombstone)")
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except Malformed:
        raise
    except (ValueError, UnicodeDecodeError) as e:
        raise Malformed(f"invalid JSON ({e.__class__.__name__})")


def _record_id(obj: dict) -> str:
    if "id" not in obj or obj["id"] is None:
        raise Malformed("no id")
    v = obj["id"]
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise Malformed("id is not a string or an integer")
    return str(v)


def _feature_value(v, name: str) -> float:
    if v is None:
        return math.nan  # missing, as the worker reads null
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise Malformed(f"feature {name} is not a number")
    f = float(v)
    if not math.isfinite(f) or abs(f) > 3.4028234663852886e38:
        raise Malformed(f"feature {name} is out of range")
    return f


def _row(row, features: list, index: dict) -> list:
    if isinstance(row, list):
        if len(row) != len(features):
            raise Malformed("wrong feature count")
        return [_feature_value(v, features[i]) for i, v in enumerate(row)]
    if isinstance(row, dict):
        for k in row:
            if k not in index:
                raise Malformed("unknown feature name")
        missing = [f for f in features if f not in row]
        if missing:
            raise Malformed("missing named feature")
        return [_feature_value(row[f], f) for f in features]
    raise Malformed("a row is not an array or an object")


def parse_feature_record(value: Optional[bytes], features: list, index: dict) -> tuple:
    """-> (id, rows [[float]], is_multi_row); raises Malformed."""
    obj = _load_json(value)
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    has_f, has_d = "features" in obj, "data" in obj
    if has_f == has_d:
        raise Malformed("needs exactly one of \"features\" / \"data\"")
    rid = _record_id(obj)
    if has_f:
        return rid, [_row(obj["features"], features, index)], False
    data = obj["data"]
    if not isinstance(data, list) or not data:
        raise Malformed("\"data\" is not a non-empty array of rows")
    return rid, [_row(r, features, index) for r in data], True


def parse_label_record(value: Optional[bytes], cur: Current) -> tuple:
    """-> (id, [target]); raises Malformed."""
    obj = _load_json(value)
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    rid = _record_id(obj)
    if ("label" in obj) == ("labels" in obj):
        raise Malformed("needs exactly one of \"label\" / \"labels\"")
    raw = [obj["label"]] if "label" in obj else obj["labels"]
    if not isinstance(raw, list) or not raw:
        raise Malformed("\"labels\" is not a non-empty array")
    return rid, [_target(v, cur) for v in raw]


def _target(v, cur: Current):
    if cur.task == "regression":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise Malformed("regression label is not a finite number")
        return float(v)
    classes = cur.classes
    if isinstance(v, str):
        if v not in classes:
            raise Malformed("unknown class name")
        i = classes.index(v)
    elif isinstance(v, int) and not isinstance(v, bool):
        if not 0 <= v < len(classes):
            raise Malformed("class index out of range")
        i = v
    else:
        raise Malformed("label is not a class name or index")
    return classes[i] if cur.string_labels else i


@dataclass
class Joined:
    X: np.ndarray
    y: np.ndarray
    stats: dict = field(default_factory=dict)


def latest_by_id(messages, parse) -> tuple:
    """Maps each record id to its last parsed payload; `parse(value)` returns (id, payload) or
    raises Malformed. Returns the map, how many records replaced an earlier one, and the skipped
    records counted by reason."""
    skipped: Counter = Counter()
    by_id: dict = {}
    replaced = 0
    for m in messages:
        try:
            rid, payload = parse(m.value)
        except Malformed as e:
            skipped[str(e)] += 1
            continue
        if rid in by_id:
            replaced += 1
        by_id[rid] = payload
    return by_id, replaced, skipped


def join_records(feats: TopicRead, labels: TopicRead, cur: Current, allows_nan: bool) -> Joined:
    index = {f: i for i, f in enumerate(cur.features)}
    by_id, dup_f, skipped_f = latest_by_id(
        feats.messages, lambda v: parse_feature_record(v, cur.features, index)[:2])
    lab, dup_l, skipped_l = latest_by_id(labels.messages, lambda v: parse_label_record(v, cur))
    X_rows, y_rows = [], []
    unlabelled = mismatch = nan_rows = 0
    # Rows in id order (then row order): the same records give the same split and model,
    # however their timestamps and partitions interleaved.
    for rid, rows in sorted(by_id.items()):
        ys = lab.get(rid)
        if ys is None:
            unlabelled += 1
            continue
        if len(ys) != len(rows):
            mismatch += 1
            continue
        for r, t in zip(rows, ys):
            if not allows_nan and any(math.isnan(v) for v in r):
                nan_rows += 1
                continue
            X_rows.append(r)
            y_rows.append(t)
    orphan_labels = sum(1 for rid in lab if rid not in by_id)
    stats = {
        "feature_records": len(feats.messages),
        "feature_records_skipped": dict(sorted(skipped_f.items())),
        "feature_ids": len(by_id),
        "feature_duplicates_replaced": dup_f,
        "label_records": len(labels.messages),
        "label_records_skipped": dict(sorted(skipped_l.items())),
        "label_duplicates_replaced": dup_l,
        "records_without_label": unlabelled,
        "labels_without_features": orphan_labels,
        "label_count_mismatch": mismatch,
        "rows_with_missing_values_dropped": nan_rows,
        "labelled_rows": len(X_rows),
    }
    y_dtype = object if (cur.task == "classification" and cur.string_labels) else (
        np.int64 if cur.task == "classification" else np.float64)
    X = np.array(X_rows, dtype=np.float64).reshape(-1, len(cur.features))
    return Joined(X=X, y=np.array(y_rows, dtype=y_dtype), stats=stats)


def print_join_summary(s: dict) -> None:
    def fmt(c: dict) -> str:
        return ", ".join(f"{v} {k}" for k, v in c.items()) if c else "none"
    log(f"features: {s['feature_records']} records, {s['feature_ids']} distinct ids, "
        f"{s['feature_duplicates_replaced']} duplicates replaced by a later record; skipped: "
        f"{fmt(s['feature_records_skipped'])}")
    log(f"labels: {s['label_records']} records, {s['label_duplicates_replaced']} duplicates replaced; skipped: "
        f"{fmt(s['label_records_skipped'])}")
    log(f"join: {s['labelled_rows']} labelled rows; {s['records_without_label']} feature records without a label, "
        f"{s['labels_without_features']} labels without a feature record, {s['label_count_mismatch']} record(s) whose "
        f"label count != row count, {s['rows_with_missing_values_dropped']} rows with missing values dropped")


# --------------------------------------------------------------------------
# evaluation

def score(sess, spec: Spec, ds: Dataset, X) -> tuple:
    outs = sess.run(None, exportlib.to_feed(spec, ds, X))
    return exportlib.split_outputs(spec.task, outs)


def decide(task: str, cur_m: dict, new_m: dict, min_improvement: float) -> tuple:
    """-> (publish?, metric, rule)"""
    if task == "classification":
        metric = "test_accuracy"
        ok = new_m[metric] >= cur_m[metric] + min_improvement
        rule = f"candidate {metric} >= current {metric} + {min_improvement:g} on the same held-out rows"
    else:
        metric = "test_rmse"
        ok = new_m[metric] <= cur_m[metric] - min_improvement
        rule = f"candidate {metric} <= current {metric} - {min_improvement:g} on the same held-out rows"
    return bool(ok), metric, rule


def fsync_tree(d: Path) -> None:
    for p in sorted(d.iterdir()):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(d)


def fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------
# main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brokers", required=True, help="Kafka bootstrap servers")
    ap.add_argument("--topic", default="features", help="feature records topic (default: features)")
    ap.add_argument("--labels-topic", default="labels", help="label records topic (default: labels)")
    ap.add_argument("--model", required=True, help="model name: Models/<model>/<version>/")
    ap.add_argument("--models-dir", default=str(Path(__file__).resolve().parent),
                    help="model store directory (default: this Models/ directory)")
    ap.add_argument("--max-records", type=int, default=None,
                    help="read only the newest N records of each topic (default: everything)")
    ap.add_argument("--timeout-s", type=float, default=60.0,
                    help="give up (exit 3) if a topic's end offsets are not reached in this time (default 60)")
    ap.add_argument("--holdout", type=float, default=0.2, help="held-out fraction for the comparison (default 0.2)")
    ap.add_argument("--seed", type=int, default=42, help="random_state of the train/holdout split (default 42)")
    ap.add_argument("--min-rows", type=int, default=50, help="labelled rows needed to retrain (default 50)")
    ap.add_argument("--min-improvement", type=float, default=0.0,
                    help="margin the candidate must win by: accuracy points for classifiers, RMSE for "
                         "regressors (default 0: at least as good)")
    ap.add_argument("--default-params", action="store_true",
                    help="if the card records no hyper-parameters, retrain with the estimator's defaults")
    ap.add_argument("--report", default=None, help="also write the comparison JSON here, whatever the decision")
    ap.add_argument("--kafka", action="append", default=[], metavar="NAME=VALUE",
                    help="extra librdkafka consumer property (repeatable)")
    args = ap.parse_args(argv)
    if not 0.0 < args.holdout < 1.0:
        ap.error("--holdout must be between 0 and 1")
    if args.max_records is not None and args.max_records < 1:
        ap.error("--max-records must be at least 1")
    if args.timeout_s <= 0:
        ap.error("--timeout-s must be positive")
    if args.min_rows < 2:
        ap.error("--min-rows must be at least 2")
    props = {}
    for kv in args.kafka:
        if "=" not in kv:
            ap.error(f"--kafka {kv!r} is not NAME=VALUE")
        k, v = kv.split("=", 1)
        props[k] = v
    args.kafka_props = props
    return args


def run(args) -> int:
    t_start = time.monotonic()
    models_dir = Path(args.models_dir).resolve()
    cur = load_current(models_dir, args.model)
    where = f"{cur.model}/{cur.version}"
    plan = plan_estimator(cur.card, cur.model, cur.version, args.default_params)
    nxt = next_version(cur.version)
    final_dir = models_dir / cur.model / nxt
    if final_dir.exists():
        raise RetrainError(EXIT_PUBLISH, f"{final_dir} already exists (an incomplete or concurrent version?); "
                           "remove it or let the other run finish")
    log(f"current version {where} ({cur.task}, {plan.description}); candidate version {nxt}; "
        f"hyper-parameters from {plan.source}")

    feats = read_topic(args.brokers, args.topic, args.max_records, args.timeout_s, args.kafka_props)
    labels = read_topic(args.brokers, args.labels_topic, args.max_records, args.timeout_s, args.kafka_props)
    joined = join_records(feats, labels, cur, plan.allows_nan)
    print_join_summary(joined.stats)

    n = len(joined.y)
    if n < args.min_rows:
        raise RetrainError(EXIT_DATA, f"{n} labelled rows, --min-rows is {args.min_rows}: not retraining")
    from sklearn.model_selection import train_test_split

    stratify = None
    n_hold = math.ceil(n * args.holdout)
    if cur.task == "classification":
        counts = Counter(joined.y.tolist())
        missing = [c for c in (cur.classes if cur.string_labels else range(len(cur.classes))) if counts[c] == 0]
        if missing:
            names = [c if isinstance(c, str) else cur.classes[c] for c in missing]
            raise RetrainError(EXIT_DATA, f"no labelled rows of class {', '.join(map(str, names))}; the new model "
                               f"would not know every class of {where}")
        if min(counts.values()) >= 2 and n_hold >= len(counts) and n - n_hold >= len(counts):
            stratify = joined.y
    if n_hold < 5 or n - n_hold < 2:
        raise RetrainError(EXIT_DATA, f"{n} rows with --holdout {args.holdout:g} leave {n - n_hold} training and "
                           f"{n_hold} held-out rows (need >= 2 and >= 5)")
    X_tr, X_ho, y_tr, y_ho = train_test_split(joined.X, joined.y, test_size=args.holdout,
                                              random_state=args.seed, stratify=stratify)
    if cur.task == "classification":
        tr_counts = Counter(y_tr.tolist())
        absent = [c for c in Counter(joined.y.tolist()) if tr_counts[c] == 0]
        if absent:
            raise RetrainError(EXIT_DATA, f"the training split has no rows of {absent}; add labelled data")

    ds = Dataset(name=cur.model, X_train=X_tr, X_test=X_ho, y_train=y_tr, y_test=y_ho,
                 feature_names=list(cur.features),
                 class_names=None if cur.string_labels else (list(cur.classes) if cur.classes else None),
                 description=f"{n} labelled rows from Kafka topics {args.topic} + {args.labels_topic}")
    description = (f"{plan.description} retrained by Models/retrain.py from {where} on {len(y_tr)} labelled rows "
                   f"read from Kafka topics '{args.topic}' and '{args.labels_topic}' (held-out {len(y_ho)} rows: "
                   f"holdout {args.holdout:g}, seed {args.seed}); hyper-parameters from {plan.source}.")
    spec = Spec(name=cur.model, description=description, task=cur.task, data=lambda: ds,
                make_estimator=plan.make, zipmap=cur.zipmap if cur.task == "classification" else None,
                input_dtype=cur.input_type, converter=plan.converter, graph_name=cur.graph_name,
                input_name=cur.input_name)

    # The current version, scored by onnxruntime from its model.onnx.
    cur_sess = exportlib.make_session(cur.path / "model.onnx")
    cur_labels, cur_scores = score(cur_sess, spec, ds, X_ho)
    cur_metrics = exportlib.metrics_for(spec, ds, None, cur_labels, cur_scores)

    # The candidate, trained on the training split, scored from its exported ONNX.
    log(f"training {plan.description} on {len(y_tr)} rows ({len(y_ho)} held out"
        f"{', stratified' if stratify is not None else ''})")
    t_fit = time.monotonic()
    est = plan.make()
    try:
        onx, warn_summary = exportlib.fit_and_convert(spec, est, ds)
    except ExportError:
        raise
    except Exception as e:  # noqa: BLE001 - sklearn / converter failures
        raise RetrainError(EXIT_ERROR, f"training or ONNX conversion of {plan.description} failed: "
                           f"{type(e).__name__}: {e}")
    if cur.task == "classification":
        got = [str(c) for c in exportlib.final_estimator(est).classes_]
        want = [str(c) for c in (cur.classes if cur.string_labels else range(len(cur.classes)))]
        if got != want:
            raise RetrainError(EXIT_DATA, f"the new model's classes {got} differ from {where}'s {want}")
    blob = onx.SerializeToString()
    new_sess = exportlib.make_session(blob)
    new_labels, new_scores = score(new_sess, spec, ds, X_ho)
    new_metrics = exportlib.metrics_for(spec, ds, est, new_labels, new_scores)
    log(f"trained and exported in {time.monotonic() - t_fit:.1f} s"
        + (f" (warnings: {dict(warn_summary)})" if warn_summary else ""))

    if cur.task == "classification" and new_scores.shape[1] >= 2:
        # The card's samples are the first clean held-out rows, and a worker checks their
        # labels exactly: keep rows whose two best scores are within 1e-3 (where another
        # runtime's rounding could pick the other class) out of the first places.
        top2 = np.sort(new_scores, axis=1)[:, -2:]
        order = np.argsort(np.abs(top2[:, 1] - top2[:, 0]) < 1e-3, kind="stable")
        ds.X_test, ds.y_test = ds.X_test[order], ds.y_test[order]

    publish, metric, rule = decide(cur.task, cur_metrics, new_metrics, args.min_improvement)
    comparison = {
        "model": cur.model,
        "current_version": cur.version,
        "candidate_version": nxt,
        "decision": "publish" if publish else "reject",
        "metric": metric,
        "rule": rule,
        "min_improvement": args.min_improvement,
        "current": {"version": cur.version, "metrics": cur_metrics,
                    "card_metrics": cur.card.get("metrics"), "framework": cur.card.get("framework")},
        "candidate": {"version": nxt, "metrics": new_metrics, "estimator": plan.spec_json,
                      "hyper_parameters_source": plan.source, "fit_warnings": dict(warn_summary)},
        "rows": {"labelled": n, "train": int(len(y_tr)), "holdout": int(len(y_ho))},
        "split": {"holdout": args.holdout, "seed": args.seed, "stratified": stratify is not None,
                  "method": "sklearn.model_selection.train_test_split over the joined rows ordered by id, then row"},
        "input": {
            "features_topic": args.topic, "labels_topic": args.labels_topic,
            "features_offsets": {str(p): r for p, r in feats.partitions.items()},
            "labels_offsets": {str(p): r for p, r in labels.partitions.items()},
            "max_records": args.max_records,
            "join": joined.stats,
        },
        "created_at": utc_now(),
    }
    log(f"holdout {metric}: current {where} {cur_metrics[metric]:.6g}, candidate {cur.model}/{nxt} "
        f"{new_metrics[metric]:.6g} ({len(y_ho)} rows)")
    if args.report:
        Path(args.report).write_text(exportlib.pretty(comparison) + "\n")
    if not publish:
        raise RetrainError(EXIT_NOT_BETTER, f"not publishing: {rule} does not hold "
                           f"({new_metrics[metric]:.6g} vs {cur_metrics[metric]:.6g}); nothing written")

    # Publish: everything goes into a hidden directory next to the versions (the
    # worker ignores non-numeric names), is fsynced, then renamed in one step.
    model_dir = models_dir / cur.model
    tmp = model_dir / f".tmp-{nxt}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        training = {
            "estimator": plan.spec_json,
            "hyper_parameters_source": plan.source,
            "parent_version": cur.version,
            "train_rows": int(len(y_tr)),
            "holdout_rows": int(len(y_ho)),
            "holdout": args.holdout,
            "seed": args.seed,
            "features_topic": args.topic,
            "labels_topic": args.labels_topic,
            "tool": "Models/retrain.py",
            "created_at": comparison["created_at"],
        }
        written = exportlib.write_model_dir(spec, ds, est, onx, tmp, cur.model, nxt, exportlib.lib_versions(),
                                            card_extra={"training": training})
        if written["blob"] != blob:
            raise RetrainError(EXIT_ERROR, "the written model.onnx differs from the evaluated one")
        if written["card"]["metrics"] != new_metrics:
            raise RetrainError(EXIT_ERROR, f"card metrics {written['card']['metrics']} != evaluated {new_metrics}")
        (tmp / "comparison.json").write_text(exportlib.pretty(comparison) + "\n")
        fsync_tree(tmp)
        if final_dir.exists():
            raise RetrainError(EXIT_PUBLISH, f"{final_dir} appeared while retraining; not overwriting it")
        os.rename(tmp, final_dir)
        fsync_dir(model_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"published {final_dir} ({metric} {new_metrics[metric]:.6g} vs {cur_metrics[metric]:.6g}) "
        f"in {time.monotonic() - t_start:.1f} s")
    return EXIT_OK


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except RetrainError as e:
        print(f"[retrain] error: {e}", file=sys.stderr, flush=True)
        return e.code
    except ExportError as e:
        print(f"[retrain] error: {e}", file=sys.stderr, flush=True)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
