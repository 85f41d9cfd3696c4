"""Small, deterministic datasets for the StreamScore model zoo.

Every split is `train_test_split(X, y, test_size=0.2, random_state=42)` unless
noted; every random generator has a fixed seed.  Nothing is downloaded: the
sklearn datasets used here ship inside the scikit-learn wheel.
"""
from __future__ import annotations

import re

import numpy as np
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split

from exportlib import Dataset, Spec

SPLIT_SEED = 42
TEST_SIZE = 0.2
IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _split(X, y):
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED)


def _inject_nan(X: np.ndarray, frac: float, seed: int) -> np.ndarray:
    X = np.array(X, dtype=np.float64, copy=True)
    if frac > 0:
        mask = np.random.RandomState(seed).rand(*X.shape) < frac
        X[mask] = np.nan
    return X


def iris(string_labels: bool = False, include_dataset_rows: bool = False) -> Dataset:
    d = skd.load_iris()
    X, y = d.data, d.target
    names = [str(n) for n in d.target_names]
    if string_labels:
        y = np.array(names, dtype=object)[y]
    X_tr, X_te, y_tr, y_te = _split(X, y)
    return Dataset(
        name="iris", X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=list(IRIS_FEATURES), class_names=None if string_labels else names,
        extra_rows=[("dataset", X)] if include_dataset_rows else [],
        description="Iris (150 rows, 4 features, 3 classes)",
    )


def breast_cancer(nan_frac: float = 0.0, nan_seed: int = 0) -> Dataset:
    d = skd.load_breast_cancer()
    X = _inject_nan(d.data, nan_frac, nan_seed)
    X_tr, X_te, y_tr, y_te = _split(X, d.target)
    return Dataset(
        name="breast_cancer", X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=[snake(n) for n in d.feature_names],
        class_names=[str(n) for n in d.target_names],
        description="Breast cancer Wisconsin (569 rows, 30 features, binary)"
        + (f", {nan_frac:.0%} of values replaced by NaN" if nan_frac else ""),
    )


def wine(nan_frac: float = 0.0, nan_seed: int = 1) -> Dataset:
    d = skd.load_wine()
    X = _inject_nan(d.data, nan_frac, nan_seed)
    X_tr, X_te, y_tr, y_te = _split(X, d.target)
    return Dataset(
        name="wine", X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=[snake(n) for n in d.feature_names],
        class_names=[str(n) for n in d.target_names],
        description="Wine (178 rows, 13 features, 3 classes)"
        + (f", {nan_frac:.0%} of values replaced by NaN" if nan_frac else ""),
    )


def diabetes() -> Dataset:
    d = skd.load_diabetes()
    X_tr, X_te, y_tr, y_te = _split(d.data, d.target)
    return Dataset(
        name="diabetes", X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=[snake(n) for n in d.feature_names],
        description="Diabetes (442 rows, 10 features, regression)",
    )


def synth_classification(n_samples=600, n_features=10, n_informative=6, n_classes=2,
                         seed=7, nan_frac=0.0, class_sep=1.0) -> Dataset:
    X, y = skd.make_classification(
        n_samples=n_samples, n_features=n_features, n_informative=n_informative,
        n_redundant=min(2, n_features - n_informative), n_classes=n_classes,
        class_sep=class_sep, random_state=seed,
    )
    X = _inject_nan(X, nan_frac, seed + 1000)
    X_tr, X_te, y_tr, y_te = _split(X, y)
    return Dataset(
        name=f"make_classification_{n_features}f_{n_classes}c",
        X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=[f"f{i}" for i in range(n_features)],
        class_names=[f"class_{i}" for i in range(n_classes)],
        description=f"make_classification(n_samples={n_samples}, n_features={n_features}, "
                    f"n_informative={n_informative}, n_classes={n_classes}, class_sep={class_sep}, "
                    f"random_state={seed})",
    )


def synth_regression(n_samples=600, n_features=8, n_informative=6, seed=13) -> Dataset:
    X, y = skd.make_regression(n_samples=n_samples, n_features=n_features,
                               n_informative=n_informative, noise=10.0, random_state=seed)
    X_tr, X_te, y_tr, y_te = _split(X, y)
    return Dataset(
        name=f"make_regression_{n_features}f", X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=[f"f{i}" for i in range(n_features)],
        description=f"make_regression(n_samples={n_samples}, n_features={n_features}, "
                    f"n_informative={n_informative}, noise=10, random_state={seed})",
    )


MIXED_COLUMNS = [
    ("num_a", "float32"),
    ("num_b", "float32"),
    ("num_c", "float32"),
    ("color", "string"),
    ("count", "int64"),
]
MIXED_NUMERIC = ["num_a", "num_b", "num_c"]


def mixed_frame() -> Dataset:
    """Synthetic DataFrame: 3 float columns with ~8% NaN, a string column, an
    int64 column; binary target.  One ONNX input per column."""
    import pandas as pd

    rng = np.random.RandomState(2024)
    n = 600
    num_a = rng.normal(0.0, 1.0, n)
    num_b = rng.uniform(0.0, 10.0, n)
    num_c = rng.normal(50.0, 15.0, n)
    colors = np.array(["red", "green", "blue", "yellow"])
    color = colors[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])]
    count = rng.poisson(3.0, n).astype(np.int64)
    effect = {"red": 0.8, "green": -0.5, "blue": 0.2, "yellow": -1.0}
    logit = (1.2 * num_a - 0.3 * (num_b - 5.0) + 0.05 * (num_c - 50.0)
             + np.array([effect[c] for c in color]) + 0.3 * (count - 3))
    y = (logit + rng.logistic(size=n) > 0).astype(np.int64)
    for col in (num_a, num_b, num_c):
        col[rng.rand(n) < 0.08] = np.nan
    df = pd.DataFrame({"num_a": num_a, "num_b": num_b, "num_c": num_c,
                       "color": color.astype(object), "count": count})
    X_tr, X_te, y_tr, y_te = _split(df, y)
    X_tr, X_te = X_tr.reset_index(drop=True), X_te.reset_index(drop=True)
    nan = np.nan
    special = pd.DataFrame({
        "num_a": [nan, nan, 0.5, -1.0, 0.1, nan, 2.0],
        "num_b": [3.0, nan, 5.0, 2.0, nan, nan, 9.5],
        "num_c": [40.0, nan, 55.0, 60.0, 45.0, nan, 20.0],
        "color": ["purple", "red", "", "RED", "blue", "purple", "green"],
        "count": np.array([1, 3, 0, 2, 5, 0, 40], dtype=np.int64),
    })
    special["color"] = special["color"].astype(object)
    return Dataset(
        name="mixed", X_train=X_tr, X_test=X_te, y_train=y_tr, y_test=y_te,
        feature_names=[c for c, _ in MIXED_COLUMNS], class_names=["negative", "positive"],
        columns=list(MIXED_COLUMNS), extra_rows=[("unknown_category_and_nan", special)],
        auto_nan_rows=False,
        description="Synthetic mixed-type table (600 rows): num_a/num_b/num_c float with ~8% NaN, "
                    "color string (red/green/blue/yellow), count int64; binary target",
    )


# --------------------------------------------------------------------------
# the default served model (Models/iris/1) == zoo/bench_iris_logreg

def iris_logreg_spec(name: str = "iris") -> Spec:
    from sklearn.linear_model import LogisticRegression

    return Spec(
        name=name,
        description="LogisticRegression() with default hyper-parameters on the Iris dataset "
                    "(train_test_split test_size=0.2, random_state=42); outputs label (int64 [N]) "
                    "and probabilities (float [N,3]) with zipmap disabled.",
        task="classification",
        data=lambda: iris(include_dataset_rows=True),
        make_estimator=lambda: LogisticRegression(),
        zipmap=False,
        graph_name="iris_logreg",
    )
