"""Where rules on one column at a time lose to the teacher: sums of columns.

For each benchmark-style file (features, target, `split`), a greedy search
on the `train` rows only finds the unweighted sum of numeric columns whose
best single cut separates the target best (Gini impurity), starting from
the best pair and adding columns while the impurity falls. When that sum
beats every single column, a copy of the file with the sum as a new first
column is written to OUT/data, with a README that `rulec bench` reads, so
rulec can be measured with and without the column:

    python3 scripts/experiments/sums.py OUT ../shared/bench/data/mlc_churn.csv:churn
    rulec bench OUT --targets 0.95 [--teacher forest]

This is an analysis, not a feature: rulec does not build such columns
(book: Benchmark, "Sums of columns").
"""

import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def best_cut_impurity(x: np.ndarray, y: np.ndarray) -> float:
    """The weighted Gini impurity of the best single cut `x < t`."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    classes = np.unique(ys)
    cum = np.stack([np.cumsum(ys == c) for c in classes], axis=1)
    cuts = np.nonzero(np.diff(xs))[0]
    if len(cuts) == 0:
        return float("inf")
    n = len(ys)
    left = cum[cuts]
    n_left = cuts + 1
    right = cum[-1] - left
    n_right = n - n_left
    g_left = 1 - ((left / n_left[:, None]) ** 2).sum(axis=1)
    g_right = 1 - ((right / n_right[:, None]) ** 2).sum(axis=1)
    return float(((n_left * g_left + n_right * g_right) / n).min())


def greedy_sum(train: pd.DataFrame, numeric: list, y: np.ndarray):
    """The best single column's impurity, and the greedy sum with its own."""
    value = lambda cols: train[cols].sum(axis=1).to_numpy(dtype=float)
    single = min(best_cut_impurity(value([c]), y) for c in numeric)
    best, chosen = single, None
    for a, b in itertools.combinations(numeric, 2):
        g = best_cut_impurity(value([a, b]), y)
        if g < best:
            best, chosen = g, [a, b]
    while chosen is not None and len(chosen) < len(numeric):
        step = min(
            ((best_cut_impurity(value(chosen + [c]), y), c) for c in numeric if c not in chosen),
            default=(float("inf"), None),
        )
        if step[0] >= best - 1e-4:
            break
        best = step[0]
        chosen = chosen + [step[1]]
    return single, best, chosen


def main(out: Path, specs: list) -> None:
    (out / "data").mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in specs:
        path, target = spec.rsplit(":", 1)
        df = pd.read_csv(path)
        numeric = [
            c
            for c in df.columns
            if c not in (target, "split") and pd.api.types.is_numeric_dtype(df[c])
        ][:40]
        train = df[df["split"] == "train"]
        train = train[numeric].fillna(train[numeric].median())
        y = df.loc[df["split"] == "train", target].astype(str).to_numpy()
        single, best, chosen = greedy_sum(train, numeric, y)
        name = Path(path).stem
        print(f"{name}: best column {single:.3f}, best sum {best:.3f}: {chosen}")
        if chosen is None:
            continue
        df.insert(0, "sum_" + "_".join(chosen), df[chosen].sum(axis=1).round(6))
        df.to_csv(out / "data" / f"{name}_sum.csv", index=False)
        task = "binary" if df[target].nunique() == 2 else "multiclass"
        rows.append(f"| {name}_sum | {Path(path).name} + sum | `{target}` | {task} | {len(df)} | – | – | – |")
    (out / "README.md").write_text(
        "# Benchmark files with a sum of columns (scripts/experiments/sums.py)\n\n"
        "| dataset | source | target | task | rows | numeric | categorical | missing cells |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python3 scripts/experiments/sums.py OUT FILE.csv:TARGET ...")
    main(Path(sys.argv[1]), sys.argv[2:])
