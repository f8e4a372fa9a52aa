"""Would a weighted score make purer rules? A logistic score as a column.

rulec's sums add columns with weights of +1 and -1 only. A weighted score
(a logistic regression's log-odds, every column in it) is the richest
linear test a rule could make. This writes a copy of a benchmark folder in
which every two-class file has one more column, `lr_score`: the log-odds of
a logistic regression (L2, C = 0.1, numeric columns standardised, missing
numbers the train median, categories one-hot with a column for missing)
fitted on the `train` rows and their true labels only, rounded to three
decimals. Files of three or more classes are copied unchanged.

    pip install scikit-learn pandas
    python3 scripts/experiments/lr_column.py ../shared/bench /tmp/lrb
    rulec bench /tmp/lrb

An upper bound, not a feature: the score is fitted on every training row,
the rank rows that order the candidates among them, so rules cutting it
look better there than a score fitted on the fit rows alone would (book:
Benchmark, "A logistic score as a column").
"""

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def main() -> None:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    (dst / "data").mkdir(parents=True, exist_ok=True)
    readme = (src / "README.md").read_text()
    shutil.copy(src / "README.md", dst / "README.md")
    # The dataset table: | name | source | `target` | ...
    targets = dict(re.findall(r"^\| (\w+) \| [^|]*\| `([^`]+)` \|", readme, re.M))
    for path in sorted((src / "data").glob("*.csv")):
        df = pd.read_csv(path)
        target = targets[path.stem]
        y = df[target].astype(str)
        x = df.drop(columns=[target, "split"])
        if y.nunique() == 2:
            cat = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
            dummies = pd.get_dummies(x, columns=cat, dummy_na=True).astype(float)
            train = (df["split"] == "train").to_numpy()
            dummies = dummies.fillna(dummies[train].median())
            z = StandardScaler().fit(dummies[train]).transform(dummies)
            model = LogisticRegression(C=0.1, max_iter=5000).fit(z[train], y[train])
            df.insert(len(x.columns), "lr_score", np.round(model.decision_function(z), 3))
        df.to_csv(dst / "data" / path.name, index=False)
        print(path.stem, target, "score added" if "lr_score" in df else "copied")


if __name__ == "__main__":
    main()
