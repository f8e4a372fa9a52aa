"""What a compile gives back: the rules, the report, the rule book and the
ways to use and ship them."""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from . import _frames, _rulec


@dataclass(frozen=True)
class Evidence:
    """A rule's figures on one split: rows it answers, of which right, of
    which the teacher agrees, and the certified lower bound."""

    support: int
    correct: int
    agree_teacher: int
    precision_lower_bound: float

    @property
    def precision(self) -> Optional[float]:
        return self.correct / self.support if self.support else None

    @property
    def fidelity(self) -> Optional[float]:
        return self.agree_teacher / self.support if self.support else None


@dataclass(frozen=True, eq=False)
class Check:
    """What :meth:`Result.check` found: ``passed`` (every rule, class and
    the set held or could not be confirmed; ``False`` where the command
    line exits 1), ``report`` (the ``--json`` report as a dict) and
    ``markdown`` (the report the command line prints; a notebook shows
    it)."""

    passed: bool
    report: Dict[str, Any] = field(repr=False)
    markdown: str = field(repr=False)

    def __bool__(self) -> bool:
        return self.passed

    def _repr_markdown_(self) -> str:
        return self.markdown


@dataclass(frozen=True)
class Rule:
    """One rule: its name, its conditions (as the DSL prints them and as
    rules.json stores them), its decision and its evidence."""

    name: str
    conditions: List[str]
    decision: str
    validation: Optional[Evidence]
    test: Optional[Evidence]
    text: str = field(repr=False)
    conditions_json: List[Dict[str, Any]] = field(repr=False, default_factory=list)
    origin: Optional[str] = field(repr=False, default=None)

    def __hash__(self) -> int:
        # Frozen, so hashable; the lists are hashed as their contents.
        return hash((self.name, tuple(self.conditions), self.decision, self.text))

    def __str__(self) -> str:
        return self.text


def _evidence(e: Optional[dict]) -> Optional[Evidence]:
    if not e:
        return None
    return Evidence(
        support=e["support"],
        correct=e["correct"],
        agree_teacher=e["agree_teacher"],
        precision_lower_bound=e["precision_lower_bound"],
    )


class Result:
    """A rule set, compiled by :func:`rulec.compile` or read by
    :func:`rulec.load`."""

    def __init__(self, native: Any, target_kind: Optional[str] = None) -> None:
        self._native = native
        # "bool", "int" or "float" when compiled from a frame whose target
        # column held them: `apply` gives its decisions that type back.
        self._target_kind = target_kind
        self._json = json.loads(native.rules_json())
        texts = native.rule_texts()
        self.rules: List[Rule] = []
        for r, (text, conditions) in zip(self._json["rules"], texts):
            ev = r.get("evidence") or {}
            self.rules.append(
                Rule(
                    name=r["name"],
                    conditions=list(conditions),
                    decision=r["decision"],
                    validation=_evidence(ev.get("validation")),
                    test=_evidence(ev.get("test")),
                    text=text,
                    conditions_json=r["conditions"],
                    origin=r.get("origin"),
                )
            )
        report = native.report_json()
        #: report.json as a dict (``None`` for a loaded rule set).
        self.report: Optional[Dict[str, Any]] = json.loads(report) if report else None

    @property
    def target(self) -> str:
        """The column the rules decide."""
        return self._json["target"]["name"]

    @property
    def groups(self) -> List[Dict[str, Any]]:
        """The results by group (``groups=``), as rules.json records them:
        per column and split, the number of comparisons (``tests``) and per
        value its rows, covered and right rows, bound, decisions and the
        figures flagged (``differs``); empty without ``groups=``."""
        return list((self._json.get("summary") or {}).get("groups") or [])

    @property
    def rules_json(self) -> str:
        """The exact text of rules.json."""
        return self._native.rules_json()

    @property
    def notes(self) -> List[str]:
        """What rulec changed or left out when it read the data (a date
        column left out, categories unknown to the rules, a column read as
        text), as the compile printed it and the rule book's provenance
        lists it (options named as ``rulec.compile`` takes them); empty
        when there was nothing to say."""
        notes = (self._json.get("provenance") or {}).get("data_notes", [])
        return [_rulec.spelled(note) for note in notes]

    @property
    def warnings(self) -> List[str]:
        """What the compile said of the rule set beyond its figures, as it
        printed it (``note: ...``, ``warning: ...``) and as the rule book's
        first lines say it: why nothing was certified, a column that decides
        the target alone, rules that all decide the commonest class (put to
        scale), test rows that contradict the guarantee; empty when there
        was nothing to say."""
        return list(self._native.advice())

    @property
    def timings(self) -> Dict[str, float]:
        """Seconds per stage of the compile."""
        return dict(self._native.timings())

    def rulebook(self) -> str:
        """RULEBOOK.md: the rule book in Markdown."""
        return self._native.rulebook_md()

    def rulebook_html(self) -> str:
        """rulebook.html: the rule book as one self-contained page."""
        return self._native.rulebook_html()

    def _repr_html_(self) -> str:
        # The page in a frame of its own, so its styles stay out of the
        # notebook's and its Content-Security-Policy applies.
        page = html.escape(self.rulebook_html(), quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width:100%;height:640px;border:1px solid #ddd" '
            'sandbox title="rule book"></iframe>'
        )

    def __repr__(self) -> str:
        n = len(self.rules)
        counted = f"{n} rule" if n == 1 else f"{n} rules"
        if self.report:
            cov = self.report.get("coverage")
            prec = self.report.get("covered_precision")
            figures = ""
            if cov is not None:
                figures = f", test coverage {cov:.1%}"
            if prec is not None:
                figures += f", covered precision {prec:.1%}"
            return f"<rulec.Result: {counted} deciding `{self.target}`{figures}>"
        return f"<rulec.Result: {counted} deciding `{self.target}`>"

    def apply(self, data: Any):
        """Decides every row of ``data`` (a pandas or polars frame, or a
        path): a frame of the same kind (pandas for a path) with columns
        ``decision`` and ``rule``, null where no rule covers the row and
        the fallback must answer. Columns the rules do not use are
        ignored; a category never seen is not covered."""
        kind = _frames.kind_of(data)
        features = {f["name"] for f in self._json["features"]}
        source, name = _frames.to_source(_frames.only_columns(data, features))
        decisions, rules = _frames.all_columns_named(
            data, lambda: self._native.apply(source, name)
        )
        return _frames.decisions_frame(data, decisions, rules, kind, self._target_kind)

    def check(
        self,
        data: Any,
        max_share_shift: Optional[float] = None,
        strict: bool = False,
        groups: Optional[Sequence[str]] = None,
    ) -> "Check":
        """``rulec check``: do the rules still hold on ``data``, new
        labelled rows (a pandas or polars frame with the target column, or
        a path)? Each rule, each decided class under a per-class guarantee,
        and the set are measured and compared with the book; see
        :class:`Check`. ``max_share_shift`` (default 0.05), ``strict`` and
        ``groups`` are the command line's ``--max-share-shift``,
        ``--strict`` and ``--groups``."""
        kind = _frames.kind_of(data)
        if isinstance(groups, str):
            groups = groups.split(",")
        wanted = {f["name"] for f in self._json["features"]} | {self.target}
        source, name = _frames.to_source(_frames.only_columns(data, wanted))
        if kind == "path":
            name = os.fspath(data)
        markdown, report, passed = _frames.all_columns_named(
            data,
            lambda: self._native.check(
                source, name, max_share_shift, bool(strict), [str(g) for g in groups or []]
            ),
        )
        return Check(passed=passed, report=json.loads(report), markdown=markdown)

    def validate(
        self,
        data: Any,
        precision: Optional[float] = None,
        confidence: Optional[float] = None,
        teacher_column: Optional[str] = None,
    ) -> Dict[str, Any]:
        """``rulec validate --json``: each rule's and the set's figures on
        ``data``, labelled rows (a pandas or polars frame with the target
        column, or a path), against ``precision`` at ``confidence`` (the
        rule set's own by default); ``teacher_column`` names a column of
        another model's decisions, for fidelity."""
        kind = _frames.kind_of(data)
        wanted = {f["name"] for f in self._json["features"]} | {self.target}
        if teacher_column is not None:
            wanted.add(str(teacher_column))
        source, name = _frames.to_source(_frames.only_columns(data, wanted))
        if kind == "path":
            name = os.fspath(data)
        return json.loads(
            _frames.all_columns_named(
                data,
                lambda: self._native.validate(source, name, precision, confidence, teacher_column),
            )
        )

    def __reduce__(self):
        # Pickled (joblib, multiprocessing, a fitted RuleCascade) as its
        # rules.json and report; it comes back as `rulec.load` gives a rule
        # set, with the same rules, book, SQL, crate and report.
        return (
            _restore,
            (self.rules_json, self._native.rules_name(), self._native.report_json(), self._target_kind),
        )

    def save(self, dir: str, with_runtime: Optional[str] = None) -> None:
        """Writes what ``rulec compile --out DIR`` writes: rules.json,
        report.json, RULEBOOK.md, rulebook.html and crate/. ``dir`` is
        replaced as a whole, or left untouched on failure."""
        self._native.save(dir, with_runtime)

    def to_sql(
        self,
        dialect: str = "ansi",
        table: str = "data",
        view: Optional[str] = None,
        evidence: bool = False,
        teacher_column: Optional[str] = None,
    ) -> str:
        """The rules as SQL, as ``rulec emit --lang sql`` writes them
        (``ansi``, ``spark`` or ``polars``). ``teacher_column`` names the
        column of a model's decisions the evidence query counts agreement
        with, so it needs ``evidence=True``, as ``--teacher-column`` needs
        ``--evidence``."""
        if teacher_column is not None and not evidence:
            raise _rulec.RulecError(
                "teacher_column is for the evidence query: give evidence=True too"
            )
        return self._native.sql(dialect, table, view, evidence, teacher_column)

    def emit_crate(
        self, dir: str, name: Optional[str] = None, with_runtime: Optional[str] = None
    ) -> None:
        """The dependency-free Rust crate, as ``rulec emit`` writes it."""
        self._native.emit_crate(dir, name, with_runtime)


def _restore(rules_json: str, name: str, report: Any, target_kind: Optional[str]) -> Result:
    from ._rulec import loads

    # The report as the text of its report.json (as a dict from a pickle
    # written before it was kept so).
    text = json.dumps(report, indent=2) + "\n" if isinstance(report, dict) else report
    return Result(loads(rules_json.encode("utf-8"), name, text), target_kind)
