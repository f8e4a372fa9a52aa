"""The user's model as rulec's teacher, called in-process in batches.

The native module calls this adapter (see ``python/src/teacher.rs``):
``describe``, ``prepare`` (check the columns; fit a model that is not
fitted yet on the training rows, and cross-fit it on them), ``begin`` (the
table to label) and ``predict`` (class probabilities of a batch of rows).

The model's columns are its ``feature_names_in_`` when it has them, else
``teacher_features=[...]``, else every feature column of the data in order;
a column the model needs that the data does not have as a feature is an
error naming it.
"""

from __future__ import annotations

import copy
import numbers
from typing import Any, List, Optional, Sequence

import numpy as np


class TeacherError(Exception):
    """A problem with the teacher, said in one line (the native module
    shows the message as it is)."""


# Folds of the cross-fitting of a model rulec fits (two, as for rulec's own
# gbdt and mlp): each training row is
# labelled by a model fitted on the other folds.
CROSS_FOLDS = 2


def is_fitted(model: Any) -> bool:
    """Whether ``model`` was fitted already (scikit-learn's test, or, for
    other libraries, a fitted model's ``classes_``)."""
    try:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted
    except ImportError:  # pragma: no cover - scikit-learn is optional
        return hasattr(model, "classes_")
    try:
        check_is_fitted(model)
        return True
    except NotFittedError:
        return False
    except TypeError:
        # Not a scikit-learn estimator: fitted if it can answer.
        return hasattr(model, "predict_proba") or hasattr(model, "predict")


def _clone(model: Any) -> Any:
    try:
        from sklearn.base import clone

        return clone(model)
    except Exception:
        return copy.deepcopy(model)


def _seeded(model: Any, seed: int) -> Any:
    """``model`` with each ``random_state`` left at ``None`` (its own and
    those of a pipeline's steps) set from ``seed``: an unfitted model then
    learns the same way on every compile with that seed, as the built-in
    teachers do. A model that says nothing of ``random_state`` is as it was."""
    try:
        params = model.get_params(deep=True)
    except Exception:
        return model
    unset = {
        k: seed % (2**32)
        for k, v in params.items()
        if (k == "random_state" or k.endswith("__random_state")) and v is None
    }
    if unset:
        try:
            model.set_params(**unset)
        except Exception:  # its own set_params refused: it stays as given
            pass
    return model


class ModelTeacher:
    """A model with ``predict_proba`` (or ``predict``) as rulec's teacher."""

    def __init__(
        self,
        model: Any,
        features: Optional[Sequence[str]] = None,
        seed: int = 0,
        label_values: Optional[dict] = None,
        number_codes: Sequence[str] = (),
        category_dtypes: Optional[dict] = None,
        text_labels: bool = False,
        integer_dtypes: Optional[dict] = None,
    ) -> None:
        if not (hasattr(model, "predict_proba") or hasattr(model, "predict")):
            raise TeacherError(
                f"teacher: a {type(model).__name__} has neither predict_proba nor predict; "
                "give a fitted model, or a built-in teacher name (forest, gbdt, mlp, column:NAME, cmd:PROGRAM)"
            )
        self.model = model
        self.external = is_fitted(model)
        if not self.external and not hasattr(model, "fit"):
            raise TeacherError(
                f"teacher: the {type(model).__name__} is not fitted and has no fit method"
            )
        names = getattr(model, "feature_names_in_", None)
        self.features: Optional[List[str]] = (
            [str(n) for n in names] if names is not None and self.external else None
        )
        # One string names columns separated by commas, as forbid= takes it.
        if isinstance(features, str):
            features = [f.strip() for f in features.split(",") if f.strip()]
        if features is not None and len(features) == 0:
            raise TeacherError(
                "teacher: teacher_features is empty; name the columns the model reads, "
                "or leave it out for every feature"
            )
        if features is not None and self.features is not None:
            given = [str(f) for f in features]
            if given != self.features:
                raise TeacherError(
                    "teacher: teacher_features names "
                    + ", ".join(f"`{c}`" for c in given)
                    + " but the model was fitted on "
                    + ", ".join(f"`{c}`" for c in self.features)
                    + " (its feature_names_in_), which it is given; leave teacher_features out"
                )
        if self.features is None and features is not None:
            self.features = [str(f) for f in features]
        # Whether the columns come from teacher_features (for messages).
        self.named_by_option = features is not None and (names is None or not self.external)
        # A model rulec fits learns from a pandas frame when pandas is
        # there, so it knows its columns by name from then on.
        # A model fitted without column names is given an array, as it was.
        self.use_frame = (names is not None and self.external) or (
            not self.external and _has_pandas()
        )
        # The labels a model rulec fits learns, by their text (the
        # estimator's own classes, say); the target's texts by default.
        self.label_values = label_values
        # Whether the target's values are text (a frame's column of str):
        # a model without classes_ then answers in str's order of them.
        self.text_labels = text_labels or (
            label_values is not None
            and len(label_values) > 0
            and all(isinstance(v, str) for v in label_values.values())
        )
        # Columns of numbers the rules read as codes (`categorical=`): rulec
        # hands them over as text; the model is given the numbers it knew.
        self.number_codes = set(number_codes)
        # pandas `category` columns of the user's frame, by name: the model
        # gets them with that dtype again (a model that reads categories
        # from the dtype, `categorical_features="from_dtype"`, needs it).
        self.category_dtypes = dict(category_dtypes or {})
        # Columns of integers of the user's frame, by name: rulec hands
        # them over as floats; the model gets them as the integers they
        # were (a pipeline that makes text of them saw `4`, not `4.0`).
        self.integer_dtypes = dict(integer_dtypes or {})
        self.seed = seed
        # Set by prepare: the fitted model(s).
        self.full: Any = model if self.external else None
        self.folds: List[Any] = []
        self.fold_of: Optional[np.ndarray] = None
        self.classes: List[str] = []
        self._x: Any = None
        self._cross = False
        #: The columns of the frame the model was given, when it is given one.
        self.fitted_columns: Optional[List[str]] = None

    # -- the adapter's protocol ------------------------------------------

    def describe(self):
        return type(self.model).__name__, self.external

    def prepare(self, columns, classes, train: bytes, labels: bytes) -> None:
        self.classes = list(classes)
        x = self._features(columns)
        self.fitted_columns = list(x.columns) if hasattr(x, "columns") else None
        if self.external:
            self._check_width(self.full, x)
            return
        train_rows = np.frombuffer(train, dtype="<i8")
        values = self.classes
        if self.label_values is not None:
            values = [self.label_values.get(c, c) for c in self.classes]
        y_all = np.array(values, dtype=object)[np.frombuffer(labels, dtype="<i8")]
        if self.label_values is not None:
            y_all = np.array(y_all.tolist())
        x_train = self._take(x, train_rows)
        self.full = _seeded(_clone(self.model), self.seed)
        self.full.fit(x_train, y_all)
        # Cross-fitting: training row r is labelled by the model that did
        # not learn from its fold.
        rng = np.random.RandomState(self.seed % (2**32))
        fold = rng.permutation(len(train_rows)) % CROSS_FOLDS
        self.fold_of = np.full(x.shape[0], -1)
        self.fold_of[train_rows] = fold
        self.folds = []
        for f in range(CROSS_FOLDS):
            keep = fold != f
            m = _seeded(_clone(self.model), self.seed)
            m.fit(self._take(x_train, np.flatnonzero(keep)), y_all[keep])
            self.folds.append(m)

    def begin(self, columns, fitted_table: bool) -> None:
        self._x = self._features(columns)
        self._cross = fitted_table and bool(self.folds)

    def predict(self, start: int, end: int) -> bytes:
        x = self._take(self._x, np.arange(start, end))
        if not self._cross:
            return self._probs(self.full, x).astype("<f4").tobytes()
        out = np.empty((end - start, len(self.classes)), dtype=np.float64)
        fold = self.fold_of[start:end]
        rest = fold < 0
        if rest.any():
            out[rest] = self._probs(self.full, self._take(x, np.flatnonzero(rest)))
        for f, m in enumerate(self.folds):
            mine = fold == f
            if mine.any():
                out[mine] = self._probs(m, self._take(x, np.flatnonzero(mine)))
        return out.astype("<f4").tobytes()

    # -- helpers ----------------------------------------------------------

    def _features(self, columns):
        """The model's input: a pandas frame of its columns when it knows
        their names, else a 2-D array of the data's features in order."""
        by_name = {name: (kind, data, levels) for name, kind, data, levels in columns}
        order = [c[0] for c in columns]
        wanted = self.features if self.features is not None else order
        missing = [c for c in wanted if c not in by_name]
        if missing:
            raise TeacherError(
                (
                    "teacher: teacher_features names column(s) "
                    if self.named_by_option
                    else "teacher: the model was fitted on column(s) "
                )
                + ", ".join(f"`{c}`" for c in missing)
                + ", which the data does not have as features (features: "
                + ", ".join(f"`{c}`" for c in order)
                + "); the target, the split column and empty columns are not features"
                + ("" if self.features is None or self.external else "; check teacher_features")
            )
        values = {name: _decode(*by_name[name]) for name in wanted}
        for name in self.number_codes.intersection(wanted):
            values[name] = _as_numbers(values[name])
        if self.use_frame:
            import pandas as pd

            frame = pd.DataFrame(values, columns=wanted)
            for name, dtype in self.integer_dtypes.items():
                if name in frame.columns and frame[name].dtype.kind == "f":
                    x = frame[name].to_numpy()
                    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
                        # A nullable `Int64`: missing values as <NA>.
                        frame[name] = pd.Series(x, index=frame.index).astype(dtype)
                    elif not np.isnan(x).any():
                        frame[name] = x.astype(dtype)
            for name, dtype in self.category_dtypes.items():
                if name in frame.columns:
                    # rulec hands the values over as text, or as numbers
                    # for a category of numbers (which it reads as a
                    # quantity); each category as it was (a number stays a
                    # number), unknown ones missing, as pandas would make
                    # them.
                    numeric = all(_is_number(c) for c in dtype.categories)
                    known = {_category_key(c, numeric): c for c in dtype.categories}
                    frame[name] = pd.Categorical(
                        [known.get(_category_key(v, numeric)) for v in frame[name]],
                        dtype=dtype,
                    )
            return frame
        arrays = [values[name] for name in wanted]
        if all(a.dtype.kind == "f" for a in arrays):
            return np.column_stack(arrays) if arrays else np.empty((0, 0))
        return np.column_stack([a.astype(object) for a in arrays])

    def _check_width(self, model, x) -> None:
        n = getattr(model, "n_features_in_", None)
        width = x.shape[1]
        if n is not None and int(n) != width:
            raise TeacherError(
                f"teacher: the model was fitted on {int(n)} columns but is given {width} "
                "(the data's features, in order); name its columns with teacher_features=[...]"
            )

    @staticmethod
    def _take(x, rows):
        if hasattr(x, "iloc"):
            return x.iloc[rows]
        return x[rows]

    def _probs(self, model, x) -> np.ndarray:
        """Probabilities over ``self.classes`` (the target's classes, as
        rulec sorts them), from the model's own class order."""
        k = len(self.classes)
        n = x.shape[0]
        if n == 0:
            return np.zeros((0, k))
        index = {c: i for i, c in enumerate(self.classes)}
        model_classes = getattr(model, "classes_", None)
        if hasattr(model, "predict_proba"):
            p = np.asarray(model.predict_proba(x), dtype=np.float64)
            if p.ndim != 2 or p.shape[0] != n:
                raise TeacherError(
                    f"teacher: predict_proba answered an array of shape {p.shape} for {n} rows"
                )
            if model_classes is None:
                if p.shape[1] != k:
                    raise TeacherError(
                        f"teacher: the model has no classes_ and predict_proba answered {p.shape[1]} "
                        f"columns for the {k} classes of the target"
                    )
                # Its columns in numpy's order of the target's values:
                # rulec's, but for text that reads as numbers ("10" before
                # "2" as text, after it as numbers).
                if not self.text_labels:
                    return p
                out = np.zeros((n, k))
                for j, c in enumerate(sorted(self.classes)):
                    out[:, index[c]] = p[:, j]
                return out
            if p.shape[1] != len(model_classes):
                raise TeacherError(
                    f"teacher: predict_proba answered {p.shape[1]} columns but the model's "
                    f"classes_ has {len(model_classes)} classes"
                )
            cols = [self._class_index(c, index) for c in model_classes]
            out = np.zeros((n, k))
            for j, c in enumerate(cols):
                out[:, c] += p[:, j]
            return out
        labels = np.asarray(model.predict(x))
        if labels.ndim != 1 or labels.shape[0] != n:
            raise TeacherError(
                f"teacher: predict answered an array of shape {labels.shape} for {n} rows "
                "(one label per row expected)"
            )
        out = np.zeros((n, k))
        for r, label in enumerate(labels):
            out[r, self._class_index(label, index)] = 1.0
        return out

    def _class_index(self, label, index) -> int:
        text = _label_text(label)
        if text in index:
            return index[text]
        # The same number written another way (a model fitted on 0/1 for a
        # target pandas made 0.0/1.0 because of a missing label; True for
        # 1) is the same class, as rulec matches labels elsewhere.
        value = _label_number(label)
        if value is not None:
            same = [i for i, c in enumerate(self.classes) if _label_number(c) == value]
            if len(same) == 1:
                return same[0]
        raise TeacherError(
            f"teacher: the model answers class {text!r}, which is not a class of the target "
            f"(classes: {', '.join(repr(c) for c in self.classes)})"
        )


def _label_number(label) -> Optional[float]:
    """A class label (the model's, or a target class's text) as the finite
    number it is: ``1``, ``1.0``, ``"1.0"`` and ``True`` are 1.0; ``"true"``
    and ``"false"`` are 1.0 and 0.0; ``None`` for anything else."""
    if isinstance(label, (bool, np.bool_)):
        return 1.0 if label else 0.0
    if isinstance(label, str):
        if label in ("true", "false"):
            return 1.0 if label == "true" else 0.0
        try:
            x = float(label)
        except ValueError:
            return None
    elif isinstance(label, (numbers.Real, np.integer, np.floating)):
        x = float(label)
    else:
        return None
    return x if np.isfinite(x) else None


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def _category_key(value, numeric: bool):
    """The key a value and a category meet on: a number by its value (``1``,
    ``1.0`` and ``"1"`` alike when every category is a number), else the
    label's text; ``None`` for a missing value."""
    if value is None:
        return None
    if _is_number(value):
        x = float(value)
        if x != x:
            return None
        return ("n", x) if numeric else _label_text(value)
    if numeric:
        try:
            return ("n", float(str(value).strip()))
        except ValueError:
            return ("t", str(value))
    return _label_text(value)


def _label_text(label) -> str:
    """A class label as rulec writes the target's values (numbers as
    polars prints them: ``1``, ``2.5``; booleans ``true``/``false``)."""
    if isinstance(label, (bool, np.bool_)):
        return "true" if label else "false"
    if isinstance(label, (np.integer,)):
        return str(int(label))
    if isinstance(label, (np.floating, float)):
        x = float(label)
        return str(int(x)) + ".0" if x.is_integer() else repr(x)
    return str(label)


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        return False
    return True


def _as_numbers(texts: np.ndarray) -> np.ndarray:
    """Codes read as text (`"7"`, `"2.5"`, None) as the numbers they were;
    unchanged when one is not a number."""
    try:
        return np.array([np.nan if t is None else float(t) for t in texts], dtype=np.float64)
    except (TypeError, ValueError):
        return texts


def _decode(kind: str, data: bytes, levels) -> np.ndarray:
    if kind == "numeric":
        return np.frombuffer(data, dtype="<f8").copy()
    if kind == "boolean":
        v = np.frombuffer(data, dtype=np.int8)
        if (v < 0).any():
            out = v.astype(np.float64)
            out[v < 0] = np.nan
            return out
        return v.astype(bool)
    codes = np.frombuffer(data, dtype="<i4")
    table = np.array(list(levels) + [None], dtype=object)
    return table[np.where(codes < 0, len(levels), codes)]
