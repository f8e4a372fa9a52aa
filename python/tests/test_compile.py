"""rulec.compile on pandas, polars and paths; the result object; parity
with the command line."""

import json
import subprocess

import numpy as np
import pytest

import rulec
from conftest import FAST


def strip_source(rules_json: str) -> dict:
    """The rule set without what names the data's source (its file name
    and fingerprint), which differ between a frame and a file."""
    d = json.loads(rules_json)
    d["provenance"]["data_file"] = None
    d["provenance"]["data_sha256"] = None
    return d


def test_finds_the_planted_rule(frame):
    res = rulec.compile(frame, target="y", precision=0.9, progress=False, **FAST)
    assert res.rules, "no rules"
    first = res.rules[0]
    assert first.decision in ("yes", "no")
    yes = [r for r in res.rules if r.decision == "yes"]
    assert yes, [str(r) for r in res.rules]
    text = " ".join(" ".join(r.conditions) for r in yes)
    assert "x <" in text and "zone" in text, text
    assert first.validation.support > 0
    assert 0 < first.validation.precision_lower_bound <= 1
    assert res.report["rules"] == len(res.rules)
    assert 0 < res.report["coverage"] <= 1
    assert res.target == "y"
    assert "rule " in str(first)
    n = len(res.rules)
    assert repr(res).startswith(
        f"<rulec.Result: {n} rule{'' if n == 1 else 's'} deciding `y`, test coverage "
    ), repr(res)


def test_pandas_polars_and_path_give_the_same_rules(frame, csv_path):
    import polars as pl

    a = rulec.compile(frame, target="y", progress=False, **FAST)
    b = rulec.compile(pl.from_pandas(frame), target="y", progress=False, **FAST)
    c = rulec.compile(csv_path, target="y", progress=False, **FAST)
    assert strip_source(a.rules_json) == strip_source(b.rules_json)
    assert strip_source(a.rules_json) == strip_source(c.rules_json)
    assert json.loads(a.rules_json)["provenance"]["data_file"] == "pandas DataFrame"
    assert json.loads(b.rules_json)["provenance"]["data_file"] == "polars DataFrame"
    assert json.loads(c.rules_json)["provenance"]["data_file"] == "planted.csv"


def test_same_frame_same_seed_same_bytes(frame):
    a = rulec.compile(frame, target="y", progress=False, **FAST)
    b = rulec.compile(frame.copy(), target="y", progress=False, **FAST)
    assert a.rules_json == b.rules_json
    c = rulec.compile(frame, target="y", seed=1, progress=False, **FAST)
    assert json.loads(c.rules_json)["provenance"]["seed"] == 1


def files_of(d):
    return {
        str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()
    }


def test_save_writes_what_the_command_line_writes(csv_path, rulec_bin, tmp_path):
    """Parity: same data, options and seed → byte-identical outputs, every
    file (rules.json, report.json, the book, the crate)."""
    cli_out = tmp_path / "cli"
    subprocess.run(
        [
            str(rulec_bin), "compile", str(csv_path), "--target", "y", "--trees", "10",
            "--max-rules", "8", "--seed", "3", "--certify", "rule", "--no-cache",
            "--out", str(cli_out), "--quiet",
        ],
        check=True,
    )
    res = rulec.compile(
        str(csv_path), target="y", trees=10, max_rules=8, seed=3, certify="rule",
        no_cache=True, progress=False,
    )
    py_out = tmp_path / "py"
    res.save(str(py_out))
    cli_files, py_files = files_of(cli_out), files_of(py_out)
    assert sorted(cli_files) == sorted(py_files)
    assert "rules.json" in py_files and "crate/src/rules.rs" in py_files
    for name in cli_files:
        assert cli_files[name] == py_files[name], name
    assert res.rules_json.encode() == cli_files["rules.json"]


def test_split_shares_and_class_certification_as_the_command_line(csv_path, rulec_bin, tmp_path):
    """`split=` and `certify="class"` are the command line's `--split` and
    `--certify class`: the same rules.json, byte for byte."""
    cli_out = tmp_path / "cli"
    subprocess.run(
        [
            str(rulec_bin), "compile", str(csv_path), "--target", "y", "--trees", "10",
            "--split", "50/30/20", "--certify", "class", "--no-cache",
            "--out", str(cli_out), "--quiet",
        ],
        check=True,
    )
    res = rulec.compile(
        str(csv_path), target="y", trees=10, split="50/30/20", certify="class",
        no_cache=True, progress=False,
    )
    assert res.rules_json.encode() == (cli_out / "rules.json").read_bytes()
    assert json.loads(res.rules_json)["provenance"]["split_method"].startswith("stratified 50/30/20")


def test_the_order_as_the_command_line(csv_path, rulec_bin, tmp_path):
    """`order=` is the command line's `--order`: the same rules.json, byte
    for byte, with the choice recorded; a value it does not know is refused
    as the command line refuses it."""
    for order in ("greedy", "confidence"):
        cli_out = tmp_path / f"cli_{order}"
        subprocess.run(
            [
                str(rulec_bin), "compile", str(csv_path), "--target", "y", "--trees", "10",
                "--order", order, "--no-cache", "--out", str(cli_out), "--quiet",
            ],
            check=True,
        )
        res = rulec.compile(
            str(csv_path), target="y", trees=10, order=order, no_cache=True, progress=False,
        )
        assert res.rules_json.encode() == (cli_out / "rules.json").read_bytes()
        recorded = json.loads(res.rules_json)["certification"].get("order")
        if order == "greedy":
            assert recorded is None
        else:
            assert recorded["taken"] == "confidence" and recorded["by_option"] is True
    with pytest.raises(rulec.RulecError, match="possible values are auto, greedy, confidence"):
        rulec.compile(str(csv_path), target="y", order="best", progress=False)


def test_the_auditors_options_as_the_command_line(csv_path, rulec_bin, tmp_path):
    """`forbid`, `groups`, `stability` and `card` are the command line's
    flags: the same rules.json and rule book, byte for byte; a list and a
    comma-separated string name the same columns."""
    card = tmp_path / "card.toml"
    card.write_text('owner = "Risk team"\npurpose = "Route routine cases"\n')
    cli_out = tmp_path / "cli"
    subprocess.run(
        [
            str(rulec_bin), "compile", str(csv_path), "--target", "y", "--trees", "10",
            "--forbid", "zone", "--forbid-teacher", "--groups", "flag", "--stability", "2",
            "--card", str(card), "--no-cache", "--out", str(cli_out), "--quiet",
        ],
        check=True,
    )
    for forbid in (["zone"], "zone"):
        res = rulec.compile(
            str(csv_path), target="y", trees=10, forbid=forbid, forbid_teacher=True,
            groups=["flag"], stability=2, card=str(card), no_cache=True, progress=False,
        )
        assert res.rules_json.encode() == (cli_out / "rules.json").read_bytes()
    rules = json.loads(res.rules_json)
    assert rules["policy"]["forbidden"] == ["zone"]
    assert all(c.get("feature") != "zone" for r in rules["rules"] for c in r["conditions"])
    assert "Risk team" in res.rulebook()
    # The results by group, as rules.json records them.
    assert [(g["column"], g["split"]) for g in res.groups] == [("flag", "validation"), ("flag", "test")]
    assert sum(v["rows"] for v in res.groups[0]["groups"]) == rules["summary"]["validation"]["rows"]
    assert rulec.compile(str(csv_path), target="y", progress=False, **FAST).groups == []


def _saved_with_new_rows(frame, csv_path, tmp_path, seed):
    """A rule set compiled from `csv_path` and saved in `tmp_path / "out"`,
    with the frame's rows shuffled by `seed` as new labelled rows, in memory
    and as `new.csv`."""
    res = rulec.compile(str(csv_path), target="y", progress=False, **FAST)
    res.save(str(tmp_path / "out"))
    new = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    new_path = tmp_path / "new.csv"
    new.to_csv(new_path, index=False)
    return res, new, new_path


def test_check_is_the_command_lines_check(frame, csv_path, rulec_bin, tmp_path):
    import polars as pl

    # A rule set saved, then checked on new labelled rows: a frame, a polars
    # frame and the path give the command line's report, as Markdown and as
    # JSON, and its verdict.
    res, new, new_path = _saved_with_new_rows(frame, csv_path, tmp_path, seed=3)
    cli = subprocess.run(
        [str(rulec_bin), "check", str(tmp_path / "out" / "rules.json"), str(new_path), "--json"],
        capture_output=True, text=True,
    )
    want = json.loads(cli.stdout)
    for data in (new, pl.from_pandas(new), str(new_path)):
        got = res.check(data)
        assert got.report == want
        assert got.passed == (cli.returncode == 0) == bool(got)
        assert got.markdown.startswith("# Check of `")
        assert "| **all rules** |" in got._repr_markdown_()
    # Drifted labels fail it, as the command line exits 1; a column no rule
    # reads may be missing; the target may not.
    flipped = new.assign(y=new["y"].map({"yes": "no", "no": "yes"}))
    assert not res.check(flipped, max_share_shift=0.5).passed
    forbidden = rulec.compile(
        frame.assign(noise=np.arange(len(frame)) % 7), target="y", forbid=["noise"],
        progress=False, **FAST,
    )
    assert forbidden.check(new).report["rows"] == len(new)
    with pytest.raises(rulec.RulecError, match="`y`"):
        res.check(new.drop(columns=["y"]))
    # Its own keywords as Python spells them.
    with pytest.raises(rulec.RulecError, match="^max_share_shift must be between 0 and 1, got 2"):
        res.check(new, max_share_shift=2)


def test_validate_is_the_command_lines_validate(frame, csv_path, rulec_bin, tmp_path):
    import polars as pl

    res, new, new_path = _saved_with_new_rows(frame, csv_path, tmp_path, seed=4)
    for args, kw in [([], {}), (["--precision", "0.9"], {"precision": 0.9})]:
        cli = subprocess.run(
            [str(rulec_bin), "validate", str(tmp_path / "out" / "rules.json"), str(new_path), "--json", *args],
            capture_output=True, text=True, check=True,
        )
        want = json.loads(cli.stdout)
        for data in (new, pl.from_pandas(new), str(new_path)):
            assert res.validate(data, **kw) == want
    with pytest.raises(rulec.RulecError, match="precision must be between 0 and 1"):
        res.validate(new, precision=1.5)
    # A bound at a confidence of one half or less certifies nothing.
    for data in (new, str(new_path)):
        with pytest.raises(rulec.RulecError, match="confidence must be above 0.5, got 0.3"):
            res.validate(data, confidence=0.3)


def test_a_frame_compiles_to_the_rules_of_its_file(frame, csv_path, rulec_bin, tmp_path):
    """A frame and the CSV file it was written to give the same rule set;
    only the source's name and fingerprint differ."""
    out = tmp_path / "cli"
    subprocess.run(
        [str(rulec_bin), "compile", str(csv_path), "--target", "y", "--trees", "10",
         "--no-cache", "--out", str(out), "--quiet"],
        check=True,
    )
    res = rulec.compile(frame, target="y", progress=False, **FAST)
    assert strip_source(res.rules_json) == strip_source((out / "rules.json").read_text())


def test_apply_gives_decisions_and_rules_with_nulls_for_the_fallback(frame, csv_path, rulec_bin):
    import pandas as pd
    import polars as pl

    res = rulec.compile(frame, target="y", progress=False, **FAST)
    new = frame.drop(columns=["y"]).iloc[:200].copy()
    # The rules answer nearly every row of the planted data; rows without
    # `x`, which every rule tests, go to the fallback.
    new.loc[new.index[:20], "x"] = float("nan")
    got = res.apply(new)
    assert isinstance(got, pd.DataFrame)
    assert list(got.columns) == ["decision", "rule"]
    assert len(got) == 200
    assert (got.index == new.index).all()
    covered = got["rule"].notna()
    assert covered.any() and (~covered).any()
    assert (got["decision"].notna() == covered).all()
    names = {r.name for r in res.rules}
    assert set(got.loc[covered, "rule"]) <= names
    # The same from polars, and as `rulec apply` prints them.
    got_pl = res.apply(pl.from_pandas(new))
    assert isinstance(got_pl, pl.DataFrame)
    assert got_pl["decision"].to_list() == [None if pd.isna(v) else v for v in got["decision"]]
    rules_file = csv_path.parent / "apply_rules.json"
    rules_file.write_text(res.rules_json)
    rows_file = csv_path.parent / "apply_rows.csv"
    new.to_csv(rows_file, index=False)
    out = subprocess.run(
        [str(rulec_bin), "apply", str(rules_file), str(rows_file)],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    assert out[0] == "row,decision,rule"
    def cell(v):
        return None if pd.isna(v) else v

    for i, line in enumerate(out[1:201]):
        _, decision, rule = line.split(",")
        assert (decision or None) == cell(got["decision"].iloc[i])
        assert (rule or None) == cell(got["rule"].iloc[i])
    # An empty batch, as a frame or as a file of a header alone: no rows,
    # not an error, from Python and from the command line alike.
    assert len(res.apply(new.iloc[:0])) == 0
    empty_file = csv_path.parent / "apply_empty.csv"
    new.iloc[:0].to_csv(empty_file, index=False)
    assert len(res.apply(str(empty_file))) == 0
    out = subprocess.run(
        [str(rulec_bin), "apply", str(rules_file), str(empty_file)],
        check=True, capture_output=True, text=True,
    ).stdout
    assert out == "row,decision,rule\n"


def test_decisions_have_the_targets_type_and_the_fallback_fills_them(frame):
    import pandas as pd
    import polars as pl

    # The documented recipe: the model fills the rows no rule answers, in
    # the column apply gives. With a target of numbers or booleans the
    # decisions are of that type, not their text.
    for values, dtype in [((1, 0), "Int64"), ((True, False), "boolean"), ((1.0, 0.0), "Float64")]:
        df = frame.assign(y=frame["y"].map({"yes": values[0], "no": values[1]}))
        res = rulec.compile(df, target="y", progress=False, **FAST)
        new = df.drop(columns=["y"]).iloc[:100].copy()
        new.loc[new.index[:10], "x"] = float("nan")
        decided = res.apply(new)
        assert str(decided["decision"].dtype) == dtype, decided["decision"].dtype
        todo = decided["decision"].isna()
        assert todo.any() and (~todo).any()
        decided.loc[todo, "decision"] = df["y"].iloc[: int(todo.sum())].to_numpy()
        assert decided["decision"].notna().all()
        assert set(decided["decision"]) <= set(values)
        got_pl = res.apply(pl.from_pandas(new))
        assert got_pl["decision"].dtype == {"Int64": pl.Int64, "boolean": pl.Boolean, "Float64": pl.Float64}[dtype]
    # A pandas category of numbers is numbers, its decisions too.
    df = frame.assign(y=pd.Categorical(frame["y"].map({"yes": 1, "no": 0})))
    decided = rulec.compile(df, target="y", progress=False, **FAST).apply(df.iloc[:100])
    assert str(decided["decision"].dtype) == "Int64", decided["decision"].dtype
    assert set(decided["decision"].dropna()) <= {0, 1}
    # Booleans or integers with a None among them, which pandas holds as
    # objects: decisions of their type still, equal to the target's values.
    for values, dtype in [((True, False), "boolean"), ((1, 0), "Int64")]:
        y = frame["y"].map({"yes": values[0], "no": values[1]}).astype(object)
        y.iloc[0] = None
        df = frame.assign(y=y)
        assert df["y"].dtype == object
        decided = rulec.compile(df, target="y", progress=False, **FAST).apply(df)
        assert str(decided["decision"].dtype) == dtype, decided["decision"].dtype
        both = decided["decision"].notna() & df["y"].notna()
        assert (decided["decision"][both] == df["y"][both]).mean() > 0.9
    # A target of text: text.
    text = rulec.compile(frame, target="y", progress=False, **FAST).apply(frame.iloc[:5])
    assert pd.api.types.is_string_dtype(text["decision"].dtype), text["decision"].dtype


def test_a_whole_number_target_with_a_tolerance_decides_floats(tmp_path):
    import numpy as np
    import pandas as pd

    # The rules predict numbers (means of their rows), whole or not: the
    # decisions are floats, whatever the rules learned.
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.uniform(0, 10, 3000)})
    df["cnt"] = (np.floor(df.a * 3) + rng.integers(0, 2, 3000)).astype(int)
    res = rulec.compile(df, target="cnt", tolerance=1.5, progress=False, **FAST)
    assert res.rules
    decided = res.apply(df.head(50))
    assert str(decided["decision"].dtype) == "Float64", decided["decision"].dtype
    # Saved and loaded too: rules.json records the tolerance, so the
    # decisions are numbers (they came back as text).
    res.save(str(tmp_path / "out"))
    loaded = rulec.load(str(tmp_path / "out" / "rules.json")).apply(df.head(50))
    assert loaded.equals(decided), (loaded, decided)


def test_a_loaded_rule_set_decides_as_the_type_it_is_told(frame, tmp_path):
    """A target of integers decides Int64; saved and loaded, text, so that
    `decision == y` held on no row; `decision_type` gives the type back."""
    ints = frame.assign(y=(frame["y"] == "yes").astype(int))
    res = rulec.compile(ints, target="y", progress=False, **FAST)
    want = res.apply(ints)
    assert str(want["decision"].dtype) == "Int64"
    res.save(str(tmp_path / "out"))
    path = str(tmp_path / "out" / "rules.json")
    assert rulec.load(path).apply(ints)["decision"].dropna().map(type).eq(str).all()
    assert rulec.load(path, decision_type="int").apply(ints).equals(want)
    with pytest.raises(rulec.RulecError, match="decision_type 'bool': the rule set's classes are not all of that type"):
        rulec.load(path, decision_type="bool")
    with pytest.raises(rulec.RulecError, match="decision_type must be one of"):
        rulec.load(path, decision_type="integer")


def test_a_model_class_given_for_a_model_is_named(frame):
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(rulec.RulecError, match=r"teacher is the class LogisticRegression, not a model: give an instance, e\.g\. teacher=LogisticRegression\(\)"):
        rulec.compile(frame, target="y", teacher=LogisticRegression, progress=False)


def test_a_compile_in_a_child_forked_after_one_is_refused_not_hung(frame, tmp_path):
    import multiprocessing as mp
    import sys

    if sys.platform != "linux":
        pytest.skip("fork is Linux's default start method")
    rulec.compile(frame, target="y", progress=False, **FAST)
    out = tmp_path / "child.txt"

    def child():
        try:
            rulec.compile(frame, target="y", progress=False, **FAST)
            out.write_text("compiled")
        except rulec.RulecError as e:
            out.write_text(str(e))

    p = mp.get_context("fork").Process(target=child)
    p.start()
    p.join(120)
    assert not p.is_alive(), "the forked compile hung"
    assert "Start workers with the spawn or forkserver method" in out.read_text()


def test_a_result_and_a_fitted_cascade_pickle(frame):
    import pickle

    import numpy as np
    from sklearn.tree import DecisionTreeClassifier

    res = rulec.compile(frame.assign(y=frame["y"] == "yes"), target="y", progress=False, **FAST)
    back = pickle.loads(pickle.dumps(res))
    assert back.rules_json == res.rules_json
    assert back.report == res.report
    assert back.rulebook() == res.rulebook()
    assert [str(r) for r in back.rules] == [str(r) for r in res.rules]
    new = frame.drop(columns=["y"]).iloc[:50]
    assert back.apply(new).equals(res.apply(new))
    # What it saves is what the compile saved, report.json included.
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        res.save(os.path.join(tmp, "a"))
        back.save(os.path.join(tmp, "b"))
        for name in sorted(os.listdir(os.path.join(tmp, "a"))):
            path = os.path.join(tmp, "a", name)
            if os.path.isfile(path):
                with open(path, "rb") as f, open(os.path.join(tmp, "b", name), "rb") as g:
                    assert f.read() == g.read(), name
    # A fitted scikit-learn estimator is kept with pickle or joblib.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2))
    y = X[:, 0] > 0.3
    cascade = rulec.RuleCascade(DecisionTreeClassifier(max_depth=3, random_state=0)).fit(X, y)
    again = pickle.loads(pickle.dumps(cascade))
    assert (again.predict(X) == cascade.predict(X)).all()
    # So is the error, as a worker process sends it back.
    err = pickle.loads(pickle.dumps(rulec.RulecError("column `x`: no")))
    assert isinstance(err, rulec.RulecError) and str(err) == "column `x`: no"


def test_an_unfitted_model_without_a_seed_learns_from_the_compiles_seed(frame):
    from sklearn.ensemble import RandomForestClassifier

    def rules(seed):
        model = RandomForestClassifier(n_estimators=10)
        res = rulec.compile(
            frame,
            target="y",
            teacher=model,
            teacher_features=["x", "w"],
            progress=False,
            seed=seed,
        )
        assert model.random_state is None, "the model given is not changed"
        return res.rules_json

    assert rules(3) == rules(3)


def test_unknown_categories_and_missing_values_at_apply_time_go_to_the_fallback(frame):
    import numpy as np

    res = rulec.compile(frame, target="y", progress=False, **FAST)
    zone_rules = [r for r in res.rules if any("zone" in c for c in r.conditions)]
    assert zone_rules
    new = frame.drop(columns=["y"]).iloc[:50].copy()
    new["zone"] = "atlantis"
    new.loc[new.index[:10], "x"] = np.nan
    got = res.apply(new)
    # No rule that names `zone` in a set can cover an unknown zone.
    for rule in got["rule"].dropna():
        r = next(r for r in res.rules if r.name == rule)
        assert not any(" in {" in c and "zone" in c for c in r.conditions), r


def test_rule_book_html_sql_crate_and_load(frame, tmp_path):
    res = rulec.compile(frame, target="y", progress=False, **FAST)
    book = res.rulebook()
    assert book.startswith("#") and res.rules[0].name in book
    html = res._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;!DOCTYPE html&gt;" in html
    assert res.rulebook_html().lstrip().lower().startswith("<!doctype html>")
    sql = res.to_sql(dialect="spark", table="t")
    assert "CASE" in sql and "`t`" in sql
    with pytest.raises(rulec.RulecError, match="dialect"):
        res.to_sql(dialect="oracle")
    # As --teacher-column needs --evidence.
    with pytest.raises(rulec.RulecError, match="teacher_column is for the evidence query"):
        res.to_sql(teacher_column="model")
    assert "GROUP BY" in res.to_sql(evidence=True, teacher_column="model").upper()
    res.emit_crate(str(tmp_path / "crate"))
    assert (tmp_path / "crate" / "Cargo.toml").is_file()
    assert (tmp_path / "crate" / "src" / "rules.rs").is_file()
    # A name Cargo would refuse is changed, with a warning saying to what.
    with pytest.warns(UserWarning, match="the crate is named `rules-1bad-name`"):
        res.emit_crate(str(tmp_path / "named"), name="1bad name")
    assert 'name = "rules-1bad-name"' in (tmp_path / "named" / "Cargo.toml").read_text()
    with pytest.raises(rulec.RulecError, match="^name is empty"):
        res.emit_crate(str(tmp_path / "unnamed"), name="")
    res.save(str(tmp_path / "out"))
    loaded = rulec.load(str(tmp_path / "out" / "rules.json"))
    assert loaded.rules_json == res.rules_json
    assert [r.name for r in loaded.rules] == [r.name for r in res.rules]
    assert loaded.report is None
    assert loaded.rulebook() == res.rulebook()
    assert (loaded.apply(frame).fillna("-") == res.apply(frame).fillna("-")).all().all()
    # No such file is what Python calls it; a file that is no rules.json
    # is rulec's error.
    with pytest.raises(FileNotFoundError, match="nope.json"):
        rulec.load(str(tmp_path / "nope.json"))
    (tmp_path / "not.json").write_text("[]")
    with pytest.raises(rulec.RulecError, match="not.json"):
        rulec.load(str(tmp_path / "not.json"))
    # A directory of someone else's files is refused, named as it was given
    # (not as the command line's `--out`), and left as it was.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    for write in (res.save, res.emit_crate):
        with pytest.raises(rulec.RulecError) as e:
            write(str(mine))
        assert str(e.value).startswith(f"{mine}: directory holds files rulec did not write"), e.value
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    with pytest.raises(rulec.RulecError, match="^with_runtime "):
        res.save(str(tmp_path / "out2"), with_runtime=str(tmp_path / "nowhere"))


def test_progress_reaches_the_callback_and_can_be_silenced(frame, capsys):
    seen = []
    rulec.compile(frame, target="y", progress=lambda *e: seen.append(e), **FAST)
    lines = [text for kind, text, _, _ in seen if kind == "line"]
    assert any(t.startswith("ingest:") for t in lines), lines
    assert any(t.startswith("teach:") for t in lines), lines
    rulec.compile(frame, target="y", progress=False, **FAST)
    assert capsys.readouterr().err == ""
    rulec.compile(frame, target="y", **FAST)
    assert "ingest:" in capsys.readouterr().err


def _worker_cpu_ticks():
    """CPU ticks (user + system) of this process's `rulec-worker-N`
    threads, by thread name (Linux's /proc)."""
    import pathlib

    ticks = {}
    for task in pathlib.Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if name.startswith("rulec-worker-"):
            # utime and stime: the 14th and 15th fields of stat, the 12th
            # and 13th after the name.
            ticks[name] = int(fields[11]) + int(fields[12])
    return ticks


@pytest.mark.skipif(not __import__("pathlib").Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_threads_runs_the_compile_on_that_many_workers(frame):
    """`threads=N` is the command line's `--threads N` for one compile: the
    compile runs on a pool of N threads of its own (named
    `rulec-worker-N`), and its rules are the same bytes as on rayon's
    default pool."""
    seen = []

    def watch(kind, text, done, total):
        seen.append(_worker_cpu_ticks())

    res = rulec.compile(frame, target="y", threads=2, progress=watch, **FAST)
    names = set().union(*seen)
    assert names == {"rulec-worker-0", "rulec-worker-1"}, names
    # The work ran there: the pool's threads spent CPU time (the compile
    # runs on one of them, so at least its stages).
    assert max(sum(t.values()) for t in seen) > 0, seen
    # The pool is the compile's own: its threads end once it returns
    # (they are told to when it is dropped, and leave on their own time).
    import time

    deadline = time.monotonic() + 10
    while _worker_cpu_ticks() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _worker_cpu_ticks() == {}
    assert res.rules_json == rulec.compile(frame, target="y", progress=False, **FAST).rules_json
    assert res.rules_json == rulec.compile(frame, target="y", threads=1, progress=False, **FAST).rules_json
    for bad in (0, 2000):
        with pytest.raises(rulec.RulecError, match=r"threads must be a number of worker threads in 1\.\.=1024, got"):
            rulec.compile(frame, target="y", threads=bad, progress=False, **FAST)
    with pytest.raises(rulec.RulecError, match="option `threads` must be a non-negative integer, got bool"):
        rulec.compile(frame, target="y", threads=True, progress=False, **FAST)


def test_an_interrupt_from_progress_stops_the_compile(frame):
    def stop(kind, text, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rulec.compile(frame, target="y", progress=stop, **FAST)
    # The module still works afterwards.
    assert rulec.compile(frame, target="y", progress=False, **FAST).rules


def test_the_telco_frame_compiles_to_the_rules_of_its_file(telco, rulec_bin, tmp_path):
    """The benchmark's telco data (integers, decimals with missing values,
    text, a split column) as a pandas frame, as a polars frame and as the
    file the command line reads: one rule set."""
    import pandas as pd
    import polars as pl

    out = tmp_path / "cli"
    subprocess.run(
        [str(rulec_bin), "compile", str(telco), "--target", "churn", "--split-column", "split",
         "--teacher", "gbdt", "--no-cache", "--out", str(out), "--quiet"],
        check=True,
    )
    cli = strip_source((out / "rules.json").read_text())
    assert cli["rules"], "the CLI found no rules on telco"
    opts = dict(target="churn", split_column="split", teacher="gbdt", no_cache=True, progress=False)
    assert strip_source(rulec.compile(pd.read_csv(telco), **opts).rules_json) == cli
    assert strip_source(rulec.compile(pl.read_csv(telco), **opts).rules_json) == cli


def test_codes_written_as_numbers_read_as_categories(rulec_bin, tmp_path):
    """`categorical` is `--categorical`: a column of integer codes with a gap
    (floats in pandas) reads as categories `7`, not `7.0`, the same rule set
    as the command line on the CSV, and `apply` reads the codes alike."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    store = rng.integers(1, 41, size=2000).astype(float)
    y = np.where((store * 7) % 11 < 5, "yes", "no")
    store[0] = np.nan
    frame = pd.DataFrame({"store": store, "x": rng.random(2000), "y": y})
    res = rulec.compile(frame, target="y", categorical=["store"], progress=False, **FAST)
    rules = json.loads(res.rules_json)
    feature = next(f for f in rules["features"] if f["name"] == "store")
    assert feature["kind"]["type"] == "categorical", feature
    assert "7" in feature["kind"]["categories"] and "7.0" not in feature["kind"]["categories"]
    assert any(
        c["feature"] == "store" and c["test"] in ("in", "not_in")
        for r in rules["rules"]
        for c in r["conditions"]
    ), rules["rules"]
    csv_path = tmp_path / "codes.csv"
    frame.to_csv(csv_path, index=False)
    out = tmp_path / "cli"
    subprocess.run(
        [str(rulec_bin), "compile", str(csv_path), "--target", "y", "--categorical", "store",
         "--trees", "10", "--no-cache", "--out", str(out), "--quiet"],
        check=True,
    )
    assert strip_source(res.rules_json) == strip_source((out / "rules.json").read_text())
    as_ints = frame.iloc[1:].astype({"store": "int64"})
    a = res.apply(as_ints).reset_index(drop=True)
    b = res.apply(frame.iloc[1:]).reset_index(drop=True)
    assert a.equals(b)
    assert a["decision"].notna().mean() > 0.8


def test_an_index_written_by_pandas_is_left_out(tmp_path):
    """A frame written with `to_csv()` (its index kept) and read back with
    `read_csv` has an `Unnamed: 0` first column numbering the rows; sorted
    by class, it would split them. It is left out, with a note."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(8)
    x = rng.random(3000) * 100
    frame = pd.DataFrame({"x": x, "y": np.where(x < 50, "lo", "hi")})
    frame = frame.sort_values("y").reset_index(drop=True)
    path = tmp_path / "written.csv"
    frame.to_csv(path)
    read_back = pd.read_csv(path)
    assert read_back.columns[0] == "Unnamed: 0"
    for data in (read_back, str(path)):
        res = rulec.compile(data, target="y", progress=False, **FAST)
        rules = json.loads(res.rules_json)
        assert [f["name"] for f in rules["features"]] == ["x"], rules["features"]
        # The file's first column has no name; read back, pandas named it,
        # as rulec names it in the file.
        said = "the first column has no name (`Unnamed: 0`, as pandas names it)"
        assert any(said in n for n in res.notes), res.notes


def test_a_column_without_a_name_is_named_as_pandas_names_it(tmp_path):
    """A header with an empty name past the first: rulec reads the file as
    pandas does (`Unnamed: 1`), so rules compiled from the file apply to
    the frame pandas reads from it, and the frame compiles to the same
    rules."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(9)
    x = rng.random(3000) * 100
    path = tmp_path / "unnamed.csv"
    lines = ["noise,,y"] + [
        f"{rng.integers(0, 100)},{v:.3f},{'lo' if v < 50 else 'hi'}" for v in x
    ]
    path.write_text("\n".join(lines) + "\n")
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["noise", "Unnamed: 1", "y"]
    from_file = rulec.compile(str(path), target="y", progress=False, **FAST)
    features = [f["name"] for f in json.loads(from_file.rules_json)["features"]]
    assert features == ["noise", "Unnamed: 1"], features
    applied = from_file.apply(frame)
    assert applied["decision"].notna().mean() > 0.8
    from_frame = rulec.compile(frame, target="y", progress=False, **FAST)
    assert [r.conditions for r in from_frame.rules] == [r.conditions for r in from_file.rules]


def test_a_total_becomes_a_sum_unless_no_sums(tmp_path):
    """Where the label follows a total, the rules test the sum (as the DSL
    prints it and as rules.json stores it); `no_sums=True` is `--no-sums`."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 4000
    df = pd.DataFrame(
        {
            "day": rng.uniform(0, 40, n).round(1),
            "eve": rng.uniform(0, 40, n).round(1),
            "night": rng.uniform(0, 40, n).round(1),
            "calls": rng.integers(0, 9, n),
        }
    )
    total = df["day"] + df["eve"] + df["night"]
    flip = rng.uniform(size=n) < 0.02
    df["churn"] = np.where((total > 75) ^ flip, "yes", "no")

    res = rulec.compile(df, target="churn", progress=False, **FAST)
    sums = [
        c
        for r in res.rules
        for c in r.conditions_json
        if c["test"] == "sum"
    ]
    assert sums, [str(r) for r in res.rules]
    assert all(sorted(c["features"]) == ["day", "eve", "night"] for c in sums), sums
    assert any(" + " in c for r in res.rules for c in r.conditions)

    plain = rulec.compile(df, target="churn", no_sums=True, progress=False, **FAST)
    assert not any(
        c["test"] == "sum" for r in plain.rules for c in r.conditions_json
    ), [str(r) for r in plain.rules]
    with pytest.raises(rulec.RulecError, match="no_sums is for class targets"):
        rulec.compile(df, target="day", tolerance=1.0, no_sums=True, progress=False)


def test_a_feather_category_of_numbers_reads_as_codes(tmp_path, rulec_bin):
    # pandas writes a `category` column of whole numbers to Feather as an
    # Arrow dictionary of integers: the user said they are codes, and the
    # command line reads them as categories (as --categorical would), not as
    # numbers a rule could compare.
    import pandas as pd

    rng = np.random.default_rng(1)
    state = rng.choice([3, 5, 7, 11, 13], 2000)
    frame = pd.DataFrame({
        "state": pd.Series(state).astype("category"),
        "x": rng.random(2000),
        "y": np.where(np.isin(state, [3, 7]), "a", "b"),
    })
    path = tmp_path / "codes.feather"
    frame.to_feather(path)
    out = tmp_path / "out"
    subprocess.run(
        [str(rulec_bin), "compile", str(path), "--target", "y", "--out", str(out), "-q"],
        check=True,
    )
    rules = json.loads((out / "rules.json").read_text())
    kinds = {f["name"]: f["kind"] for f in rules["features"]}
    assert kinds["state"] == {"type": "categorical", "categories": ["11", "13", "3", "5", "7"]}
    tests = [c["test"] for r in rules["rules"] for c in r["conditions"]]
    assert "cmp" not in tests, rules["rules"]


def test_a_boolean_target_is_checked_on_labels_written_true_or_TRUE(frame):
    """A target of booleans has the classes true and false; a batch whose
    labels are the words pandas (True) or R (TRUE) writes is validated as
    the same classes (every decision counted wrong before)."""
    booly = frame.assign(y=frame["y"] == "yes")
    res = rulec.compile(booly, target="y", progress=False, **FAST)
    want = res.validate(booly)
    assert want["all"]["correct"] > 0
    for yes, no in (("True", "False"), ("TRUE", "FALSE")):
        texts = booly.assign(y=booly["y"].map({True: yes, False: no}))
        got = res.validate(texts)
        assert got["all"]["correct"] == want["all"]["correct"], (yes, got["all"])
        assert "foreign_labels" not in got, got["foreign_labels"]
        assert res.check(texts).passed == res.check(booly).passed


def test_a_set_of_no_rules_decides_every_row_of_a_frame_without_its_columns(frame):
    """A frame with none of the rule set's columns became a frame of no
    rows: polars' apply returned no row, pandas' raised a ValueError."""
    import pandas as pd
    import polars as pl

    none = rulec.compile(frame, target="y", precision=0.999999, progress=False, **FAST)
    assert none.rules == []
    new = pd.DataFrame({"foo": range(5)}, index=range(100, 105))
    got = none.apply(new)
    assert len(got) == 5 and got["rule"].isna().all(), got
    got = none.apply(pl.from_pandas(new))
    assert got.height == 5 and got["rule"].null_count() == 5, got
    # A set with rules still names the columns it lacks, as the frame has them.
    some = rulec.compile(frame, target="y", progress=False, **FAST)
    assert some.rules
    with pytest.raises(rulec.RulecError, match="lacks the rule set's column.*columns are: `foo`$"):
        some.apply(new)


def test_an_empty_label_in_a_frame_is_missing_as_in_a_file(frame, tmp_path):
    """An empty text in the target of a frame was a class (`""`), while the
    same frame as CSV left those rows out: a frame and its file gave other
    rules."""
    blank = frame.assign(y=frame["y"].where(frame.index % 50 != 0, ""))
    path = tmp_path / "blank.csv"
    blank.to_csv(path, index=False)
    from_frame = rulec.compile(blank, target="y", progress=False, **FAST)
    from_file = rulec.compile(str(path), target="y", progress=False, **FAST)
    assert "" not in from_frame._json["target"]["classes"]
    assert strip_source(from_frame.rules_json) == strip_source(from_file.rules_json)
