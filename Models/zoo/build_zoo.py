#!/usr/bin/env python3
"""Build the StreamScore ONNX conformance zoo: Models/zoo/<name>/{model.onnx,fixture.json,card.json}
plus Models/zoo/MANIFEST.json.

Every model is trained with fixed seeds on a small dataset (see Models/datasets.py),
converted with skl2onnx (XGBoost/LightGBM: onnxmltools converters registered in
skl2onnx), run through onnxruntime (CPUExecutionProvider, 1 thread) to produce
the fixture, and re-loaded from disk to check the fixture.  The union of ONNX
op types used by the zoo is printed at the end and stored in the manifest.

Usage:
  Models/.venv/bin/python Models/zoo/build_zoo.py             # build everything
  Models/.venv/bin/python Models/zoo/build_zoo.py --only a,b  # rebuild some, merge manifest
  Models/.venv/bin/python Models/zoo/build_zoo.py --list
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import exportlib  # noqa: E402  (sets single-thread env first)
from exportlib import Spec  # noqa: E402
import datasets as D  # noqa: E402

from sklearn.cluster import KMeans  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import (  # noqa: E402
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
)
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    Binarizer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    StandardScaler,
)
from sklearn.svm import SVC, SVR, LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402
from lightgbm import LGBMClassifier, LGBMRegressor  # noqa: E402
from xgboost import XGBClassifier, XGBRegressor  # noqa: E402

MANIFEST = HERE / "MANIFEST.json"


# --------------------------------------------------------------------------
# datasets (memoised per process; all deterministic)

_cache: dict = {}


def ds(key: str):
    def load():
        if key not in _cache:
            _cache[key] = {
                "iris": lambda: D.iris(),
                "iris_str": lambda: D.iris(string_labels=True),
                "cancer": lambda: D.breast_cancer(),
                "cancer_nan": lambda: D.breast_cancer(nan_frac=0.1, nan_seed=0),
                "wine": lambda: D.wine(),
                "wine_nan": lambda: D.wine(nan_frac=0.1, nan_seed=1),
                "diabetes": lambda: D.diabetes(),
                "clf2": lambda: D.synth_classification(600, 8, 6, 2, seed=5, class_sep=1.5),
                "clf3": lambda: D.synth_classification(600, 10, 6, 3, seed=7, class_sep=1.5),
                "reg": lambda: D.synth_regression(600, 8, 6, seed=13),
                "bench30": lambda: D.synth_classification(2000, 30, 15, 2, seed=42),
                "bench50": lambda: D.synth_classification(2000, 50, 20, 2, seed=42),
                "mixed": lambda: D.mixed_frame(),
            }[key]()
        return _cache[key]
    return load


def clf_pair(name, description, data, make, families_zipmap=(True, False), **kw):
    """A classifier with ZipMap (default outputs) and with zipmap=False."""
    out = []
    for zm in families_zipmap:
        n = f"{name}_nozipmap" if zm is False else name
        d = description + {True: " ZipMap output (sequence of maps).",
                           False: " zipmap=False (tensor output).",
                           None: " Tensor outputs (this converter has no ZipMap option)."}[zm]
        out.append(Spec(n, d, "classification", data, make, zipmap=zm, **kw))
    return out


XGB_KW = dict(random_state=0, n_jobs=1, tree_method="hist")
LGBM_KW = dict(random_state=0, n_jobs=1, verbose=-1, deterministic=True, force_col_wise=True)


def mixed_pipeline():
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    pre = ColumnTransformer([
        ("num", numeric, D.MIXED_NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["color"]),
        ("cnt", StandardScaler(), ["count"]),
    ])
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))])


def specs() -> list:
    S: list = []
    # ---------------- linear models
    S += clf_pair("logreg_binary", "LogisticRegression(max_iter=5000) on breast_cancer (binary).",
                  ds("cancer"), lambda: LogisticRegression(max_iter=5000))
    S += clf_pair("logreg_multiclass", "LogisticRegression(max_iter=1000) on iris (3 classes).",
                  ds("iris"), lambda: LogisticRegression(max_iter=1000))
    S += clf_pair("logreg_string_labels", "LogisticRegression(max_iter=1000) on iris with string "
                  "class labels (target names); label output is a string tensor.",
                  ds("iris_str"), lambda: LogisticRegression(max_iter=1000))
    S.append(Spec("linear_regression", "LinearRegression on diabetes.", "regression",
                  ds("diabetes"), lambda: LinearRegression()))
    S.append(Spec("linear_regression_double", "LinearRegression on diabetes exported with a "
                  "float64 input (DoubleTensorType) and float64 output.", "regression",
                  ds("diabetes"), lambda: LinearRegression(), input_dtype="float64"))
    S.append(Spec("ridge", "Ridge(alpha=1.0) on make_regression (8 features).", "regression",
                  ds("reg"), lambda: Ridge(alpha=1.0)))
    S += clf_pair("sgd_classifier", "SGDClassifier(loss='log_loss', random_state=0) on "
                  "make_classification (10 features, 3 classes).",
                  ds("clf3"), lambda: SGDClassifier(loss="log_loss", random_state=0))
    S += clf_pair("sgd_hinge_binary", "SGDClassifier(loss='hinge', random_state=0) on "
                  "make_classification (8 features, binary); scores are decision values.",
                  ds("clf2"), lambda: SGDClassifier(loss="hinge", random_state=0),
                  families_zipmap=(False,))
    S += clf_pair("linear_svc", "LinearSVC(random_state=0) on make_classification (8 features, "
                  "binary); scores are decision values.",
                  ds("clf2"), lambda: LinearSVC(random_state=0), families_zipmap=(None,))
    S += clf_pair("linear_svc_multiclass", "LinearSVC(random_state=0) on make_classification "
                  "(10 features, 3 classes, one-vs-rest); scores are decision values.",
                  ds("clf3"), lambda: LinearSVC(random_state=0), families_zipmap=(None,))
    # ---------------- SVM
    S += clf_pair("svc_rbf", "SVC(kernel='rbf', probability=True, random_state=0) on iris.",
                  ds("iris"), lambda: SVC(kernel="rbf", probability=True, random_state=0))
    S += clf_pair("svc_poly", "SVC(kernel='poly', degree=3, probability=True, random_state=0) on iris.",
                  ds("iris"), lambda: SVC(kernel="poly", degree=3, probability=True, random_state=0),
                  families_zipmap=(False,))
    S += clf_pair("svc_sigmoid", "SVC(kernel='sigmoid', probability=True, random_state=0) on "
                  "make_classification (8 features, binary).",
                  ds("clf2"), lambda: SVC(kernel="sigmoid", probability=True, random_state=0),
                  families_zipmap=(False,))
    S.append(Spec("svr", "SVR(kernel='rbf', C=100, epsilon=1.0) on diabetes.", "regression",
                  ds("diabetes"), lambda: SVR(kernel="rbf", C=100.0, epsilon=1.0)))
    # ---------------- trees
    S += clf_pair("dtree_classifier", "DecisionTreeClassifier(max_depth=4, random_state=0) on iris.",
                  ds("iris"), lambda: DecisionTreeClassifier(max_depth=4, random_state=0))
    S.append(Spec("dtree_regressor", "DecisionTreeRegressor(max_depth=5, random_state=0) on diabetes.",
                  "regression", ds("diabetes"),
                  lambda: DecisionTreeRegressor(max_depth=5, random_state=0)))
    S += clf_pair("rf_classifier", "RandomForestClassifier(n_estimators=20, max_depth=6, "
                  "random_state=0) on wine (3 classes).", ds("wine"),
                  lambda: RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0, n_jobs=1))
    S.append(Spec("extratrees_regressor", "ExtraTreesRegressor(n_estimators=20, max_depth=6, "
                  "random_state=0) on diabetes.", "regression", ds("diabetes"),
                  lambda: ExtraTreesRegressor(n_estimators=20, max_depth=6, random_state=0, n_jobs=1)))
    S += clf_pair("gb_binary", "GradientBoostingClassifier(n_estimators=30, max_depth=3, "
                  "random_state=0) on breast_cancer (binary).", ds("cancer"),
                  lambda: GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0))
    S += clf_pair("gb_multiclass", "GradientBoostingClassifier(n_estimators=20, max_depth=2, "
                  "random_state=0) on wine (3 classes).", ds("wine"),
                  lambda: GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0))
    S.append(Spec("gb_regressor", "GradientBoostingRegressor(n_estimators=50, max_depth=3, "
                  "random_state=0) on diabetes.", "regression", ds("diabetes"),
                  lambda: GradientBoostingRegressor(n_estimators=50, max_depth=3, random_state=0)))
    S += clf_pair("hgb_binary_nan", "HistGradientBoostingClassifier(max_iter=30, random_state=0) "
                  "trained on breast_cancer with 10% NaN values (missing-value routing).",
                  ds("cancer_nan"),
                  lambda: HistGradientBoostingClassifier(max_iter=30, random_state=0))
    S += clf_pair("hgb_multiclass_nan", "HistGradientBoostingClassifier(max_iter=20, random_state=0) "
                  "trained on wine with 10% NaN values (missing-value routing).",
                  ds("wine_nan"),
                  lambda: HistGradientBoostingClassifier(max_iter=20, random_state=0),
                  families_zipmap=(False,))
    # ---------------- XGBoost / LightGBM (onnxmltools)
    S += clf_pair("xgb_binary", "XGBClassifier(n_estimators=30, max_depth=3) trained on "
                  "breast_cancer with 10% NaN values.", ds("cancer_nan"),
                  lambda: XGBClassifier(n_estimators=30, max_depth=3, learning_rate=0.3, **XGB_KW),
                  converter="onnxmltools")
    S += clf_pair("xgb_multiclass", "XGBClassifier(n_estimators=20, max_depth=3) trained on wine "
                  "with 10% NaN values.", ds("wine_nan"),
                  lambda: XGBClassifier(n_estimators=20, max_depth=3, learning_rate=0.3, **XGB_KW),
                  converter="onnxmltools")
    S.append(Spec("xgb_regressor", "XGBRegressor(n_estimators=50, max_depth=3) on diabetes.",
                  "regression", ds("diabetes"),
                  lambda: XGBRegressor(n_estimators=50, max_depth=3, learning_rate=0.1, **XGB_KW),
                  converter="onnxmltools"))
    S += clf_pair("lgbm_binary", "LGBMClassifier(n_estimators=30, num_leaves=15) trained on "
                  "breast_cancer with 10% NaN values.", ds("cancer_nan"),
                  lambda: LGBMClassifier(n_estimators=30, num_leaves=15, **LGBM_KW),
                  converter="onnxmltools")
    S += clf_pair("lgbm_multiclass", "LGBMClassifier(n_estimators=20, num_leaves=7, "
                  "min_child_samples=5) trained on wine with 10% NaN values.", ds("wine_nan"),
                  lambda: LGBMClassifier(n_estimators=20, num_leaves=7, min_child_samples=5, **LGBM_KW),
                  converter="onnxmltools")
    S.append(Spec("lgbm_regressor", "LGBMRegressor(n_estimators=50, num_leaves=15) on diabetes.",
                  "regression", ds("diabetes"),
                  lambda: LGBMRegressor(n_estimators=50, num_leaves=15, **LGBM_KW),
                  converter="onnxmltools"))
    S.append(Spec("isolation_forest", "IsolationForest(n_estimators=50, contamination=0.05, "
                  "random_state=0) on make_classification features (8). label: -1 outlier / 1 "
                  "inlier; scores: decision_function.", "anomaly", ds("clf2"),
                  lambda: IsolationForest(n_estimators=50, contamination=0.05, random_state=0)))
    # ---------------- neighbours, naive bayes, neural nets
    S += clf_pair("knn_classifier", "KNeighborsClassifier(n_neighbors=5) on iris.", ds("iris"),
                  lambda: KNeighborsClassifier(n_neighbors=5))
    S.append(Spec("knn_regressor", "KNeighborsRegressor(n_neighbors=5) on diabetes.", "regression",
                  ds("diabetes"), lambda: KNeighborsRegressor(n_neighbors=5)))
    S += clf_pair("gaussian_nb", "GaussianNB() on wine (3 classes).", ds("wine"), lambda: GaussianNB())
    S += clf_pair("mlp_classifier", "MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, "
                  "random_state=0) on iris.", ds("iris"),
                  lambda: MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=0))
    S.append(Spec("mlp_regressor", "MLPRegressor(hidden_layer_sizes=(32, 16), max_iter=2000, "
                  "random_state=0) on make_regression (8 features).", "regression", ds("reg"),
                  lambda: MLPRegressor(hidden_layer_sizes=(32, 16), max_iter=2000, random_state=0)))
    # ---------------- unsupervised / transforms
    S.append(Spec("kmeans", "KMeans(n_clusters=3, n_init=10, random_state=0) on iris; label = "
                  "cluster, scores = distances to the 3 centres.", "clustering", ds("iris"),
                  lambda: KMeans(n_clusters=3, n_init=10, random_state=0)))
    S.append(Spec("pca", "PCA(n_components=4, random_state=0) on wine; output = 4 components.",
                  "transform", ds("wine"), lambda: PCA(n_components=4, random_state=0)))
    S.append(Spec("scalers_normalizer_transform", "Pipeline(MaxAbsScaler, MinMaxScaler("
                  "feature_range=(-1, 1)), Normalizer('l2')) on wine; output = 13 scaled values.",
                  "transform", ds("wine"),
                  lambda: Pipeline([("maxabs", MaxAbsScaler()),
                                    ("minmax", MinMaxScaler(feature_range=(-1, 1))),
                                    ("norm", Normalizer(norm="l2"))])))
    # ---------------- pipelines
    S += clf_pair("pipeline_scaler_logreg", "Pipeline(StandardScaler, LogisticRegression("
                  "max_iter=1000)) on wine.", ds("wine"),
                  lambda: Pipeline([("scale", StandardScaler()),
                                    ("clf", LogisticRegression(max_iter=1000))]))
    S += clf_pair("pipeline_binarizer_logreg", "Pipeline(MinMaxScaler, Normalizer('l1'), "
                  "Binarizer(threshold=0.03), LogisticRegression(max_iter=1000)) on breast_cancer.",
                  ds("cancer"),
                  lambda: Pipeline([("minmax", MinMaxScaler()), ("norm", Normalizer(norm="l1")),
                                    ("bin", Binarizer(threshold=0.03)),
                                    ("clf", LogisticRegression(max_iter=1000))]))
    S += clf_pair("coltransformer_logreg", "Pipeline(ColumnTransformer(SimpleImputer(median)+"
                  "StandardScaler on num_a/num_b/num_c, OneHotEncoder(handle_unknown='ignore') on "
                  "color, StandardScaler on count), LogisticRegression) on a synthetic mixed-type "
                  "DataFrame; one ONNX input per column. Fixture includes unknown categories and "
                  "NaN numerics.", ds("mixed"), mixed_pipeline)
    # ---------------- benchmark models (all zipmap=False)
    S.append(D.iris_logreg_spec("bench_iris_logreg"))
    S[-1].description = "Benchmark: identical to Models/iris/1. " + S[-1].description
    S.append(Spec("bench_rf_100x8_30f", "Benchmark: RandomForestClassifier(n_estimators=100, "
                  "max_depth=8, random_state=0) on make_classification(2000 rows, 30 features, "
                  "binary); zipmap=False.", "classification", ds("bench30"),
                  lambda: RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0, n_jobs=1),
                  zipmap=False))
    S.append(Spec("bench_gb_50f", "Benchmark: GradientBoostingClassifier(n_estimators=100, "
                  "max_depth=3, random_state=0) on make_classification(2000 rows, 50 features, "
                  "binary); zipmap=False.", "classification", ds("bench50"),
                  lambda: GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0),
                  zipmap=False))
    S.append(Spec("bench_mlp_50f", "Benchmark: MLPClassifier(hidden_layer_sizes=(100, 50), "
                  "max_iter=200, random_state=0) on make_classification(2000 rows, 50 features, "
                  "binary); zipmap=False.", "classification", ds("bench50"),
                  lambda: MLPClassifier(hidden_layer_sizes=(100, 50), max_iter=200, random_state=0),
                  zipmap=False))
    names = [s.name for s in S]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise exportlib.ExportError(f"duplicate zoo names {dup}")
    return S


def op_union(models: list) -> dict:
    ops: dict = {}
    for m in models:
        for op in m["ops"]:
            ops.setdefault(op, []).append(m["name"])
    return dict(sorted(ops.items()))


def opset_union(models: list) -> dict:
    out: dict = {}
    for m in models:
        for dom, v in m["opsets"].items():
            out.setdefault(dom, set()).add(v)
    return {d: sorted(v) for d, v in sorted(out.items())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated model names to (re)build; merges the manifest")
    ap.add_argument("--list", action="store_true", help="list model names and exit")
    args = ap.parse_args()

    all_specs = specs()
    if args.list:
        for s in all_specs:
            print(f"{s.name:36s} {s.task:15s} {s.description}")
        return 0
    wanted = [n for n in args.only.split(",") if n]
    unknown = set(wanted) - {s.name for s in all_specs}
    if unknown:
        print(f"unknown model names: {sorted(unknown)}", file=sys.stderr)
        return 2
    todo = [s for s in all_specs if not wanted or s.name in wanted]

    versions = exportlib.lib_versions()
    print(f"[zoo] versions: {versions}", flush=True)
    print(f"[zoo] building {len(todo)} of {len(all_specs)} models into {HERE}", flush=True)

    previous = {}
    if wanted and MANIFEST.exists():
        previous = {m["name"]: m for m in json.loads(MANIFEST.read_text())["models"]}

    built, failures = {}, []
    t_all = time.time()
    for i, spec in enumerate(todo, 1):
        t0 = time.time()
        print(f"[{i:2d}/{len(todo)}] {spec.name} ...", end=" ", flush=True)
        try:
            entry = exportlib.export(spec, HERE / spec.name, log=lambda *a: None)
        except Exception as e:  # noqa: BLE001 -- report all, fail at the end
            print("FAILED", flush=True)
            traceback.print_exc()
            failures.append((spec.name, f"{type(e).__name__}: {e}"))
            continue
        built[spec.name] = entry
        nv = entry["native_vs_onnx"]
        extra = ""
        if "label_agreement" in nv:
            extra += f" agree={nv['label_agreement']:.3f}"
        if "max_abs_diff" in nv:
            extra += f" maxdiff={nv['max_abs_diff']:.2e}"
        if entry["fit_warnings"]:
            extra += f" warnings={entry['fit_warnings']}"
        print(f"ok {time.time() - t0:5.1f}s  {entry['model_bytes']:>8d}B  rows={entry['fixture_rows']:<3d}"
              f" metrics={ {k: round(v, 4) for k, v in entry['metrics'].items()} }{extra}", flush=True)

    order = [s.name for s in all_specs]
    merged = {**previous, **built}
    models = [merged[n] for n in order if n in merged]

    stale = sorted(p.name for p in HERE.iterdir() if p.is_dir() and p.name not in order
                   and not p.name.startswith((".", "__")))
    if stale:
        print(f"[zoo] WARNING: directories not produced by this script: {stale}")

    manifest = {
        "generated_by": "Models/zoo/build_zoo.py",
        "versions": versions,
        "target_opset": {("ai.onnx" if k == "" else k): v for k, v in exportlib.TARGET_OPSET.items()},
        "op_naming": "domain:op_type, default domain written as 'ai.onnx'",
        "model_count": len(models),
        "opset_union": opset_union(models),
        "op_union": op_union(models),
        "models": models,
    }
    MANIFEST.write_text(exportlib.pretty(manifest) + "\n")

    iris1 = HERE.parent / "iris" / "1" / "model.onnx"
    if iris1.exists() and "bench_iris_logreg" in merged:
        import hashlib
        same = hashlib.sha256(iris1.read_bytes()).hexdigest() == merged["bench_iris_logreg"]["model_sha256"]
        print(f"[zoo] bench_iris_logreg identical to iris/1/model.onnx: {same}")

    print(f"\n[zoo] {len(built)} built in {time.time() - t_all:.1f}s; manifest lists {len(models)} models")
    print(f"[zoo] opsets used: {manifest['opset_union']}")
    print(f"[zoo] union of ONNX op types ({len(manifest['op_union'])}):")
    for op, users in manifest["op_union"].items():
        print(f"    {op:38s} {len(users):3d} models")
    if failures:
        print(f"\n[zoo] FAILED ({len(failures)}):", file=sys.stderr)
        for n, msg in failures:
            print(f"    {n}: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
