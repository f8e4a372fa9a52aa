"""A scikit-learn model as the teacher, in-process; the estimator; Ctrl-C."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

import rulec
from conftest import FAST


def teacher_option(res):
    return dict(json.loads(res.rules_json)["provenance"]["options"])["teacher"]


def test_a_fitted_model_is_the_teacher(frame):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    x = frame.drop(columns=["y"])
    model = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["zone"]), remainder="passthrough"
        ),
        RandomForestClassifier(n_estimators=30, random_state=0),
    ).fit(x, frame["y"])
    res = rulec.compile(frame, target="y", teacher=model, progress=False, no_cache=True)
    assert res.rules
    assert teacher_option(res) == "python:Pipeline"
    # A model fitted elsewhere: the book does not vouch for what it saw.
    assert "ran outside rulec" in res.rulebook()
    assert 0 < res.report["fidelity"] <= 1
    # In-process, deterministic: the same model gives the same bytes.
    again = rulec.compile(frame, target="y", teacher=model, progress=False, no_cache=True)
    assert again.rules_json == res.rules_json


def test_a_models_labels_are_never_cached(frame, tmp_path):
    # Two models of one class, saying opposite things, with the label cache
    # on: a model's name says nothing of its weights, so the second must be
    # asked, not served the first one's labels.
    class Always:
        classes_ = np.array(["no", "yes"])
        feature_names_in_ = np.array(["x"])

        def __init__(self, p):
            self.p = p

        def predict_proba(self, x):
            return np.tile(self.p, (len(x), 1))

    opts = dict(target="y", cache_dir=str(tmp_path), progress=False)
    no = rulec.compile(frame, teacher=Always([0.9, 0.1]), **opts)
    yes = rulec.compile(frame, teacher=Always([0.1, 0.9]), **opts)
    assert no.report["teacher_accuracy"] > 0.6 > yes.report["teacher_accuracy"], (
        no.report["teacher_accuracy"],
        yes.report["teacher_accuracy"],
    )


def test_the_model_sees_only_its_own_columns(frame):
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(frame[["x", "flag"]], frame["y"])
    res = rulec.compile(frame, target="y", teacher=model, progress=False, no_cache=True)
    assert res.rules


def test_a_model_fitted_on_other_columns_is_a_clear_error(frame):
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    other = pd.DataFrame({"x": frame["x"], "colour": frame["w"]})
    model = DecisionTreeClassifier(max_depth=3).fit(other, frame["y"])
    with pytest.raises(rulec.RulecError, match=r"`colour`.*features: `x`, `w`, `zone`, `flag`"):
        rulec.compile(frame, target="y", teacher=model, progress=False)
    target = pd.DataFrame({"x": frame["x"], "y": frame["x"]})
    model = DecisionTreeClassifier(max_depth=3).fit(target, frame["y"])
    with pytest.raises(rulec.RulecError, match=r"`y`.*target"):
        rulec.compile(frame, target="y", teacher=model, progress=False)


def test_a_model_without_names_needs_teacher_features_to_match(frame):
    from sklearn.linear_model import LogisticRegression

    arr = frame[["x", "w"]].to_numpy()
    model = LogisticRegression().fit(arr, frame["y"])
    with pytest.raises(rulec.RulecError, match="fitted on 2 columns but is given 4"):
        rulec.compile(frame, target="y", teacher=model, progress=False)
    res = rulec.compile(
        frame, target="y", teacher=model, teacher_features=["x", "w"], progress=False,
        no_cache=True,
    )
    assert teacher_option(res) == "python:LogisticRegression"
    # One string names the columns separated by commas, as forbid= takes it.
    again = rulec.compile(
        frame, target="y", teacher=model, teacher_features="x, w", progress=False,
        no_cache=True,
    )
    assert again.rules_json == res.rules_json
    # A column the data lacks is named as teacher_features', not the model's.
    with pytest.raises(rulec.RulecError, match=r"teacher_features names column\(s\) `zz`"):
        rulec.compile(frame, target="y", teacher=LogisticRegression(),
                      teacher_features=["zz"], progress=False)


def test_teacher_features_that_contradict_the_models_own_names_are_refused(frame):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(frame[["x", "w"]], frame["y"])
    with pytest.raises(rulec.RulecError, match=r"teacher_features names `w` but the model was fitted on `x`, `w`"):
        rulec.compile(frame, target="y", teacher=model, teacher_features=["w"], progress=False)


def test_an_unfitted_model_is_fitted_on_the_training_rows(frame):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    # Without `zone` the planted rule cannot be found; `x >= 30` is "no" 97 %
    # of the time, which 0.9 certifies with room to spare (0.95 hinges on
    # which prefix the plan tests first).
    res = rulec.compile(
        frame[["x", "w", "flag", "y"]], target="y", teacher=model, precision=0.9, progress=False
    )
    assert teacher_option(res) == "python-fit:HistGradientBoostingClassifier"
    assert "Validation rows are never used to train the teacher" in res.rulebook()
    assert res.rules
    with pytest.raises(Exception):
        # The user's object is left as it was: rulec fitted a clone.
        model.predict(frame[["x", "w", "flag"]])


def test_a_model_answering_other_classes_is_a_clear_error(frame):
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit(frame[["x"]], np.where(frame["x"] > 50, "big", "small"))
    with pytest.raises(rulec.RulecError, match=r"class 'big'.*not a class of the target"):
        rulec.compile(frame, target="y", teacher=model, progress=False)


def test_a_models_classes_match_the_targets_as_numbers():
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    # A missing label makes pandas hold the target as floats (0.0, 1.0);
    # a model fitted on the labelled rows as integers answers 0 and 1: the
    # same classes. So does a model on booleans.
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    df["y"] = (df.a > 0.3).astype(float)
    df.loc[:49, "y"] = np.nan
    lab = df.dropna()
    for labels in (lab.y.astype(int), lab.y.astype(bool)):
        model = LogisticRegression().fit(lab[["a", "b"]], labels)
        res = rulec.compile(df, target="y", teacher=model, progress=False, seed=0)
        assert res.report["teacher_accuracy"] > 0.9, res.report["teacher_accuracy"]
    # A number the target does not hold is still refused.
    model = LogisticRegression().fit(lab[["a", "b"]], lab.y.astype(int) + 5)
    with pytest.raises(rulec.RulecError, match="the model answers class '5', which is not a class"):
        rulec.compile(df, target="y", teacher=model, progress=False)


def test_a_model_without_classes_answers_in_numpys_order_of_the_target():
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    # A model without classes_ answers its columns in the order numpy sorts
    # the labels it learnt: numbers by value (2 before 10), text as str
    # sorts it ("10" before "2"). rulec reads them so, whatever the target.
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"a": rng.uniform(0, 12, size=4000), "b": rng.normal(size=4000)})
    numbers = np.floor(df.a).astype(int)

    class Bare:
        # predict_proba of a model fitted on `labels`, without classes_.
        def __init__(self, labels):
            self.inner = LogisticRegression(max_iter=2000).fit(df[["a", "b"]].to_numpy(), labels)

        def predict_proba(self, x):
            return self.inner.predict_proba(x)

    import polars as pl

    for labels in (numbers, numbers.astype(str)):
        frame = df.assign(y=labels)
        model = Bare(labels)
        assert list(model.inner.classes_[:3]) in ([0, 1, 2], ["0", "1", "10"])
        res = rulec.compile(frame, target="y", teacher=model, progress=False, seed=0)
        assert res.report["teacher_accuracy"] > 0.6, (labels.dtype, res.report["teacher_accuracy"])
    # A polars categorical target of number texts is text too.
    text = numbers.astype(str)
    model = Bare(text)
    frame = pl.from_pandas(df.assign(y=text)).with_columns(pl.col("y").cast(pl.Categorical))
    res = rulec.compile(frame, target="y", teacher=model, progress=False, seed=0)
    assert res.report["teacher_accuracy"] > 0.6, res.report["teacher_accuracy"]


def test_a_category_column_reaches_the_model_as_categories():
    import numpy as np
    import pandas as pd
    import polars as pl
    from sklearn.ensemble import HistGradientBoostingClassifier

    # A model that reads which columns are categories from their dtype
    # gets them with the frame's dtype, numbers as numbers.
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({
        "num": rng.uniform(0, 10, n),
        "cat": pd.Categorical(rng.choice(["p", "q", "r"], n)),
        "store": pd.Categorical(rng.choice([13, 26, 4], n)),
        "grade": pd.Categorical(rng.choice([0.5, 1.0, 2.5], n)),
    })
    df["y"] = np.where(df.cat == "p", "P", np.where(df.num > 5, "hi", "lo"))
    seen = []
    frames = []

    class Spy(HistGradientBoostingClassifier):
        def fit(self, X, y, **kw):
            seen.append(X.dtypes.to_dict())
            frames.append(X.copy())
            return super().fit(X, y, **kw)

    model = Spy(categorical_features="from_dtype", max_iter=30)
    res = rulec.compile(df, target="y", teacher=model, progress=False, seed=0)
    assert res.report["teacher_accuracy"] > 0.9, res.report["teacher_accuracy"]
    dtypes = seen[0]
    assert isinstance(dtypes["cat"], pd.CategoricalDtype)
    assert list(dtypes["store"].categories) == [4, 13, 26]
    # With their values: a category of numbers, which rulec reads as a
    # quantity, reaches the model as its categories, not as missing.
    fitted = frames[0]
    for column, values in [("store", {4, 13, 26}), ("grade", {0.5, 1.0, 2.5})]:
        assert fitted[column].isna().sum() == 0, fitted[column].head()
        assert set(fitted[column].astype(float)) == values
    assert set(fitted["cat"].astype(str)) == {"p", "q", "r"}
    # From polars, its categorical column comes as a pandas category too.
    seen.clear()
    rulec.compile(pl.from_pandas(df.drop(columns="store")), target="y",
                  teacher=Spy(categorical_features="from_dtype", max_iter=30),
                  progress=False, seed=0)
    assert isinstance(seen[0]["cat"], pd.CategoricalDtype), seen[0]


def test_integers_and_enums_reach_the_model_as_the_frame_holds_them():
    import numpy as np
    import pandas as pd
    import polars as pl
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
    from sklearn.tree import DecisionTreeClassifier

    # A pipeline that makes text of an integer column learnt `4`, not
    # `4.0`: it is given integers (int64, nullable Int64) as they were, and
    # a polars Enum with its own categories in their order.
    rng = np.random.default_rng(9)
    n = 3000
    df = pd.DataFrame({
        "cyl": rng.choice([4, 6, 8], n).astype("int64"),
        "gears": pd.array(rng.choice([3, 4, 5], n), dtype="Int64"),
    })
    df.loc[:9, "gears"] = pd.NA
    df["doors"] = pd.array(rng.choice([2, 4], n), dtype="Int64")  # none missing
    df["y"] = np.where(df.cyl == 4, "eco", "big")
    as_text = FunctionTransformer(lambda x: x.astype(str))
    model = make_pipeline(
        ColumnTransformer([("t", make_pipeline(as_text, OneHotEncoder(handle_unknown="ignore")), ["cyl"])]),
        DecisionTreeClassifier(random_state=0),
    ).fit(df[["cyl", "gears", "doors"]], df.y)
    seen = []

    class Spy:
        classes_ = model.classes_
        feature_names_in_ = np.array(["cyl", "gears", "doors"])

        def predict_proba(self, x):
            seen.append(x.dtypes.to_dict())
            return model.predict_proba(x)

    res = rulec.compile(df, target="y", teacher=Spy(), progress=False, seed=0)
    assert res.report["teacher_accuracy"] == 1.0, res.report["teacher_accuracy"]
    assert seen[0]["cyl"] == np.dtype("int64") and str(seen[0]["gears"]) == "Int64", seen[0]
    assert str(seen[0]["doors"]) == "Int64", seen[0]
    levels = ["low", "mid", "high", "top"]
    p = pl.DataFrame({"a": rng.choice(["low", "top"], n).tolist(), "y": df.y.tolist()})
    p = p.with_columns(pl.col("a").cast(pl.Enum(levels)))
    cats = []

    class EnumSpy:
        classes_ = np.array(["big", "eco"])
        feature_names_in_ = np.array(["a"])

        def predict_proba(self, x):
            cats.append(list(x["a"].dtype.categories))
            return np.full((len(x), 2), 0.5)

    rulec.compile(p, target="y", teacher=EnumSpy(), progress=False, seed=0)
    assert cats[0] == levels, cats[0]


def test_the_models_own_exception_is_kept(frame):
    class Broken:
        classes_ = np.array(["no", "yes"])
        feature_names_in_ = np.array(["x"])

        def predict_proba(self, x):
            raise ArithmeticError("model exploded")

    with pytest.raises(rulec.RulecError, match="model exploded") as info:
        rulec.compile(frame, target="y", teacher=Broken(), progress=False)
    assert isinstance(info.value.__cause__, ArithmeticError)


def test_ctrl_c_stops_a_compile_with_a_slow_teacher(frame):
    class Slow:
        classes_ = np.array(["no", "yes"])
        feature_names_in_ = np.array(["x"])

        def predict_proba(self, x):
            time.sleep(0.2)
            return np.tile([0.5, 0.5], (len(x), 1))

    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        # 4,000 rows in batches of 10: 80 s unless interrupted.
        rulec.compile(
            frame, target="y", teacher=Slow(), oracle_batch=10, no_cache=True, progress=False
        )
    assert time.monotonic() - start < 10


def test_the_estimator_in_a_cross_validation(frame):
    from sklearn.base import clone
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score

    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    x = frame[["x", "w", "flag"]].assign(zone=frame["zone"])
    y = frame["y"].to_numpy()
    teacher = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["zone"]), remainder="passthrough"
        ),
        RandomForestClassifier(n_estimators=20, random_state=0),
    )
    est = rulec.RuleCascade(teacher, precision=0.9)
    assert est.get_params()["precision"] == 0.9
    est.set_params(max_rules=16)
    assert clone(est).get_params()["max_rules"] == 16
    scores = cross_val_score(est, x, y, cv=3)
    assert len(scores) == 3 and scores.min() > 0.8, scores
    est.fit(x, y)
    assert 0 < est.coverage_ <= 1
    assert est.rules_ and isinstance(est.rules_[0], rulec.Rule)
    pred = est.predict(x)
    assert set(pred) <= {"yes", "no"}
    covered = est.predict_covered(x)
    assert covered.any() and (~covered).any()
    # Covered rows get the rules' answer, the others the teacher's.
    decided = est.result_.apply(x)
    assert (pred[covered] == decided["decision"][covered].to_numpy()).all()
    assert est.teacher_ is not teacher  # a clone was fitted
    rest = ~covered
    assert (pred[rest] == est.teacher_.predict(x[rest].reset_index(drop=True)[est.teacher_.feature_names_in_])).all()
    # predict_proba: certain where a rule answers, the teacher's elsewhere,
    # so probability scorers work (roc_auc gave nan without it).
    proba = est.predict_proba(x)
    assert proba.shape == (len(x), 2) and np.allclose(proba.sum(axis=1), 1.0)
    picked = est.classes_[proba.argmax(axis=1)]
    assert (picked[covered] == pred[covered]).all()
    assert set(np.unique(proba[covered])) <= {0.0, 1.0}
    teacher_p = est.teacher_.predict_proba(x[rest].reset_index(drop=True)[est.teacher_.feature_names_in_])
    assert np.allclose(proba[rest], teacher_p)
    auc = cross_val_score(est, x, y, cv=3, scoring="roc_auc")
    assert not np.isnan(auc).any() and auc.min() > 0.8, auc
    # A teacher without classes_ answers in the order of y's labels.
    from sklearn.base import BaseEstimator, ClassifierMixin

    class NoClasses(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.inner_ = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
            return self

        def predict_proba(self, X):
            return self.inner_.predict_proba(X)

        def predict(self, X):
            return self.inner_.predict(X)

    numeric = x[["x", "w"]]
    bare = rulec.RuleCascade(NoClasses(), precision=0.9).fit(numeric, y)
    assert not hasattr(bare.teacher_, "classes_")
    proba = bare.predict_proba(numeric)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (bare.classes_[proba.argmax(axis=1)] == bare.predict(numeric)).mean() > 0.95
    # A teacher without predict_proba gives a cascade without it.
    from sklearn.svm import LinearSVC

    assert not hasattr(rulec.RuleCascade(LinearSVC()), "predict_proba")


def test_the_estimator_with_numpy_and_integer_classes(frame):
    from sklearn.linear_model import LogisticRegression

    x = frame[["x", "w"]].to_numpy()
    y = (frame["y"] == "yes").astype(int).to_numpy()
    est = rulec.RuleCascade(LogisticRegression(), precision=0.8).fit(x, y)
    pred = est.predict(x)
    assert pred.dtype == y.dtype and set(pred) <= {0, 1}
    assert est.score(x, y) > 0.7
    with pytest.raises(rulec.RulecError, match="needs a model as teacher"):
        rulec.RuleCascade("forest").fit(x, y)
    # Before fit, scikit-learn's own error, as its estimators raise it.
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        rulec.RuleCascade(LogisticRegression()).predict(x)


def test_the_estimator_with_integer_column_names_named_y_and_awkward_labels(frame):
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    # `pd.DataFrame(array)` names its columns 0, 1, ...: predict found none
    # of them, and a cross-validation scored NaN.
    x = pd.DataFrame(frame[["x", "w"]].to_numpy())
    y = frame["y"].rename("answer")
    est = rulec.RuleCascade(LogisticRegression(), precision=0.8)
    scores = cross_val_score(est, x, y, cv=3, error_score="raise")
    assert scores.min() > 0.7, scores
    est.fit(x, y)
    assert len(est.predict(x)) == len(x)
    # A named y names the target of the rules.
    assert est.result_.target == "answer"
    # An array after a frame: its columns by position.
    assert (est.predict(x.to_numpy()) == est.predict(x)).all()
    # float32 labels come back as given.
    labels = np.where(frame["y"] == "yes", 1.0, 2.0).astype(np.float32)
    est32 = rulec.RuleCascade(LogisticRegression(), precision=0.8).fit(x, labels)
    pred = est32.predict(x)
    assert pred.dtype == np.float32 and set(pred) <= {1.0, 2.0}
    # Missing labels: said, not a class.
    holes = labels.astype(np.float64)
    holes[5] = np.nan
    with pytest.raises(rulec.RulecError, match="1 missing label"):
        rulec.RuleCascade(LogisticRegression()).fit(x, holes)


def test_codes_read_as_categories_reach_the_model_as_the_numbers_it_knew():
    import numpy as np
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    # A model fitted on an integer code; the rules read the code as
    # categories (categorical=). The model must still get its integers,
    # not the codes' text, which it would take for unknown values.
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(size=n)
    code = rng.choice([10, 20, 30], size=n)
    y = np.where((x > 0.3) | (code == 30), "yes", "no")
    df = pd.DataFrame({"x": x, "code": code, "y": y})
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["code"]), remainder="passthrough"),
        RandomForestClassifier(n_estimators=50, random_state=0),
    ).fit(df[["x", "code"]][:1500], df.y[:1500])
    plain = rulec.compile(df, target="y", teacher=model, progress=False)
    codes = rulec.compile(df, target="y", teacher=model, categorical=["code"], progress=False)
    assert plain.report["teacher_accuracy"] > 0.97, plain.report
    assert codes.report["teacher_accuracy"] == plain.report["teacher_accuracy"], codes.report
    # From a file too: the model gets the codes as the numbers pandas reads.
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "codes.csv")
        df.to_csv(path, index=False)
        from_file = rulec.compile(path, target="y", teacher=model, categorical=["code"], progress=False)
    assert from_file.report["teacher_accuracy"] == plain.report["teacher_accuracy"], from_file.report


def test_the_estimator_names_the_columns_x_lacks_and_refuses_its_parameters_in_options(frame):
    from sklearn.linear_model import LogisticRegression

    x = frame[["x", "w"]]
    y = frame["y"]
    est = rulec.RuleCascade(LogisticRegression(), precision=0.8).fit(x, y)
    # A frame without a column fit saw, or an array of another width: the
    # columns named, not pandas' KeyError from inside the package.
    for other in (x[["x"]], x.rename(columns=str.upper)):
        with pytest.raises(rulec.RulecError, match="X lacks 1 of the 2 columns the cascade was fitted on: `w`|X lacks 2 of the 2 columns"):
            est.predict(other)
    # An array of another width, narrower or wider (read in part before).
    import numpy as np

    for width in (1, 3):
        with pytest.raises(rulec.RulecError, match=f"X has {width} columns; the cascade was fitted on 2"):
            est.predict(np.zeros((4, width)))
    # The estimator's own parameters given in options were silently
    # overridden by the parameter.
    for own, value in (("precision", 0.5), ("seed", 7), ("certify", "rule")):
        with pytest.raises(rulec.RulecError, match=f"options must not set `{own}`: it is a parameter of RuleCascade"):
            rulec.RuleCascade(LogisticRegression(), options={own: value}).fit(x, y)
