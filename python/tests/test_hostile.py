"""Bad input: one clear line, never a crash."""

import numpy as np
import pytest

import rulec
from conftest import FAST


def one_line(e):
    text = str(e.value)
    assert "\n" not in text, text
    return text


def test_an_empty_frame(frame):
    with pytest.raises(rulec.RulecError) as e:
        rulec.compile(frame.iloc[:0], target="y", progress=False, **FAST)
    assert one_line(e) == "pandas DataFrame: has columns but no rows"
    import pandas as pd
    import polars as pl

    with pytest.raises(rulec.RulecError, match="has no columns"):
        rulec.compile(pd.DataFrame(), target="y", progress=False, **FAST)
    with pytest.raises(rulec.RulecError, match="polars DataFrame: has columns but no rows"):
        rulec.compile(pl.from_pandas(frame).head(0), target="y", progress=False, **FAST)


def test_a_missing_target(frame):
    with pytest.raises(rulec.RulecError) as e:
        rulec.compile(frame, target="churn", progress=False, **FAST)
    assert one_line(e) == (
        "pandas DataFrame: no column `churn` (given as target); "
        "columns are: `x`, `w`, `zone`, `flag`, `y`"
    )


def test_wrong_dtypes(frame):
    import json

    import pandas as pd

    # A timestamp column is left out, with a note; the rules read the others.
    dates = frame.assign(when=pd.date_range("2024-01-01", periods=len(frame), freq="h"))
    seen = []
    result = rulec.compile(dates, target="y", progress=lambda *e: seen.append(e), **FAST)
    lines = [text for kind, text, _, _ in seen if kind == "line"]
    assert any(
        t.startswith("note: column `when` has type datetime") and "is left out" in t for t in lines
    ), lines
    features = [f["name"] for f in json.loads(result.rules_json)["features"]]
    assert features == ["x", "w", "zone", "flag"]
    assert [n for n in result.notes if n.startswith("column `when` has type datetime")], result.notes
    assert rulec.compile(frame, target="y", progress=False, **FAST).notes == []
    assert result.rules
    mixed = frame.assign(odd=[1 if i % 2 else "a" for i in range(len(frame))])
    with pytest.raises(rulec.RulecError) as e:
        rulec.compile(mixed, target="y", progress=False, **FAST)
    assert "column `odd` cannot be read" in one_line(e)
    with pytest.raises(rulec.RulecError, match="data must be a pandas or polars DataFrame"):
        rulec.compile([[1, 2]], target="y")
    with pytest.raises(rulec.RulecError, match="single class"):
        rulec.compile(frame.assign(y="same"), target="y", progress=False, **FAST)


def test_narrow_number_types_read_as_numbers(frame):
    import json

    import numpy as np

    # pandas writes counts and flags as uint8 and small codes as uint16;
    # float16 is numpy's half. Each is a number to the rules, as int64 is.
    narrow = frame.assign(
        x=frame["x"].round().astype(np.uint8),
        w=(frame["w"] * 10).round().clip(0).astype(np.uint16),
        h=frame["w"].astype(np.float16),
    )
    result = rulec.compile(narrow, target="y", progress=False, **FAST)
    kinds = {f["name"]: f["kind"]["type"] for f in json.loads(result.rules_json)["features"]}
    assert all(kinds[c] == "numeric" for c in ["x", "w", "h"]), kinds
    text = " ".join(" ".join(r.conditions) for r in result.rules)
    assert "x <" in text, text


def test_pandas_extension_columns_are_left_out_with_a_note(frame):
    import numpy as np
    import pandas as pd

    # Intervals and periods reach Arrow as extension types polars cannot
    # read; a sparse column as no Arrow type at all. The sparse one is read
    # as its numbers; the interval (its two ends) and the period (a date)
    # are left out with a note naming them, as struct and date columns are.
    n = len(frame)
    odd = frame.assign(
        span=pd.arrays.IntervalArray.from_breaks(np.arange(n + 1)),
        month=pd.period_range("2000-01", periods=n, freq="M"),
        s=pd.arrays.SparseArray(frame["x"].to_numpy()),
    )
    result = rulec.compile(odd, target="y", progress=False, **FAST)
    notes = " ".join(result.notes)
    assert "column `span` has type struct" in notes, notes
    assert "column `month` has type datetime" in notes, notes
    import json

    kinds = {f["name"]: f["kind"]["type"] for f in json.loads(result.rules_json)["features"]}
    assert kinds.get("s") == "numeric" and "span" not in kinds and "month" not in kinds, kinds


def test_notes_and_progress_name_options_as_python_passes_them(frame):
    import numpy as np

    # A column of row numbers draws the note that tells how to keep rules
    # off it: the command line's `--forbid`, Python's `forbid`.
    numbered = frame.assign(row_id=np.arange(len(frame)))
    lines = []
    result = rulec.compile(
        numbered,
        target="y",
        progress=lambda kind, text, done, total: lines.append(text),
        **FAST,
    )
    said = [n for n in result.notes if "row_id" in n]
    assert said and 'keep rules off it with forbid="row_id"' in said[0], result.notes
    assert any('forbid="row_id"' in line for line in lines), lines
    assert not any("--forbid" in text for text in result.notes + lines), (result.notes, lines)
    # A value before a parenthesis, and one that ends the note, too.
    coded = rulec.compile(
        frame.assign(
            zone_code=frame["zone"].map({"north": 1, "east": 2, "south": 3, "west": 4}),
            split=np.array(["train", "valid", "test"])[np.arange(len(frame)) % 3],
        ),
        target="y", progress=False, **FAST,
    )
    notes = " ".join(coded.notes)
    assert 'give split_column="split" (' in notes, coded.notes
    assert 'read them as categories with categorical="zone_code"' in notes, coded.notes


def test_warnings_say_what_the_compile_said_of_the_rules(frame):
    # A copy of the target among the features decides it alone: the
    # compile says so, quietly too, as the rule book's first lines do.
    leaky = frame.assign(answer=frame["y"])
    result = rulec.compile(leaky, target="y", progress=False, **FAST)
    said = [w for w in result.warnings if "answer" in w]
    assert said and said[0].startswith("note: "), result.warnings
    # The book says it too (options as the command line names them).
    assert "One column, `answer`, decides" in said[0], said[0]
    assert "decides 100.0 % of the validation rows without an error" in result.rulebook()
    assert 'forbid="answer"' in said[0] and "--forbid" not in said[0], said[0]
    # Nothing to say of a compile without such a column.
    assert not [w for w in rulec.compile(frame, target="y", progress=False, **FAST).warnings if "answer" in w]
    # Too few rows to certify anything: the compile says why.
    few = rulec.compile(frame.iloc[:60], target="y", progress=False, **FAST)
    assert few.rules == [] and few.warnings, few.warnings
    assert few.warnings[0].startswith("note: "), few.warnings


def test_options_as_the_command_line_checks_them(frame):
    with pytest.raises(rulec.RulecError) as e:
        rulec.compile(frame, target="y", precision=1.5, max_rules=0, progress=False)
    # The command line's messages, the options named as Python passes them.
    assert one_line(e) == (
        "precision must be between 0 and 1 (exclusive), got 1.5; max_rules must be at least 1"
    )
    with pytest.raises(rulec.RulecError) as e:
        rulec.compile(frame, target="y", teacher="gbdt", teacher_paths=True, progress=False)
    assert one_line(e) == (
        "teacher_paths offers the paths of the random forest's own trees as candidates; "
        'teacher="gbdt" keeps no such trees (use teacher="forest", or leave teacher_paths out)'
    )
    with pytest.raises(rulec.RulecError) as e:
        rulec.compile(frame, target="y", certify="all", progress=False)
    assert one_line(e) == "invalid value 'all' for 'certify': possible values are set, class, rule"
    with pytest.raises(rulec.RulecError, match="unknown option `max_rule`; the options are"):
        rulec.compile(frame, target="y", max_rule=3)
    with pytest.raises(rulec.RulecError, match="option `seed` must be a non-negative integer, got str"):
        rulec.compile(frame, target="y", seed="one", progress=False)
    # Python's True is the integer 1; as a count it is a slip, refused.
    with pytest.raises(rulec.RulecError, match="option `max_rules` must be a non-negative integer, got bool True"):
        rulec.compile(frame, target="y", max_rules=True, progress=False)
    with pytest.raises(rulec.RulecError, match="`oak` is not a teacher; expected `forest`"):
        rulec.compile(frame, target="y", teacher="oak", progress=False)
    with pytest.raises(rulec.RulecError, match="possible values are set, class, rule"):
        rulec.compile(frame, target="y", certify="all", progress=False)
    with pytest.raises(rulec.RulecError, match="sum to 100.*`60/30/20`"):
        rulec.compile(frame, target="y", split="60/30/20", progress=False)
    with pytest.raises(rulec.RulecError, match="neither predict_proba nor predict"):
        rulec.compile(frame, target="y", teacher=object(), progress=False)


def test_a_missing_file(tmp_path):
    with pytest.raises(rulec.RulecError, match="nothing.csv"):
        rulec.compile(tmp_path / "nothing.csv", target="y", progress=False)


def test_apply_names_what_is_wrong(frame):
    res = rulec.compile(frame, target="y", progress=False, **FAST)
    # A condition names its column first (`x < 3`, `zone in {...}`, `flag`),
    # or after `not` (`not flag`).
    used = {c.split()[c.startswith("not ")] for r in res.rules for c in r.conditions}
    col = sorted(used)[0]
    with pytest.raises(rulec.RulecError) as e:
        res.apply(frame.drop(columns=[col]))
    assert f"lacks the rule set's column(s) `{col}`" in one_line(e)
    # The columns listed are the frame's, all of them, not the few kept
    # for the rules (nor a word on a file's header line).
    listed = ", ".join(f"`{c}`" for c in frame.drop(columns=[col]).columns)
    assert one_line(e).endswith(f"columns are: {listed}"), one_line(e)
    with pytest.raises(rulec.RulecError) as e:
        res.apply(frame.rename(columns=str.upper))
    assert one_line(e).endswith("columns are: " + ", ".join(f"`{c.upper()}`" for c in frame.columns))
    if "x" in used:
        with pytest.raises(
            rulec.RulecError,
            match="column `x` has `far` on row 1, which is not a number; the rules expect numbers",
        ):
            res.apply(frame.assign(x="far"))
    empty = res.apply(frame.iloc[:0])
    assert len(empty) == 0 and list(empty.columns) == ["decision", "rule"]
    nan_rows = res.apply(frame.assign(x=np.nan, w=np.nan).iloc[:20])
    assert len(nan_rows) == 20


def _small():
    import pandas as pd

    r = np.random.RandomState(0)
    df = pd.DataFrame({"a": r.rand(1000), "b": r.randint(0, 5, 1000)})
    hi = (df.a > 0.5).to_numpy()
    return df, hi


def test_the_cascade_maps_every_kind_of_label_back():
    from sklearn.tree import DecisionTreeClassifier

    df, hi = _small()
    # rulec writes 1e16 as `1e+16`, -0.0 as `-0.0`, b"a" as `a`: predict
    # still answers y's own labels (it raised KeyError).
    for a, b in [(1e16, 2e16), (-0.0, 1.0), (b"a", b"b")]:
        y = np.where(hi, a, b)
        cascade = rulec.RuleCascade(DecisionTreeClassifier(max_depth=3)).fit(df, y)
        assert set(cascade.predict(df)) <= set(y), (a, b)
    # Labels of mixed types, or ones rulec cannot map back: said at fit.
    with pytest.raises(rulec.RulecError, match=r"y mixes types \(int, str\)"):
        rulec.RuleCascade(DecisionTreeClassifier()).fit(df, np.array([1 if v else "no" for v in hi], dtype=object))
    dates = np.where(hi, np.datetime64("2020-01-01"), np.datetime64("2021-01-01"))
    with pytest.raises(rulec.RulecError, match="give y as text or plain numbers"):
        rulec.RuleCascade(DecisionTreeClassifier(max_depth=3)).fit(df, dates)
    # seed=None as compile takes it; MultiIndex columns named by their text;
    # options cannot name another teacher.
    y = np.where(hi, "yes", "no")
    assert rulec.RuleCascade(DecisionTreeClassifier(), seed=None).fit(df, y).coverage_ > 0
    import pandas as pd

    multi = df.set_axis(pd.MultiIndex.from_tuples([("f", "a"), ("f", "b")]), axis=1)
    assert rulec.RuleCascade(DecisionTreeClassifier()).fit(multi, y).coverage_ > 0
    with pytest.raises(rulec.RulecError, match="options must not set `teacher`"):
        rulec.RuleCascade(DecisionTreeClassifier(), options={"teacher": "gbdt"}).fit(df, y)


def test_decisions_keep_the_targets_width_and_range():
    import polars as pl

    df, hi = _small()
    # A uint64 target past the int64 range: UInt64 decisions (it crashed).
    big = df.assign(y=np.where(hi, np.uint64(2**64 - 1), np.uint64(2**64 - 2)))
    res = rulec.compile(big, target="y", progress=False)
    assert str(res.apply(big)["decision"].dtype) == "UInt64"
    assert res.apply(pl.from_pandas(big))["decision"].dtype == pl.UInt64
    # A float32 target: float32 decisions, equal to the target where right.
    f32 = df.assign(y=np.where(hi, 0.1, 0.2).astype(np.float32))
    out = rulec.compile(f32, target="y", progress=False).apply(f32)
    assert str(out["decision"].dtype) == "Float32"
    covered = out["rule"].notna()
    assert covered.any() and (out["decision"][covered] == f32["y"][covered]).all()
    # Columns named by integers: the target `2` is the column 2, an int.
    ints = df.assign(y=hi.astype(int)).set_axis([0, 1, 2], axis=1)
    assert str(rulec.compile(ints, target="2", progress=False).apply(ints)["decision"].dtype) == "Int64"


def test_apply_reads_only_the_columns_the_rules_know():
    import pandas as pd

    df, hi = _small()
    df["y"] = np.where(hi, "yes", "no")
    res = rulec.compile(df, target="y", progress=False)
    want = res.apply(df)
    # Free text mixing types, complex numbers, a duplicate of the target:
    # columns no rule reads are not read at all.
    for extra in (
        df.assign(note=[1 if i % 2 else "n/a" for i in range(len(df))]),
        df.assign(z=df.a + 1j),
        pd.concat([df, df[["y"]]], axis=1),
    ):
        assert res.apply(extra).equals(want)


def test_a_teacher_that_answers_the_wrong_shape_is_named():
    df, hi = _small()
    df["y"] = np.where(hi, "yes", "no")

    class Long:
        def predict(self, X):
            return np.array(["yes"] * (len(X) + 1))

    class Wide:
        classes_ = np.array(["no", "yes"])

        def predict_proba(self, X):
            return np.tile([0.0, 0.1, 0.9], (len(X), 1))

    class Interrupted:
        classes_ = np.array(["no", "yes"])

        def predict_proba(self, X):
            raise KeyboardInterrupt

    with pytest.raises(rulec.RulecError, match=r"predict answered an array of shape \(1001,\) for 1000 rows"):
        rulec.compile(df, target="y", teacher=Long(), progress=False, no_cache=True)
    with pytest.raises(rulec.RulecError, match="predict_proba answered 3 columns but the model's classes_ has 2"):
        rulec.compile(df, target="y", teacher=Wide(), progress=False, no_cache=True)
    with pytest.raises(rulec.RulecError, match="teacher_features is empty"):
        rulec.compile(df, target="y", teacher=Wide(), teacher_features=[], progress=False)
    # An interrupt inside the model is an interrupt, not a RulecError.
    with pytest.raises(KeyboardInterrupt):
        rulec.compile(df, target="y", teacher=Interrupted(), progress=False, no_cache=True)


def test_small_things_a_robustness_pass_found(tmp_path, monkeypatch):
    import sys

    df, hi = _small()
    df["y"] = np.where(hi, "yes", "no")
    res = rulec.compile(df, target="y", progress=False)
    # A rule is frozen, and hashable.
    assert len({res.rules[0], res.rules[0]}) == 1
    # No standard error at all (pythonw): progress prints nothing, no crash.
    monkeypatch.setattr(sys, "stderr", None)
    assert rulec.compile(df, target="y", no_cache=True).rules
    monkeypatch.undo()
    # A folder that cannot be made is named as given, not rulec's scratch.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(rulec.RulecError) as e:
        res.save(str(blocker / "out"))
    assert "rulec-tmp" not in str(e.value) and str(blocker / "out") in str(e.value), str(e.value)
    # An option that cannot apply to a model in this process is refused.
    from sklearn.tree import DecisionTreeClassifier

    with pytest.raises(rulec.RulecError, match="oracle_timeout is for a cmd: teacher"):
        rulec.compile(df, target="y", teacher=DecisionTreeClassifier(), oracle_timeout=1, progress=False)
