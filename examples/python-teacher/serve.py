#!/usr/bin/env python3
"""A rulec oracle: your own scikit-learn model as rulec's teacher.

rulec starts this program (``--teacher cmd:"python3 serve.py ..."``), sends a
handshake naming the features, then batches of rows, and reads back one label
per row with the class probabilities (protocol ``rulec-oracle/1``, see the
book's reference chapter). Everything but protocol replies goes to stderr.

Here the model is a HistGradientBoostingClassifier trained, at start-up, on a
CSV file of historical rows (``--train``); in production you would load your
fitted pipeline instead (``joblib.load``) and keep the rest of this file.

    python3 serve.py --train model_history.csv --target cheapest_shipper
"""

import argparse
import json
import math
import sys

PROTOCOL = "rulec-oracle/1"


def log(*args):
    print("serve.py:", *args, file=sys.stderr, flush=True)


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def frame(rows, features):
    """Rows as rulec sends them (arrays in handshake order) -> a DataFrame."""
    import pandas as pd

    columns = {}
    for j, f in enumerate(features):
        values = [row[j] for row in rows]
        if f["type"] == "categorical":
            columns[f["name"]] = pd.Categorical(values, categories=f["categories"])
        elif f["type"] == "boolean":
            columns[f["name"]] = [math.nan if v is None else float(v) for v in values]
        else:
            columns[f["name"]] = [math.nan if v is None else float(v) for v in values]
    return pd.DataFrame(columns)


def train(path, target, features):
    """Fits the model on the CSV's rows, typed as rulec typed them."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier

    data = pd.read_csv(path, keep_default_na=True)
    if target not in data.columns:
        raise SystemExit(f"{path}: no column {target!r}")
    missing = [f["name"] for f in features if f["name"] not in data.columns]
    if missing:
        raise SystemExit(f"{path}: no column(s) {missing} that rulec sends")
    data = data[data[target].notna()]
    x = {}
    for f in features:
        col = data[f["name"]]
        if f["type"] == "categorical":
            x[f["name"]] = pd.Categorical(col.astype("string"), categories=f["categories"])
        elif f["type"] == "boolean":
            x[f["name"]] = col.map(
                lambda v: math.nan if pd.isna(v) else float(str(v).strip().lower() in ("true", "1", "yes"))
            )
        else:
            x[f["name"]] = pd.to_numeric(col, errors="coerce")
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(pd.DataFrame(x), data[target].astype(str))
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True, help="CSV of rows to fit the model on")
    parser.add_argument("--target", required=True, help="the column the model predicts")
    args = parser.parse_args()

    hello = json.loads(sys.stdin.readline())
    if hello.get("protocol") != PROTOCOL:
        reply({"error": f"this oracle speaks {PROTOCOL}, not {hello.get('protocol')!r}"})
        return 1
    features, classes = hello["features"], hello["classes"]
    try:
        model = train(args.train, args.target, features)
    except (SystemExit, Exception) as e:  # tell rulec why, in one line
        reply({"error": f"could not train the model: {e}"})
        return 1
    log(f"trained on {args.train}; classes {list(model.classes_)}")
    reply({"ready": True, "name": f"scikit-learn HistGradientBoostingClassifier fitted on {args.train}"})

    column_of = {c: i for i, c in enumerate(model.classes_)}
    for line in sys.stdin:
        request = json.loads(line)
        probs = model.predict_proba(frame(request["rows"], features))
        out_probs, labels = [], []
        for p in probs:
            # In rulec's class order; a class the model never saw gets 0.
            row = [float(p[column_of[c]]) if c in column_of else 0.0 for c in classes]
            out_probs.append(row)
            labels.append(classes[max(range(len(classes)), key=lambda i: row[i])])
        reply({"batch": request["batch"], "labels": labels, "probs": out_probs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
