"""Shared helpers for StreamScore's offline Python tooling.

Python is used ONLY to train/export ONNX models and to produce reference
outputs (fixtures) for the Swift service; the service never runs Python.

This module knows how to
  * train an estimator described by a `Spec` on a `Dataset`,
  * convert it to ONNX (skl2onnx; XGBoost/LightGBM through onnxmltools
    converters registered into skl2onnx),
  * run onnxruntime (CPUExecutionProvider, 1 thread) on it and write
    `fixture.json`, `card.json` and `model.onnx` into a directory,
  * re-load a directory and check the committed fixture still matches.

Every script that imports it gets single-threaded BLAS/OpenMP (the machine is
small and shared) and deterministic seeds come from the specs themselves.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Optional  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

MODELS_DIR = Path(__file__).resolve().parent
# onnxruntime logs a line for every rejected run (we probe NaN rows on
# purpose); the exception still carries the message.
ort.set_default_logger_severity(4)

# Default ONNX domain capped at opset 15, ai.onnx.ml capped at 3; skl2onnx and
# onnxmltools record the lowest versions that the emitted nodes need.
TARGET_OPSET = {"": 15, "ai.onnx.ml": 3}
N_BINS = 10
N_CARD_SAMPLES = 5
FIXTURE_MAX_BYTES = 1_000_000
TASKS = ("classification", "regression", "clustering", "anomaly", "transform")


class ExportError(RuntimeError):
    """Raised for anything that must stop the build."""


# --------------------------------------------------------------------------
# versions

def lib_versions() -> dict:
    import lightgbm
    import onnxmltools
    import skl2onnx
    import sklearn
    import xgboost

    return {
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "onnxmltools": onnxmltools.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "xgboost": xgboost.__version__,
        "lightgbm": lightgbm.__version__,
    }


# --------------------------------------------------------------------------
# JSON encoding of values / tensors (fixture format)

_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def enc_float(x) -> Any:
    """Python float (full precision) or "NaN" / "Infinity" / "-Infinity"."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def dec_float(v) -> float:
    if isinstance(v, str):
        if v not in _NONFINITE:
            raise ExportError(f"bad encoded float {v!r}")
        return _NONFINITE[v]
    return float(v)


def short_float32(x) -> Any:
    """Shortest decimal that round-trips the float32 value (for readable cards)."""
    x = np.float32(x)
    if not np.isfinite(x):
        return enc_float(x)
    return float(str(x))


def dtype_name(dtype: np.dtype) -> str:
    dtype = np.dtype(dtype)
    if dtype.kind in "OUS":
        return "string"
    names = {
        np.dtype(np.float32): "float32",
        np.dtype(np.float64): "float64",
        np.dtype(np.int64): "int64",
        np.dtype(np.int32): "int32",
        np.dtype(np.bool_): "bool",
    }
    if dtype not in names:
        raise ExportError(f"unsupported dtype {dtype}")
    return names[dtype]


_NP_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "bool": np.bool_,
    "string": object,
}


def encode_tensor(arr) -> dict:
    arr = np.asarray(arr)
    t = dtype_name(arr.dtype)
    flat = arr.ravel().tolist()  # float32 -> exact Python float
    if t in ("float32", "float64"):
        data = [enc_float(v) for v in flat]
    elif t in ("int64", "int32"):
        data = [int(v) for v in flat]
    elif t == "bool":
        data = [bool(v) for v in flat]
    else:
        data = [str(v) for v in flat]
    return {"type": t, "shape": [int(s) for s in arr.shape], "data": data}


def decode_tensor(obj: dict) -> np.ndarray:
    t = obj["type"]
    if t not in _NP_DTYPES:
        raise ExportError(f"unknown tensor type {t!r}")
    if t in ("float32", "float64"):
        vals = [dec_float(v) for v in obj["data"]]
    else:
        vals = obj["data"]
    arr = np.array(vals, dtype=_NP_DTYPES[t])
    return arr.reshape(obj["shape"])


_SEQMAP_RE = re.compile(r"seq\(map\((int64|string),tensor\(float\)\)\)")


def encode_output(value, ort_type: str) -> dict:
    if isinstance(value, list):
        m = _SEQMAP_RE.fullmatch(ort_type)
        if not m:
            raise ExportError(f"unsupported sequence output type {ort_type}")
        data = [{str(k): enc_float(v) for k, v in d.items()} for d in value]
        return {"type": f"seq_map_{m.group(1)}_float", "data": data}
    return encode_tensor(value)


def dumps(obj, indent=None) -> str:
    # allow_nan=False: a bare NaN anywhere is a bug -> fail loudly.
    return json.dumps(obj, allow_nan=False, indent=indent)


def pretty(obj, level: int = 0) -> str:
    """Indented JSON, but lists of scalars stay on one line (readable cards)."""
    pad, pad1 = "  " * level, "  " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad1}{json.dumps(str(k))}: {pretty(v, level + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        items = [pad1 + pretty(v, level + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


# --------------------------------------------------------------------------
# onnxruntime / onnx helpers

def make_session(model, threads: int = 1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = threads
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 4  # rejected runs raise anyway; keep stderr clean
    src = str(model) if isinstance(model, Path) else model
    return ort.InferenceSession(src, sess_options=so, providers=["CPUExecutionProvider"])


def _collect_ops(graph, acc: set):
    for node in graph.node:
        acc.add(f"{node.domain or 'ai.onnx'}:{node.op_type}")
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                _collect_ops(a.g, acc)
            elif a.type == onnx.AttributeProto.GRAPHS:
                for g in a.graphs:
                    _collect_ops(g, acc)


def model_ops(model: onnx.ModelProto) -> list:
    acc: set = set()
    _collect_ops(model.graph, acc)
    return sorted(acc)


def model_opsets(model: onnx.ModelProto) -> dict:
    return {(o.domain or "ai.onnx"): int(o.version) for o in model.opset_import}


def normalize_opsets(model: onnx.ModelProto) -> None:
    """skl2onnx 1.20 can emit the default domain twice in opset_import; keep
    one entry per domain (max version), default domain first."""
    best: dict = {}
    for o in model.opset_import:
        d = "" if o.domain in ("", "ai.onnx") else o.domain
        best[d] = max(best.get(d, 0), int(o.version))
    del model.opset_import[:]
    for d in sorted(best, key=lambda k: (k != "", k)):
        e = model.opset_import.add()
        e.domain = d
        e.version = best[d]


def io_signature(model: onnx.ModelProto) -> tuple:
    def elem(vi):
        t = vi.type
        if t.HasField("tensor_type"):
            dims = [d.dim_param or (d.dim_value if d.HasField("dim_value") else None)
                    for d in t.tensor_type.shape.dim]
            dims = [None if (isinstance(x, str) or x is None) else int(x) for x in dims]
            return {"name": vi.name,
                    "type": onnx.helper.tensor_dtype_to_np_dtype(t.tensor_type.elem_type).name
                    if t.tensor_type.elem_type != onnx.TensorProto.STRING else "string",
                    "shape": dims}
        return {"name": vi.name, "type": "sequence" if t.HasField("sequence_type") else "other"}

    return [elem(i) for i in model.graph.input], [elem(o) for o in model.graph.output]


# --------------------------------------------------------------------------
# datasets / specs

@dataclass
class Dataset:
    name: str
    X_train: Any  # np.ndarray (float64) or pandas.DataFrame
    X_test: Any
    y_train: Any = None
    y_test: Any = None
    feature_names: list = field(default_factory=list)
    class_names: Optional[list] = None  # readable name for int label i
    # DataFrame datasets: [(column, "float32"|"int64"|"string")] -> one ONNX input per column
    columns: Optional[list] = None
    # rows appended to the fixture after the test rows: [(tag, X_rows)]
    extra_rows: list = field(default_factory=list)
    # matrix datasets get automatic NaN rows unless False
    auto_nan_rows: bool = True
    description: str = ""

    @property
    def is_frame(self) -> bool:
        return self.columns is not None


@dataclass
class Spec:
    name: str
    description: str
    task: str
    data: Callable[[], Dataset]
    make_estimator: Callable[[], Any]
    zipmap: Optional[bool] = None  # classifiers only; None = converter default
    input_dtype: str = "float32"  # matrix inputs: float32 | float64
    converter: str = "skl2onnx"  # skl2onnx | onnxmltools
    max_fixture_rows: Optional[int] = None
    graph_name: Optional[str] = None
    input_name: Optional[str] = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ExportError(f"{self.name}: bad task {self.task}")


def final_estimator(est):
    from sklearn.pipeline import Pipeline

    while isinstance(est, Pipeline):
        est = est.steps[-1][1]
    return est


def describe_estimator(est) -> str:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        return "Pipeline(" + ", ".join(describe_estimator(s) for _, s in est.steps) + ")"
    if isinstance(est, ColumnTransformer):
        parts = [f"{n}={describe_estimator(t)}" for n, t, _ in est.transformers]
        return "ColumnTransformer(" + ", ".join(parts) + ")"
    return type(est).__name__


def estimator_library(est) -> str:
    mod = type(final_estimator(est)).__module__.split(".")[0]
    return {"sklearn": "scikit-learn"}.get(mod, mod)


# --------------------------------------------------------------------------
# conversion

_BOOSTERS_REGISTERED = False


def register_booster_converters():
    """Register onnxmltools' XGBoost / LightGBM converters into skl2onnx so
    they go through convert_sklearn (same input naming, zipmap option)."""
    global _BOOSTERS_REGISTERED
    if _BOOSTERS_REGISTERED:
        return
    from lightgbm import LGBMClassifier, LGBMRegressor
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from xgboost import XGBClassifier, XGBRegressor

    clf_opts = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    update_registered_converter(XGBClassifier, "XGBoostXGBClassifier",
                                calculate_linear_classifier_output_shapes, convert_xgboost,
                                options=clf_opts)
    update_registered_converter(XGBRegressor, "XGBoostXGBRegressor",
                                calculate_linear_regressor_output_shapes, convert_xgboost)
    update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                calculate_linear_classifier_output_shapes, convert_lightgbm,
                                options=clf_opts)
    update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor",
                                calculate_linear_regressor_output_shapes, convert_lightgbm)
    _BOOSTERS_REGISTERED = True


def _initial_types(spec: Spec, ds: Dataset) -> list:
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    if ds.is_frame:
        kinds = {"float32": FloatTensorType, "int64": Int64TensorType, "string": StringTensorType}
        return [(c, kinds[k]([None, 1])) for c, k in ds.columns]
    n_features = np.asarray(ds.X_train).shape[1]
    if spec.input_dtype == "float32":
        return [(spec.input_name or "float_input", FloatTensorType([None, n_features]))]
    if spec.input_dtype == "float64":
        return [(spec.input_name or "double_input", DoubleTensorType([None, n_features]))]
    raise ExportError(f"{spec.name}: bad input_dtype {spec.input_dtype}")


def convert(spec: Spec, est, ds: Dataset) -> onnx.ModelProto:
    from skl2onnx import convert_sklearn

    if spec.converter == "onnxmltools":
        register_booster_converters()
    options = None
    if spec.zipmap is not None:
        options = {id(final_estimator(est)): {"zipmap": spec.zipmap}}
    onx = convert_sklearn(
        est,
        name=spec.graph_name or type(final_estimator(est)).__name__,
        initial_types=_initial_types(spec, ds),
        options=options,
        target_opset=TARGET_OPSET,
    )
    normalize_opsets(onx)
    onnx.checker.check_model(onx)
    return onx


# --------------------------------------------------------------------------
# feeds

def to_feed(spec: Spec, ds: Dataset, X) -> dict:
    if ds.is_frame:
        feed = {}
        for col, kind in ds.columns:
            v = X[col].to_numpy()
            if kind == "string":
                v = v.astype(str).astype(object)
            else:
                v = v.astype(_NP_DTYPES[kind])
            feed[col] = v.reshape(-1, 1)
        return feed
    name = _initial_types(spec, ds)[0][0]
    return {name: np.asarray(X, dtype=_NP_DTYPES[spec.input_dtype])}


def native_view(spec: Spec, ds: Dataset, X):
    """Rows as the native estimator was trained on them (float64 / DataFrame).
    The ONNX model gets the float32-rounded values; comparing against the
    native model on the original values is the meaningful check (a value
    equal to a float64 split threshold can land on the other side once both
    are rounded to float32, in either direction)."""
    if ds.is_frame:
        return X
    return np.asarray(X, dtype=np.float64)


def n_rows(X) -> int:
    return int(X.shape[0])


def take_rows(X, idx):
    if hasattr(X, "iloc"):
        return X.iloc[idx].reset_index(drop=True)
    return np.asarray(X)[idx]


def concat_rows(parts):
    parts = [p for p in parts if n_rows(p) > 0]
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=0)


def auto_nan_rows(X_test) -> np.ndarray:
    X = np.asarray(X_test, dtype=np.float64)
    f = X.shape[1]
    rows = X[:4].copy()
    rows[0, 0] = np.nan
    rows[1, f // 2] = np.nan
    rows[2, f - 1] = np.nan
    rows[3, :] = np.nan
    return rows


def row_has_missing(X) -> np.ndarray:
    if hasattr(X, "iloc"):
        return X.isna().any(axis=1).to_numpy()
    return np.isnan(np.asarray(X, dtype=np.float64)).any(axis=1)


# --------------------------------------------------------------------------
# outputs -> labels / score matrix

def split_outputs(task: str, outs: list, class_order=None):
    """-> (labels or None, scores float64 [N, K])"""
    if task in ("classification", "clustering", "anomaly"):
        labels, scores = np.asarray(outs[0]), outs[1]
    else:
        labels, scores = None, outs[0]
    if isinstance(scores, list):  # ZipMap: sequence of maps
        keys = list(scores[0].keys()) if scores else []
        if class_order is not None and [str(k) for k in keys] != [str(c) for c in class_order]:
            raise ExportError(f"ZipMap key order {keys} != classes {list(class_order)}")
        scores = np.array([[d[k] for k in keys] for d in scores], dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores.reshape(-1, 1)
    if labels is not None:
        labels = labels.ravel()
    return labels, scores


# --------------------------------------------------------------------------
# baseline / card pieces

def numeric_baseline(values) -> dict:
    v = np.asarray(values, dtype=np.float64).ravel()
    miss = np.isnan(v)
    vals = v[~miss]
    out = {"edges": [], "fractions": [], "missing_fraction": float(miss.mean()) if len(v) else 0.0}
    if len(vals) == 0:
        return out
    # Quantile edges rounded to 12 significant digits (hides interpolation
    # noise such as 4.890000000000001); min and max stay exact.
    q = np.quantile(vals, np.linspace(0.0, 1.0, N_BINS + 1))
    q = np.array([float(f"{e:.12g}") for e in q])
    q[0], q[-1] = vals.min(), vals.max()
    edges = np.unique(q)
    if len(edges) == 1:
        edges = np.array([edges[0], edges[0]])
    nb = len(edges) - 1
    idx = np.clip(np.searchsorted(edges, vals, side="right") - 1, 0, nb - 1)
    counts = np.bincount(idx, minlength=nb)
    out["edges"] = [float(e) for e in edges]
    out["fractions"] = [float(c) / len(vals) for c in counts]
    return out


def categorical_baseline(values) -> dict:
    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    n = len(values)
    counts = Counter(str(v) for v in vals)
    return {
        "categories": {k: counts[k] / max(len(vals), 1) for k in sorted(counts)},
        "missing_fraction": (n - len(vals)) / n if n else 0.0,
    }


def label_name(label, class_names) -> str:
    if isinstance(label, (str, bytes)):
        return str(label)
    if class_names is not None and 0 <= int(label) < len(class_names):
        return class_names[int(label)]
    return str(int(label))


def distribution(names) -> dict:
    c = Counter(names)
    n = sum(c.values())
    return {k: c[k] / n for k in c}


def json_label(x):
    if x is None:
        return None
    if isinstance(x, (str, np.str_)):
        return str(x)
    return int(x)


# --------------------------------------------------------------------------
# export

def fixture_row_cap(spec: Spec, ds: Dataset) -> int:
    if spec.max_fixture_rows:
        return spec.max_fixture_rows
    f = len(ds.columns) if ds.is_frame else np.asarray(ds.X_train).shape[1]
    return int(min(200, max(40, 6000 // f)))


def _run_ok(sess, feed) -> Optional[str]:
    try:
        sess.run(None, feed)
        return None
    except Exception as e:  # onnxruntime raises its own Fail/InvalidArgument types
        return f"{type(e).__name__}: {e}"


def build_fixture(spec: Spec, ds: Dataset, sess) -> tuple:
    """Fixture rows = first test rows (capped) + extra rows (e.g. NaN rows).
    An extra row that onnxruntime refuses (e.g. Binarizer on NaN) is moved to
    `error_cases` instead of the batch."""
    extra = list(ds.extra_rows)
    if not ds.is_frame and ds.auto_nan_rows:
        extra.append(("nan", auto_nan_rows(ds.X_test)))
    kept_extra, error_cases = [], []
    for tag, x in extra:
        keep = []
        for i in range(n_rows(x)):
            row = take_rows(x, [i])
            feed = to_feed(spec, ds, row)
            err = _run_ok(sess, feed)
            if err is None:
                keep.append(i)
            else:
                error_cases.append({
                    "source": tag,
                    "error": err.splitlines()[0][:300],
                    "inputs": {k: encode_tensor(v) for k, v in feed.items()},
                })
        if keep:
            kept_extra.append((tag, take_rows(x, keep)))
    n_extra = sum(n_rows(x) for _, x in kept_extra)
    cap = fixture_row_cap(spec, ds)
    n_test = min(n_rows(ds.X_test), cap - n_extra)
    if n_test < 5:
        raise ExportError(f"{spec.name}: fixture cap {cap} leaves {n_test} test rows")
    parts = [("test", take_rows(ds.X_test, np.arange(n_test)))] + kept_extra
    groups, start = [], 0
    for tag, x in parts:
        groups.append({"source": tag, "start": start, "end": start + n_rows(x)})
        start += n_rows(x)
    X_fix = concat_rows([x for _, x in parts])
    feed = to_feed(spec, ds, X_fix)
    outs = sess.run(None, feed)
    out_meta = sess.get_outputs()
    fixture = {
        "model": "model.onnx",
        "output_order": [o.name for o in out_meta],
        "row_sources": groups,
        "inputs": {k: encode_tensor(v) for k, v in feed.items()},
        "outputs": {o.name: encode_output(v, o.type) for o, v in zip(out_meta, outs)},
    }
    if error_cases:
        fixture["error_cases"] = error_cases
    return fixture, X_fix, n_test


def compare_native(spec: Spec, ds: Dataset, est, sess, X_rows) -> dict:
    """Native estimator vs onnxruntime on the same (float32-rounded) rows."""
    feed = to_feed(spec, ds, X_rows)
    labels, scores = split_outputs(spec.task, sess.run(None, feed), _class_order(est, spec))
    Xn = native_view(spec, ds, X_rows)
    res: dict = {"rows": n_rows(X_rows)}
    if labels is not None and spec.task != "transform":
        pred = np.asarray(est.predict(Xn)).ravel()
        res["label_agreement"] = float(np.mean(pred.astype(str) == labels.astype(str)))
    ref = None
    if spec.task == "classification":
        if hasattr(est, "predict_proba") and _has_proba(est):
            ref = est.predict_proba(Xn)
        elif hasattr(est, "decision_function"):
            ref = np.asarray(est.decision_function(Xn), dtype=np.float64)
            if ref.ndim == 1:
                ref = np.stack([-ref, ref], axis=1) if scores.shape[1] == 2 else ref.reshape(-1, 1)
    elif spec.task == "regression":
        ref = np.asarray(est.predict(Xn), dtype=np.float64).reshape(-1, 1)
    elif spec.task == "clustering":
        ref = est.transform(Xn)
    elif spec.task == "anomaly":
        ref = np.asarray(est.decision_function(Xn)).reshape(-1, 1)
    elif spec.task == "transform":
        ref = est.transform(Xn)
    if ref is not None:
        ref = np.asarray(ref, dtype=np.float64)
        if ref.shape != scores.shape:
            res["score_shape_mismatch"] = [list(ref.shape), list(scores.shape)]
        else:
            res["max_abs_diff"] = float(np.max(np.abs(ref - scores))) if ref.size else 0.0
    return res


def _has_proba(est) -> bool:
    try:
        getattr(est, "predict_proba")
        return True
    except AttributeError:
        return False


def _class_order(est, spec: Spec):
    if spec.task != "classification":
        return None
    fe = final_estimator(est)
    return list(getattr(fe, "classes_", [])) or None


def metrics_for(spec: Spec, ds: Dataset, est, labels, scores) -> dict:
    m: dict = {}
    if spec.task == "classification":
        y = np.asarray(ds.y_test).ravel()
        m["test_accuracy"] = float(np.mean(labels.astype(str) == y.astype(str)))
    elif spec.task == "regression":
        y = np.asarray(ds.y_test, dtype=np.float64).ravel()
        p = scores[:, 0]
        err = p - y
        m["test_r2"] = float(1.0 - np.sum(err ** 2) / np.sum((y - y.mean()) ** 2))
        m["test_rmse"] = float(np.sqrt(np.mean(err ** 2)))
        m["test_mae"] = float(np.mean(np.abs(err)))
    elif spec.task == "clustering":
        m["test_inertia"] = float(np.sum(np.min(scores, axis=1) ** 2))
        m["n_clusters"] = int(scores.shape[1])
    elif spec.task == "anomaly":
        m["test_outlier_fraction"] = float(np.mean(labels == -1))
    elif spec.task == "transform":
        fe = final_estimator(est)
        if hasattr(fe, "explained_variance_ratio_"):
            m["explained_variance_ratio_sum"] = float(np.sum(fe.explained_variance_ratio_))
        m["n_outputs"] = int(scores.shape[1])
    return m


def card_inputs(spec: Spec, ds: Dataset) -> list:
    if ds.is_frame:
        return [{"name": c, "type": k, "features": [c]} for c, k in ds.columns]
    name = _initial_types(spec, ds)[0][0]
    return [{"name": name, "type": spec.input_dtype, "features": list(ds.feature_names)}]


def baseline_for(ds: Dataset, pred_dist) -> dict:
    feats = {}
    if ds.is_frame:
        for col, kind in ds.columns:
            if kind == "string":
                feats[col] = categorical_baseline(list(ds.X_train[col]))
            else:
                feats[col] = numeric_baseline(ds.X_train[col].to_numpy(dtype=np.float64))
    else:
        X = np.asarray(ds.X_train, dtype=np.float64)
        for j, fname in enumerate(ds.feature_names):
            feats[fname] = numeric_baseline(X[:, j])
    return {"features": feats, "rows": n_rows(ds.X_train), "prediction_distribution": pred_dist}


def prediction_distribution(spec: Spec, ds: Dataset, labels, scores, class_names):
    if spec.task == "classification":
        d = distribution([label_name(x, class_names) for x in labels])
        order = class_names or sorted(d)
        return {k: d.get(k, 0.0) for k in order}
    if spec.task == "clustering":
        d = distribution([label_name(x, class_names) for x in labels])
        return {k: d.get(k, 0.0) for k in (class_names or sorted(d))}
    if spec.task == "anomaly":
        d = distribution(["outlier" if int(x) == -1 else "inlier" for x in labels])
        return {k: d.get(k, 0.0) for k in ("inlier", "outlier")}
    if spec.task == "regression":
        b = numeric_baseline(scores[:, 0])
        return {"edges": b["edges"], "fractions": b["fractions"]}
    return None


def sample_rows(spec: Spec, ds: Dataset, sess, est) -> list:
    clean = np.where(~row_has_missing(ds.X_test))[0][:N_CARD_SAMPLES]
    Xs = take_rows(ds.X_test, clean)
    feed = to_feed(spec, ds, Xs)
    labels, scores = split_outputs(spec.task, sess.run(None, feed), _class_order(est, spec))
    samples = []
    for i in range(n_rows(Xs)):
        if ds.is_frame:
            feats = []
            for col, kind in ds.columns:
                v = Xs[col].iloc[i]
                feats.append(str(v) if kind == "string" else
                             int(v) if kind == "int64" else short_float32(v))
        else:
            row = np.asarray(Xs, dtype=np.float64)[i]
            feats = [short_float32(v) if spec.input_dtype == "float32" else enc_float(v) for v in row]
        samples.append({
            "features": feats,
            "label": json_label(labels[i]) if labels is not None else None,
            "scores": [enc_float(v) for v in scores[i]],
        })
    return samples


def fit_and_convert(spec: Spec, est, ds: Dataset) -> tuple:
    """Fit `est` on ds's training split and convert it. -> (onnx model, [(warning class, count)])"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(ds.X_train, ds.y_train) if ds.y_train is not None else est.fit(ds.X_train)
        onx = convert(spec, est, ds)
    warn_summary = sorted(Counter(type(w.message).__name__ if isinstance(w.message, Warning)
                                  else w.category.__name__ for w in caught).items())
    return onx, warn_summary


def framework_for(spec: Spec, est, versions: dict) -> tuple:
    """-> (card `framework` string, converter description, estimator library)"""
    lib = estimator_library(est)
    converter = f"skl2onnx {versions['skl2onnx']}"
    if spec.converter == "onnxmltools":
        converter = (f"onnxmltools {versions['onnxmltools']} "
                     f"(registered in skl2onnx {versions['skl2onnx']})")
    framework = f"{lib} {versions[lib]} {describe_estimator(est)} via {converter}"
    if lib != "scikit-learn":
        framework += f" (scikit-learn {versions['scikit-learn']})"
    return framework, converter, lib


def build_card(spec: Spec, ds: Dataset, est, sess, out_names: list, name: str, version: str,
               versions: dict, extra: Optional[dict] = None) -> dict:
    """The card.json content for a fitted estimator and its onnxruntime session:
    metrics on ds's test split, baseline on its training split, samples from its
    first clean test rows. `extra` keys are appended after the standard ones."""
    class_order = _class_order(est, spec)
    labels_te, scores_te = split_outputs(spec.task, sess.run(None, to_feed(spec, ds, ds.X_test)), class_order)
    labels_tr, scores_tr = split_outputs(spec.task, sess.run(None, to_feed(spec, ds, ds.X_train)), class_order)

    class_names = ds.class_names
    if spec.task == "classification" and class_order is not None and not isinstance(class_order[0], (int, np.integer)):
        class_names = [str(c) for c in class_order]
    if spec.task == "clustering":
        class_names = [f"cluster_{i}" for i in range(scores_te.shape[1])]
    if spec.task in ("regression", "transform", "anomaly"):
        class_names = None

    if spec.task in ("classification", "clustering", "anomaly"):
        outputs = {"label": out_names[0], "scores": out_names[1]}
    else:
        outputs = {"label": None, "scores": out_names[0]}

    framework, _, _ = framework_for(spec, est, versions)
    card = {
        "name": name,
        "version": version,
        "description": spec.description,
        "task": spec.task,
        "framework": framework,
        "inputs": card_inputs(spec, ds),
        "outputs": outputs,
        "classes": class_names,
        "metrics": metrics_for(spec, ds, est, labels_te, scores_te),
        "baseline": baseline_for(ds, prediction_distribution(spec, ds, labels_tr, scores_tr, class_names)),
        "samples": sample_rows(spec, ds, sess, est),
    }
    for k, v in (extra or {}).items():
        if k in card:
            raise ExportError(f"{spec.name}: extra card key {k!r} would overwrite a standard key")
        card[k] = v
    dumps(card)  # validates: no bare NaN / Infinity
    return card


def write_model_dir(spec: Spec, ds: Dataset, est, onx: onnx.ModelProto, out_dir: Path, name: str,
                    version: str, versions: dict, card_extra: Optional[dict] = None) -> dict:
    """Write model.onnx, fixture.json and card.json for a fitted, converted
    estimator into out_dir (which must exist) and verify the directory.
    -> {"card", "fixture", "fixture_text", "X_fix", "blob", "session"}"""
    out_dir = Path(out_dir)
    model_path = out_dir / "model.onnx"
    blob = onx.SerializeToString()
    model_path.write_bytes(blob)
    sess = make_session(model_path)

    fixture, X_fix, n_test_fix = build_fixture(spec, ds, sess)
    fixture_text = dumps(fixture)
    if len(fixture_text) > FIXTURE_MAX_BYTES:
        raise ExportError(f"{spec.name}: fixture is {len(fixture_text)} bytes (> {FIXTURE_MAX_BYTES})")
    (out_dir / "fixture.json").write_text(fixture_text + "\n")

    card = build_card(spec, ds, est, sess, fixture["output_order"], name, version, versions, card_extra)
    (out_dir / "card.json").write_text(pretty(card) + "\n")

    ok, msg = verify_dir(out_dir)
    if not ok:
        raise ExportError(f"{spec.name}: fixture verification failed: {msg}")
    return {"card": card, "fixture": fixture, "fixture_text": fixture_text, "X_fix": X_fix,
            "blob": blob, "session": sess}


def export(spec: Spec, out_dir: Path, card_name: Optional[str] = None, version: str = "1",
           log=print) -> dict:
    """Train, convert, write model.onnx / fixture.json / card.json into out_dir,
    verify, and return the manifest entry."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    versions = lib_versions()
    ds = spec.data()
    est = spec.make_estimator()
    onx, warn_summary = fit_and_convert(spec, est, ds)
    written = write_model_dir(spec, ds, est, onx, out_dir, card_name or spec.name, version, versions)
    card, fixture, sess, blob = written["card"], written["fixture"], written["session"], written["blob"]
    _, converter, lib = framework_for(spec, est, versions)

    # Native vs ONNX on the fixture's test rows (no injected NaN rows).
    native = compare_native(spec, ds, est, sess, take_rows(ds.X_test, np.arange(n_rows(ds.X_test))))

    ins, outs = io_signature(onx)
    entry = {
        "name": card_name or spec.name,
        "description": spec.description,
        "task": spec.task,
        "estimator": describe_estimator(est),
        "library": f"{lib} {versions[lib]}",
        "converter": converter,
        "zipmap": spec.zipmap if spec.task == "classification" else None,
        "ir_version": int(onx.ir_version),
        "opsets": model_opsets(onx),
        "ops": model_ops(onx),
        "inputs": ins,
        "outputs": [{"name": o.name, "type": o.type} for o in sess.get_outputs()],
        "fixture_rows": n_rows(written["X_fix"]),
        "fixture_row_sources": fixture["row_sources"],
        "fixture_error_cases": [{"source": c["source"], "error": c["error"]}
                                for c in fixture.get("error_cases", [])],
        "model_bytes": len(blob),
        "model_sha256": hashlib.sha256(blob).hexdigest(),
        "fixture_bytes": len(written["fixture_text"]) + 1,
        "metrics": card["metrics"],
        "native_vs_onnx": native,
        "fit_warnings": {k: v for k, v in warn_summary},
    }
    return entry


# --------------------------------------------------------------------------
# verification

def _outputs_equal(expected: dict, got: dict, exact: bool, tol: float) -> Optional[str]:
    if expected.get("type") != got.get("type"):
        return f"type {got.get('type')} != {expected.get('type')}"
    if expected["type"].startswith("seq_map"):
        if len(expected["data"]) != len(got["data"]):
            return "sequence length differs"
        for i, (a, b) in enumerate(zip(expected["data"], got["data"])):
            if list(a.keys()) != list(b.keys()):
                return f"row {i}: keys {list(b)} != {list(a)}"
            for k in a:
                if not _float_eq(dec_float(a[k]), dec_float(b[k]), exact, tol):
                    return f"row {i} key {k}: {b[k]} != {a[k]}"
        return None
    if expected["shape"] != got["shape"]:
        return f"shape {got['shape']} != {expected['shape']}"
    if expected["type"] in ("float32", "float64"):
        for i, (a, b) in enumerate(zip(expected["data"], got["data"])):
            if not _float_eq(dec_float(a), dec_float(b), exact, tol):
                return f"element {i}: {b} != {a}"
        return None
    if expected["data"] != got["data"]:
        bad = next(i for i, (a, b) in enumerate(zip(expected["data"], got["data"])) if a != b)
        return f"element {bad}: {got['data'][bad]} != {expected['data'][bad]}"
    return None


def _float_eq(a: float, b: float, exact: bool, tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if exact:
        return a == b
    return a == b or abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def verify_dir(d: Path, threads: int = 1, exact: bool = True, tol: float = 1e-5) -> tuple:
    """Re-load d/model.onnx with onnxruntime, run the fixture inputs and
    compare against the fixture outputs. -> (ok, message)"""
    d = Path(d)
    fx = json.loads((d / "fixture.json").read_text())
    sess = make_session(d / fx["model"], threads=threads)
    in_names = [i.name for i in sess.get_inputs()]
    if sorted(in_names) != sorted(fx["inputs"]):
        return False, f"inputs {in_names} != fixture {list(fx['inputs'])}"
    feeds = {k: decode_tensor(v) for k, v in fx["inputs"].items()}
    metas = sess.get_outputs()
    names = [o.name for o in metas]
    if names != fx["output_order"]:
        return False, f"output order {names} != {fx['output_order']}"
    outs = sess.run(None, feeds)
    for meta, val in zip(metas, outs):
        got = json.loads(dumps(encode_output(val, meta.type)))
        err = _outputs_equal(fx["outputs"][meta.name], got, exact, tol)
        if err:
            return False, f"output {meta.name}: {err}"
    for k, case in enumerate(fx.get("error_cases", [])):
        err = _run_ok(sess, {n_: decode_tensor(v) for n_, v in case["inputs"].items()})
        if err is None:
            return False, f"error_cases[{k}] ran without error"
    n = next(iter(feeds.values())).shape[0]
    extra = f", {len(fx['error_cases'])} error cases still rejected" if fx.get("error_cases") else ""
    return True, f"{len(names)} outputs x {n} rows match{extra}"
