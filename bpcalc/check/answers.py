"""A student's answers: read from YAML or JSON, each number kept as written.

Two shapes, mixed freely:

    loss: 0.298371109                      # the shape of the JSON output (docs/checking.md)
    values:    {out_h1: 0.593269992}
    gradients: {w5: 0.082167041}
    updated:   {w5: 0.35891648}
    loss_after: 0.2910

    variant: v07                           # which variant, when a class has several (bpcalc variants)
    ∂E/∂w5: 0.0822                         # flat, as a worked solution writes it
    dE_total/dw5: 0.0822                   #   (∂ or d; the numerator is the output)
    ∂out_o1/∂net_o1: 0.1868                #   a local derivative: ∂line/∂name it uses
    w5_new: 0.3589                         #   an updated param (also w5')
    out_o1: 0.7514                         #   a value

How precise an answer is comes from how it is written: 0.5933 is right when the true value rounds
to it at 4 decimals (see `precision`).
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from ..errors import InputError, Span, did_you_mean
from ..problem import Problem
from ..reading.yamldoc import Doc, Path, parse_yaml, read_text

KINDS = ("loss", "values", "gradients", "updated", "loss_after", "local")
_PARTIAL = re.compile(r"(?:∂|d)\s*([A-Za-z_][\w\[\]]*)\s*/\s*(?:∂|d)\s*([A-Za-z_][\w\[\]]*)\Z")
_UPDATED = re.compile(r"([A-Za-z_][\w\[\]]*?)(?:_new|'|′|\+)\Z")
_LOSS_WORDS = ("E", "L", "Loss", "loss", "E_total", "cost", "C", "J", "error")


class Answer(NamedTuple):
    kind: str  # one of KINDS
    name: str  # the node (for local: "of|wrt")
    text: str  # the number as written
    value: float
    tolerance: float  # |true − value| within this is right
    span: Span


def precision(text: str) -> float:
    """Half a unit in the last place written: 0.5933 → 0.00005, 8.2e-2 → 0.005, 71.5 → 0.05."""
    body = text.strip().lstrip("+-−")
    mantissa, _, exponent = body.lower().partition("e")
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** ((int(exponent) if exponent else 0) - decimals)


def agrees(true: float, answer: Answer, tolerance: float | None = None) -> bool:
    """Whether the answer is the true value to the precision it was written with (or to
    `tolerance`).  A true value that is not 0 but rounds to 0 at the written precision is not
    answered by 0: the digits that show it are missing."""
    tol = answer.tolerance if tolerance is None else tolerance
    if tolerance is None and answer.value == 0.0 and true != 0.0:
        return False
    return abs(true - answer.value) <= tol * (1 + 1e-9) + 1e-300


def load_answers(path: str, problem: Problem) -> list[Answer]:
    """Every answer in an answers file (answers_in)."""
    text, shown = read_text(path)
    return answers_in(parse_yaml(text, shown), problem)


def answers_in(doc: Doc, problem: Problem) -> list[Answer]:
    """Every answer in an answers file read as `doc`, with where it is written; a name the problem
    does not have is an InputError with a "did you mean"."""
    if not isinstance(doc.data, dict):
        raise InputError("an answers file is a mapping: `gradients: {w5: 0.0822}` or `∂E/∂w5: 0.0822`",
                         doc.span(()), "see `bpcalc check --help` for both shapes")
    reader = _Reader(doc, problem)
    for key, value in doc.data.items():
        if key == "variant" and key not in reader.names:  # which variant of a class's problem
            continue
        reader.entry(str(key), value)
    if not reader.answers:
        raise InputError("the answers file holds no answer", doc.span(()),
                         "write the numbers to check, e.g. `gradients: {w5: 0.0822}`")
    return reader.answers


class _Reader:
    def __init__(self, doc: Doc, problem: Problem):
        self.doc = doc
        self.problem = problem
        self.names = [*problem.leaves, *(line.name for line in problem.lines)]
        self.lines = {line.name for line in problem.lines}
        self.answers: list[Answer] = []

    def entry(self, key: str, value: Any) -> None:
        path: Path = (key,)
        if key in ("values", "gradients", "updated"):
            if not isinstance(value, dict):
                raise InputError(f"`{key}` must be a mapping of names to numbers", self.doc.span(path),
                                 f"for example: {key}: {{w5: 0.0822}}")
            for name, number in value.items():
                self.add(key, self.known(str(name), path + (name,), key), path + (name,), number)
            return
        if key in ("loss", "loss_after"):
            self.add(key, self.problem.output, path, value)
            return
        partial = _PARTIAL.match(key)
        if partial:
            of, wrt = partial.groups()
            if of in _LOSS_WORDS or of == self.problem.output:  # ∂E/∂w5: a gradient of the output
                self.add("gradients", self.known(wrt, path, "gradients"), path, value)
                return
            of = self.known(of, path, "local")
            wrt = self.known(wrt, path, "local")
            if of not in self.lines:
                raise InputError(f"'{of}' is not a line of the problem: ∂{of}/∂{wrt} is not one of its local "
                                 "derivatives", self.doc.key_span(path),
                                 f"a gradient is written ∂{self.problem.output}/∂{wrt}")
            self.add("local", f"{of}|{wrt}", path, value)
            return
        updated = _UPDATED.match(key)
        if updated and updated.group(1) in self.problem.params:
            self.add("updated", updated.group(1), path, value)
            return
        if key in _LOSS_WORDS and key not in self.names:
            self.add("loss", self.problem.output, path, value)
            return
        self.add("values", self.known(key, path, "values"), path, value)

    def known(self, name: str, path: Path, kind: str) -> str:
        if name in self.names:
            if kind == "updated" and name not in self.problem.params:
                raise InputError(f"'{name}' is not a param: nothing updates it", self.doc.key_span(path),
                                 did_you_mean(name, list(self.problem.params)) or
                                 "params: " + ", ".join(self.problem.params))
            return name
        top = len(path) == 1  # a key of its own: a section of the answers, or a name
        sections = ["values", "gradients", "updated", "loss", "loss_after"] if top else []
        hint = did_you_mean(name, [*sections, *self.names]) or (
            ("sections: values, gradients, updated, loss, loss_after; " if top else "")
            + "names: " + ", ".join(self.names[:30]) + (", …" if len(self.names) > 30 else ""))
        raise InputError(f"the problem has no name '{name}'", self.doc.key_span(path), hint)

    def add(self, kind: str, name: str, path: Path, value: Any) -> None:
        written = self.doc.written.get(path)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or written is None:
            shown = "nothing" if value is None else repr(value)
            raise InputError(f"the answer for {name.replace('|', ' wrt ')} must be a number, not {shown}",
                             self.doc.span(path), "write the number as you worked it out, e.g. 0.0822")
        number = float(value)
        if not math.isfinite(number):
            raise InputError(f"the answer for {name} is not a finite number", self.doc.span(path),
                             "write the number as you worked it out")
        if any(a.kind == kind and a.name == name for a in self.answers):
            raise InputError(f"{name} is answered twice", self.doc.key_span(path), "keep one answer for each name")
        self.answers.append(Answer(kind, name, written.strip(), number, precision(written), self.doc.span(path)))
