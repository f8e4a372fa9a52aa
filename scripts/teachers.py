#!/usr/bin/env python3
"""Prints the two tables of the book's Teachers chapter.

1. Test accuracy of each built-in teacher next to scikit-learn's
   HistGradientBoostingClassifier (the benchmark protocol's teacher), and
   scikit-learn's own random forest and MLP for context, on the shared
   benchmark datasets with their `split` column.
2. What --synthetic N changes (coverage, covered precision, fidelity, rules)
   on a generated shipping file and on the benchmark datasets.

    cargo build --release
    python3 scripts/teachers.py [--rulec target/release/rulec] [--bench ../shared/bench]

Needs scikit-learn and pandas for the scikit-learn columns.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

DATASETS = [("breast_cancer", "diagnosis"), ("penguins", "species"),
            ("telco_churn", "churn"), ("credit", "Status")]
# The accuracy table also has mlc_churn: its `state` column (51 levels) is
# where a teacher that learns noise from many categories shows it.
ACCURACY_DATASETS = DATASETS + [("mlc_churn", "churn")]


def compile_report(rulec, data, target, out, *extra):
    subprocess.run([rulec, "compile", data, "--target", target, "--out", out, "-q", "--no-cache", *extra],
                   check=True)
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def sklearn_accuracies(path, target):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    d = pd.read_csv(path)
    x = d.drop(columns=[target, "split"])
    y = d[target].astype(str)
    cat = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    num = [c for c in x.columns if c not in cat]
    for c in cat:
        x[c] = x[c].astype("category")
    train, test = d.split == "train", d.split == "test"
    pre = ColumnTransformer([
        ("n", make_pipeline(SimpleImputer(), StandardScaler()), num),
        ("c", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat),
    ])
    models = [
        HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0),
        make_pipeline(pre, RandomForestClassifier(n_estimators=50, random_state=0)),
        make_pipeline(pre, MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=500, early_stopping=True,
                                         random_state=0)),
    ]
    return [(m.fit(x[train], y[train]).predict(x[test]) == y[test]).mean() for m in models]


def fmt(x):
    return "–" if x is None else f"{x:.3f}"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rulec", default=os.path.join(here, "..", "target", "release", "rulec"))
    ap.add_argument("--bench", default=os.path.join(here, "..", "..", "shared", "bench"))
    args = ap.parse_args()
    work = tempfile.mkdtemp()

    print("| dataset | scikit-learn HGB | rulec forest | rulec gbdt | rulec mlp | scikit-learn RF | scikit-learn MLP |")
    print("|---|---|---|---|---|---|---|")
    for name, target in ACCURACY_DATASETS:
        path = os.path.join(args.bench, "data", name + ".csv")
        ours = [compile_report(args.rulec, path, target, os.path.join(work, f"{name}_{t}"),
                               "--split-column", "split", "--teacher", t)["teacher_accuracy"]
                for t in ("forest", "gbdt", "mlp")]
        try:
            hgb, rf, mlp = sklearn_accuracies(path, target)
        except ImportError:
            hgb = rf = mlp = None
        print(f"| {name} | {fmt(hgb)} | " + " | ".join(fmt(a) for a in ours) + f" | {fmt(rf)} | {fmt(mlp)} |")

    print()
    ship = os.path.join(work, "shipping.csv")
    subprocess.run([args.rulec, "dataset", "shipping", "--rows", "20000", "--out", ship, "-q"], check=True)
    print("| dataset (teacher gbdt) | --synthetic | coverage | covered precision | fidelity | rules |")
    print("|---|---|---|---|---|---|")
    runs = [("shipping (20,000 rows)", ship, "cheapest_shipper", [])] + [
        (n, os.path.join(args.bench, "data", n + ".csv"), t, ["--split-column", "split"]) for n, t in DATASETS]
    for name, path, target, extra in runs:
        for n in (0, 5000, 20000):
            r = compile_report(args.rulec, path, target, os.path.join(work, f"s_{name[:5]}_{n}"),
                               "--teacher", "gbdt", "--synthetic", str(n), *extra)
            print(f"| {name} | {n} | {fmt(r['coverage'])} | {fmt(r['covered_precision'])} | "
                  f"{fmt(r['fidelity'])} | {r['rules']} |")


if __name__ == "__main__":
    sys.exit(main())
