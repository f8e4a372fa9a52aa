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
from ._teacher import ModelTeacher, TeacherError, _clone, _label_text

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
except ImportError:  # pragma: no cover - scikit-learn is optional
    BaseEstimator = object  # type: ignore[misc,assignment]
    ClassifierMixin = object  # type: ignore[misc,assignment]


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
        self.classes_ = np.unique(y)
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
        try:
            adapter = ModelTeacher(
                _clone(self.teacher), self.teacher_features, seed=self.seed,
                label_values=self._by_text,
                category_dtypes=_frames.category_dtypes(frame),
            )
        except TeacherError as e:
            raise RulecError(str(e)) from None
        options = dict(self.options or {})
        options.update(
            target=target,
            precision=self.precision,
            confidence=self.confidence,
            seed=self.seed,
            max_rules=self.max_rules,
            certify=self.certify,
        )
        source, name = _frames.to_source(data)
        _fork.compiling()
        native = _native_compile(source, name, options, adapter, None)
        self.result_ = Result(native)
        self.rules_ = self.result_.rules
        self.teacher_ = adapter.full
        self._teacher_columns = adapter.fitted_columns
        report = self.result_.report or {}
        self.coverage_ = report.get("coverage")
        return self

    def predict(self, X: Any) -> np.ndarray:
        _check_fitted(self)
        frame = _as_pandas(X, self.feature_names_in_)
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
            out[rest] = [self._by_text[_label_text(v)] for v in self.teacher_.predict(x)]
        return out

    def predict_covered(self, X: Any) -> np.ndarray:
        """Which rows the rules answer (the rest go to the teacher)."""
        _check_fitted(self)
        decided = self.result_.apply(_as_pandas(X, self.feature_names_in_))
        return decided["rule"].notna().to_numpy()


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
    if not isinstance(frame.columns, pd.MultiIndex) and not all(
        isinstance(c, str) for c in frame.columns
    ):
        frame = frame.rename(columns=str)
    return frame
