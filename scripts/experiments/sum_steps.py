"""The impurity of sums of columns, term by term, on a file's `train` rows.

Prints, for each expression (a pandas `eval` expression over the file's
columns, names with spaces in backticks), the weighted Gini impurity of its
best single cut on the `train` rows, and how much lower it is than the
previous expression's: what `MIN_GAIN` and `MIN_STEP` in
`compiler/src/sums.rs` quote.

    python3 scripts/experiments/sum_steps.py ../shared/bench/data/penguins.csv species \
        bill_length_mm "bill_length_mm - bill_depth_mm" "bill_length_mm - bill_depth_mm - year"
    python3 scripts/experiments/sum_steps.py ../shared/bench/data/mlc_churn.csv churn \
        "total_day_charge + total_eve_charge + total_night_charge" \
        "total_day_charge + total_eve_charge + total_night_charge + total_intl_charge"
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sums import best_cut_impurity  # noqa: E402


def main() -> None:
    path, target, *expressions = sys.argv[1:]
    data = pd.read_csv(path)
    train = data[data["split"] == "train"]
    y = train[target].astype(str).to_numpy()
    previous = None
    for expression in expressions:
        x = train.eval(expression).to_numpy(dtype=float)
        x = np.where(np.isnan(x), -np.inf, x)
        g = best_cut_impurity(x, y)
        fall = "" if previous is None else f"  {100 * (previous - g) / previous:.1f} % lower"
        print(f"{g:.4f}  {expression}{fall}")
        previous = g


if __name__ == "__main__":
    main()
