"""rulec from Python: compile a pandas or polars frame into certified rules,
with a built-in teacher or your own fitted model called in-process.

    import rulec
    result = rulec.compile(df, target="churn", precision=0.95, teacher=model)
    result              # in Jupyter: the rule book
    result.apply(new_rows)

The options are the command line's (``rulec compile --help``), with ``_``
for ``-``: ``max_rules=16`` is ``--max-rules 16``; their defaults and
messages are the same. Errors are :class:`RulecError` (a ``ValueError``)
with the command line's one-line message.
"""

from __future__ import annotations

import numbers
import os
import sys
import time
from typing import Any, Optional, Sequence

from . import _fork, _frames
from ._result import Check, Evidence, Result, Rule
from ._rulec import RulecError, __version__
from ._rulec import compile as _native_compile
from ._rulec import load as _native_load
from ._rulec import option_names as _option_names
from ._teacher import ModelTeacher, TeacherError

__all__ = [
    "compile",
    "load",
    "Result",
    "Rule",
    "Evidence",
    "Check",
    "RuleCascade",
    "RulecError",
    "__version__",
]


def compile(
    data: Any,
    target: str,
    precision: float = 0.95,
    teacher: Any = "forest",
    *,
    teacher_features: Optional[Sequence[str]] = None,
    progress: Any = True,
    **options: Any,
) -> Result:
    """Compiles ``data`` into a certified rule set.

    ``data``: a pandas or polars DataFrame (handed over as Arrow) or the
    path of a data file (CSV, TSV, Parquet, Feather, Excel, JSON, as the
    command line reads).
    ``teacher``: a built-in teacher's name (``forest``, ``gbdt``, ``mlp``,
    ``column:NAME``, ``cmd:PROGRAM``) or a model with ``predict_proba`` (or
    ``predict``). A fitted model is used as it is; an unfitted one is fitted
    on the training rows (and cross-fitted on them, so their labels are the
    model's judgement, not its memory). The model sees the columns of its
    ``feature_names_in_``, or ``teacher_features``, or every feature.
    ``progress``: ``True`` prints each stage on standard error, ``False``
    (or any false value, ``None``, ``0``) prints nothing, a callable receives ``(kind, text, done, total)`` (an
    exception it raises stops the compile and comes out as it was raised).
    ``options``: the command line's, e.g. ``seed=1``, ``max_rules=16``,
    ``certify="rule"``, ``no_cache=True``; ``threads=N`` runs this compile
    on N worker threads of its own (the command line's ``--threads``).

    Interrupt with Ctrl-C (or the notebook's stop button): the compile
    stops and raises ``KeyboardInterrupt``.
    """
    _fork.refuse()
    known = set(_option_names())
    for name in options:
        if name not in known:
            raise RulecError(
                f"unknown option `{name}`; the options are {', '.join(_option_names())}"
            )
    source, name = _frames.to_source(data)
    opts = dict(options)
    opts["target"] = target
    opts["precision"] = precision
    adapter = None
    if isinstance(teacher, str):
        opts["teacher"] = teacher
        if teacher_features is not None:
            raise RulecError(
                "teacher_features names the columns of a model given as teacher=; "
                f"the built-in teacher `{teacher}` uses every feature"
            )
    elif teacher is None:
        raise RulecError("teacher must be a built-in teacher's name or a model, got None")
    elif isinstance(teacher, type):
        raise RulecError(
            f"teacher is the class {teacher.__name__}, not a model: give an instance, "
            f"e.g. teacher={teacher.__name__}()"
        )
    else:
        if options.get("oracle_timeout") is not None:
            raise RulecError(
                "oracle_timeout is for a cmd: teacher (a program rulec waits for); a model "
                "given as teacher runs in this process: leave oracle_timeout out"
            )
        seed = options.get("seed")
        try:
            adapter = ModelTeacher(
                teacher,
                teacher_features,
                seed=int(seed) if isinstance(seed, numbers.Integral) else 0,
                number_codes=_frames.number_columns(data, options.get("categorical")),
                category_dtypes=_frames.category_dtypes(data),
                text_labels=_frames.text_column(data, target),
                integer_dtypes=_frames.integer_dtypes(data),
            )
        except TeacherError as e:
            raise RulecError(str(e)) from None
    _fork.compiling()
    native = _native_compile(source, name, opts, adapter, _reporter(progress))
    kind = _frames.target_kind(data, target)
    # With a tolerance the rules predict numbers that need not be whole.
    if kind == "int" and options.get("tolerance") is not None:
        kind = "float"
    return Result(native, kind)


_DECISION_TYPES = ("bool", "int", "float", "str")


def load(path: str, decision_type: Optional[str] = None) -> Result:
    """Reads a rules.json (as ``rulec book`` and ``rulec emit`` do).
    ``FileNotFoundError`` when there is no such file; ``RulecError`` when
    it is not a rules.json.

    rules.json names classes as text, so ``apply`` gives text decisions
    (``"1"``, ``"true"``) unless ``decision_type`` says the type of the
    target the rules were compiled from: ``"bool"``, ``"int"``, ``"float"``
    or ``"str"``, as ``apply`` of the compiled result gave them (then a
    right decision equals the label, ``decision == y``). A numeric target
    (compiled with ``tolerance=``) gives floats by default."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    if decision_type is not None and decision_type not in _DECISION_TYPES:
        raise RulecError(
            f"decision_type must be one of {', '.join(map(repr, _DECISION_TYPES))} or None, "
            f"got {decision_type!r}"
        )
    result = Result(_native_load(path))
    if decision_type is None and result._json["target"].get("tolerance") is not None:
        decision_type = "float"
    if decision_type in ("bool", "int", "float"):
        classes = result._json["target"]["classes"]
        if _frames._typed(classes, decision_type) is None:
            raise RulecError(
                f"decision_type {decision_type!r}: the rule set's classes are not all of that "
                f"type (such as {next(c for c in classes if _frames._typed([c], decision_type) is None)!r})"
            )
        result._target_kind = decision_type
    return result




def _reporter(progress: Any):
    if callable(progress):
        return progress
    # Any false value is off (`progress=0` printed every stage).
    if not progress:
        return None
    return _Printer()


class _Printer:
    """Progress on standard error: each stage's line, and the steps of long
    stages at most every half second (on one line in a terminal)."""

    def __init__(self) -> None:
        self.last = 0.0
        self.pending = False
        self.tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    def __call__(self, kind: str, text: str, done: int, total: int) -> None:
        # No standard error at all (pythonw, some services): nothing to
        # print to, as print() does then.
        if sys.stderr is None:
            return
        if kind == "line":
            if self.pending and self.tty:
                sys.stderr.write("\n")
            self.pending = False
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
            return
        now = time.monotonic()
        if now - self.last < 0.5 and done != total:
            return
        self.last = now
        line = f"{text}: {done}/{total}"
        if self.tty:
            sys.stderr.write("\r" + line)
            self.pending = done != total
            if done == total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


from ._estimator import RuleCascade  # noqa: E402  (it uses compile)
