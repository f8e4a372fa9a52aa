#!/usr/bin/env python3
"""The in-process teacher against the same model behind ``--teacher cmd:``.

One scikit-learn model (one-hot encoding and a random forest, fitted on the
telco data's training rows) labels the telco rows twice: called in-process
by ``rulec.compile(df, teacher=model)``, and as a program speaking the
oracle protocol (``rulec compile --teacher cmd:...``, the model unpickled by
a small server). Both run with the same options and batch size; the script
prints the teach stage's seconds and the whole compile's, best of N runs.

    python python/bench/teacher_speed.py [TELCO_CSV] [--runs 3] [--repeat 1] [--rulec PATH]

``--repeat N`` compiles the rows N times over (the model is fitted on the
original training rows), to see the cost per row without the program's
start-up.
"""

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time

SERVER = r'''
import json, math, pickle, sys
import pandas as pd
model = pickle.load(open(sys.argv[1], "rb"))
hello = json.loads(sys.stdin.readline())
features, classes = hello["features"], hello["classes"]
names = [f["name"] for f in features]
want = list(model.feature_names_in_)
print(json.dumps({"ready": True, "name": type(model).__name__}), flush=True)
index = {str(c): i for i, c in enumerate(model.classes_)}
for line in sys.stdin:
    req = json.loads(line)
    cols = {}
    for j, f in enumerate(features):
        vals = [row[j] for row in req["rows"]]
        if f["type"] == "categorical":
            cols[f["name"]] = pd.array(vals, dtype=object)
        else:
            cols[f["name"]] = [math.nan if v is None else float(v) for v in vals]
    p = model.predict_proba(pd.DataFrame(cols)[want])
    probs = [[float(r[index[c]]) if c in index else 0.0 for c in classes] for r in p]
    labels = [classes[max(range(len(classes)), key=lambda i: r[i])] for r in probs]
    print(json.dumps({"batch": req["batch"], "labels": labels, "probs": probs}), flush=True)
'''


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=os.path.join(repo, "..", "shared", "bench", "data", "telco_churn.csv"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--rulec", default=os.environ.get("RULEC_BIN", os.path.join(repo, "target", "release", "rulec")))
    args = ap.parse_args()

    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    import rulec

    df = pd.read_csv(args.data)
    train = df[df["split"] == "train"]
    features = [c for c in df.columns if c not in ("churn", "split")]
    text = [c for c in features if not pd.api.types.is_numeric_dtype(df[c])]
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"), text), remainder="passthrough"),
        RandomForestClassifier(n_estimators=200, min_samples_leaf=10, random_state=0, n_jobs=1),
    ).fit(train[features], train["churn"])

    work = tempfile.mkdtemp()
    if args.repeat > 1:
        df = pd.concat([df] * args.repeat, ignore_index=True)
        args.data = os.path.join(work, "data.csv")
        df.to_csv(args.data, index=False)
    with open(os.path.join(work, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    with open(os.path.join(work, "serve.py"), "w") as f:
        f.write(SERVER)
    cmd = f"cmd:{sys.executable} {work}/serve.py {work}/model.pkl"

    inproc, oracle = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        res = rulec.compile(df, target="churn", teacher=model, split_column="split", progress=False)
        total = time.perf_counter() - t
        inproc.append((res.timings["teach"], total))
        t = time.perf_counter()
        out = subprocess.run(
            [args.rulec, "compile", args.data, "--target", "churn", "--split-column", "split",
             "--teacher", cmd, "--no-cache", "--out", os.path.join(work, "out")],
            check=True, capture_output=True, text=True,
        ).stderr
        total = time.perf_counter() - t
        teach = float(re.search(r"teach ([0-9.]+)s", out).group(1))
        oracle.append((teach, total))
    best = lambda xs, i: min(x[i] for x in xs)
    print(f"rows: {len(df)}; model: {type(model[-1]).__name__} in a Pipeline; runs: {args.runs} (best)")
    print(f"in-process teacher: teach {best(inproc, 0):.2f} s, compile {best(inproc, 1):.2f} s")
    print(f"cmd: teacher:       teach {best(oracle, 0):.2f} s, compile {best(oracle, 1):.2f} s")


if __name__ == "__main__":
    main()
