"""``rulec.RuleCascade``: a scikit-learn classifier made of certified rules
that fall back to the teacher model for the rows they leave.

``fit(X, y)`` fits (a clone of) the teacher on the training rows of rulec's
split, cross-fitted on them, and compiles the rules from its judgement;
``predict(X)`` answers with the rules and asks the fitted teacher for the
rest. It follows scikit-learn's conventions (parameters in ``__init__``,
``get_params``/``set_params``, fitted attributes ending in ``_``), so it
goes into a ``Pipeline``, a ``GridSearchCV`` or a ``cross_val_score``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from . import _fork, _frames
from ._rulec import RulecError
from ._rulec import compile as _native_compile
from ._result import Result
from ._teacher import ModelTeacher, TeacherError, _clone, _label_number, _label_text

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.metaestimators import available_if
except ImportError:  # pragma: no cover - scikit-learn is optional
    BaseEstimator = object  # type: ignore[misc,assignment]
    ClassifierMixin = object  # type: ignore[misc,assignment]

    def available_if(check):  # type: ignore[no-redef]
        return lambda method: method


class RuleCascade(ClassifierMixin, BaseEstimator):
    """Certified rules first, the teacher for the rest.

    Parameters: ``teacher``, a scikit-learn classifier (cloned and fitted
    by ``fit``); ``precision`` and ``confidence``, the certification's
    target and level; ``seed``, ``max_rules`` and ``certify`` as on the
    command line; ``teacher_features``, the columns the teacher sees (all
    by default); ``options``, any other option of :func:`rulec.compile`.

    After ``fit``: ``rules_`` (the rules), ``result_`` (the whole
    :class:`rulec.Result`: report, rule book, save), ``coverage_`` (the
    share of the held-out test rows the rules answer), ``teacher_`` (the
    fitted teacher), ``classes_``.
    """

    def __init__(
        self,
        teacher: Any = None,
        precision: float = 0.95,
        confidence: float = 0.95,
        seed: int = 0,
        max_rules: int = 64,
        certify: str = "set",
        teacher_features: Optional[Sequence[str]] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.teacher = teacher
        self.precision = precision
        self.confidence = confidence
        self.seed = seed
        self.max_rules = max_rules
        self.certify = certify
        self.teacher_features = teacher_features
        self.options = options

    def fit(self, X: Any, y: Any) -> "RuleCascade":
        _fork.refuse()
        if self.teacher is None or isinstance(self.teacher, str):
            raise RulecError(
                "RuleCascade needs a model as teacher (a scikit-learn classifier): "
                "it answers the rows the rules leave"
            )
        frame = _as_pandas(X)
        # The target keeps the name of a named `y` (a pandas or polars
        # Series): the rule book, the SQL and the crate say `churn`.
        given = getattr(y, "name", None)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(frame):
            raise RulecError(
                f"y must hold one label per row of X: {len(frame)} rows, y of shape {y.shape}"
            )
        import pandas as pd

        missing = np.flatnonzero(pd.isna(y))
        if len(missing):
            raise RulecError(
                f"y has {len(missing)} missing label(s) (the first at row {missing[0]}); "
                "drop those rows or give them a label"
            )
        # The classes as given; rulec writes a class as its float64 text,
        # so a float32 label goes over as the float64 it is.
        try:
            self.classes_ = np.unique(y)
        except TypeError:
            kinds = sorted({type(v).__name__ for v in y})
            raise RulecError(
                f"y mixes types ({', '.join(kinds)}); give its labels one type: text or numbers"
            ) from None
        if y.dtype.kind == "f" and y.dtype.itemsize < 8:
            y = y.astype(np.float64)
        target = given if isinstance(given, str) and given.strip() else "target"
        while target in frame.columns:
            target = "_" + target
        data = frame.copy()
        data[target] = y
        self._by_text = {_label_text(c): c for c in self.classes_}
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        given_options = dict(self.options or {})
        for own in ("teacher", "target"):
            if own in given_options:
                raise RulecError(
                    f"options must not set `{own}`: RuleCascade's {own} is "
                    + ("its teacher argument" if own == "teacher" else "y")
                )
        # The estimator's own parameters are set as parameters (they took
        # the parameter's value silently, options' ignored).
        for own in ("precision", "confidence", "seed", "max_rules", "certify", "teacher_features"):
            if own in given_options:
                raise RulecError(
                    f"options must not set `{own}`: it is a parameter of RuleCascade "
                    f"(RuleCascade(..., {own}=...))"
                )
        seed = 0 if self.seed is None else self.seed
        try:
            adapter = ModelTeacher(
                _clone(self.teacher), self.teacher_features, seed=seed,
                label_values=self._by_text,
                category_dtypes=_frames.category_dtypes(frame),
                integer_dtypes=_frames.integer_dtypes(frame),
            )
        except TeacherError as e:
            raise RulecError(str(e)) from None
        options = dict(self.options or {})
        options.update(
            target=target,
            precision=self.precision,
            confidence=self.confidence,
            seed=seed,
            max_rules=self.max_rules,
            certify=self.certify,
        )
        source, name = _frames.to_source(data)
        _fork.compiling()
        native = _native_compile(source, name, options, adapter, None)
        self.result_ = Result(native)
        self.rules_ = self.result_.rules
        self.teacher_ = adapter.full
        # rulec writes each class as text; every class it may decide must
        # map back to one of y's labels, or predict could not answer it.
        for c in self.result_._json["target"]["classes"]:
            if c not in self._by_text:
                same = _same_label(c, self.classes_)
                if same is None:
                    raise RulecError(
                        f"y's labels cannot be told apart from rulec's text of them (class "
                        f"{c!r}); give y as text or plain numbers"
                    )
                self._by_text[c] = same
        self._teacher_columns = adapter.fitted_columns
        report = self.result_.report or {}
        self.coverage_ = report.get("coverage")
        return self

    def _rows(self, X: Any):
        """X as a pandas frame holding every column ``fit`` saw, or a
        RulecError naming those it lacks (the teacher reads them all)."""
        kind = type(X).__module__ or ""
        if not kind.startswith(("pandas", "polars")):
            width = np.asarray(X).shape[1:2]
            if width and width[0] != self.n_features_in_:
                # Columns by position: another width is another table
                # (a wider one was read in part without a word).
                raise RulecError(
                    f"X has {width[0]} columns; the cascade was fitted on {self.n_features_in_}"
                )
        frame = _as_pandas(X, self.feature_names_in_)
        have = {str(c) for c in frame.columns}
        missing = [n for n in self.feature_names_in_ if n not in have]
        if missing:
            shown = ", ".join(f"`{n}`" for n in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise RulecError(
                f"X lacks {len(missing)} of the {len(self.feature_names_in_)} columns the cascade "
                f"was fitted on: {shown}{more}"
            )
        return frame

    def predict(self, X: Any) -> np.ndarray:
        _check_fitted(self)
        frame = self._rows(X)
        decided = self.result_.apply(frame)
        covered = decided["rule"].notna().to_numpy()
        decisions = decided["decision"].to_numpy(dtype=object)
        out = np.empty(len(frame), dtype=self.classes_.dtype)
        for i in np.flatnonzero(covered):
            out[i] = self._by_text[decisions[i]]
        rest = np.flatnonzero(~covered)
        if len(rest):
            x = frame.iloc[rest]
            if self._teacher_columns is not None:
                x = x[self._teacher_columns]
            out[rest] = [self._label_of(v) for v in self.teacher_.predict(x)]
        return out

    def _teacher_has_proba(self) -> bool:
        return hasattr(self.teacher, "predict_proba")

    @available_if(_teacher_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_`` per row: 1 for the decision of the
        rule that answers a row, the teacher's ``predict_proba`` for the rows
        the rules leave (so scorers such as ``roc_auc`` rank the rules'
        answers as certain). Only with a teacher that has ``predict_proba``."""
        _check_fitted(self)
        frame = self._rows(X)
        decided = self.result_.apply(frame)
        covered = decided["rule"].notna().to_numpy()
        decisions = decided["decision"].to_numpy(dtype=object)
        index = {_label_text(c): i for i, c in enumerate(self.classes_)}
        out = np.zeros((len(frame), len(self.classes_)))
        for i in np.flatnonzero(covered):
            out[i, index[_label_text(self._by_text[decisions[i]])]] = 1.0
        rest = np.flatnonzero(~covered)
        if len(rest):
            x = frame.iloc[rest]
            if self._teacher_columns is not None:
                x = x[self._teacher_columns]
            p = np.asarray(self.teacher_.predict_proba(x), dtype=np.float64)
            # A teacher without classes_ answers in the order of y's labels.
            for j, c in enumerate(getattr(self.teacher_, "classes_", self.classes_)):
                out[rest, index[_label_text(self._label_of(c))]] += p[:, j]
        return out

    def _label_of(self, v: Any) -> Any:
        """One of ``classes_`` for the teacher's answer ``v``."""
        text = _label_text(v)
        if text in self._by_text:
            return self._by_text[text]
        same = _same_label(text, self.classes_)
        return v if same is None else same

    def predict_covered(self, X: Any) -> np.ndarray:
        """Which rows the rules answer (the rest go to the teacher)."""
        _check_fitted(self)
        decided = self.result_.apply(_as_pandas(X, self.feature_names_in_))
        return decided["rule"].notna().to_numpy()


def _same_label(text: str, labels: np.ndarray) -> Any:
    """The one label of ``labels`` that ``text`` names: as the same number
    (``1e+16``, ``-0.0``), or as a byte string's text; ``None`` when none or
    several do."""
    value = _label_number(text)
    found = []
    for label in labels:
        if isinstance(label, bytes):
            if label.decode("utf-8", "replace") == text:
                found.append(label)
        elif value is not None and _label_number(label) == value:
            found.append(label)
    return found[0] if len(found) == 1 else None


def _check_fitted(cascade: "RuleCascade") -> None:
    """scikit-learn's NotFittedError before `fit`, as its own estimators
    raise it."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(cascade, "result_")


def _as_pandas(X: Any, names: Any = None):
    """X as a pandas frame with text column names (rulec names columns by
    their text: `pd.DataFrame(array)` has the integers 0, 1, ...). An array
    gets `names` (the columns `fit` saw, for an array given to `predict`
    after a frame was given to `fit`, by position as scikit-learn does) or
    `x0`, `x1`, ..."""
    import pandas as pd

    kind = type(X).__module__ or ""
    if kind.startswith("pandas") and type(X).__name__ == "DataFrame":
        frame = X.reset_index(drop=True)
    elif kind.startswith("polars") and type(X).__name__ == "DataFrame":
        frame = X.to_pandas()
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise RulecError(f"X must be a 2-D table of rows, got an array of shape {arr.shape}")
        columns = [f"x{i}" for i in range(arr.shape[1])]
        if names is not None and len(names) == arr.shape[1]:
            columns = [str(n) for n in names]
        return pd.DataFrame(arr, columns=columns)
    if isinstance(frame.columns, pd.MultiIndex) or not all(
        isinstance(c, str) for c in frame.columns
    ):
        # Named by their text, as rulec.compile names them (a MultiIndex's
        # tuples too).
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    return frame
