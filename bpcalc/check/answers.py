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
    δ_o1: 0.1385                           #   a neuron's δ (∂E/∂net_o1, in check's --delta-sign)
    w5_new: 0.3589                         #   an updated param (also w5', w5+, w5_updated, w5^(1))
    out_o1: 0.7514                         #   a value

A number may be written as bpcalc writes it (−0.13, with the minus sign U+2212), as a simple
fraction (1/2280), in quotes, or with a decimal comma (0,0822: read as 0.0822, with a note).  An
entry that cannot be read — a name the problem does not have, a text that is no number, a number
beyond what a float holds — is reported with its place and a hint, and the rest is graded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..errors import InputError, Span, did_you_mean, printable, quoted
from ..problem import Problem
from ..reading.yamldoc import Doc, Path, parse_yaml, read_text
from .policy import Written, written

KINDS = ("loss", "values", "gradients", "updated", "loss_after", "local", "delta")
_PARTIAL = re.compile(r"(?:∂|d)\s*([A-Za-z_][\w\[\]]*)\s*/\s*(?:∂|d)\s*([A-Za-z_][\w\[\]]*)\Z")
_UPDATED = re.compile(r"([A-Za-z_][\w\[\]]*?)(?:_new|_updated|'|′|\+|\^\(1\)|⁽¹⁾|\^1)\Z")
_DELTA = re.compile(r"(?:δ|delta)_?([A-Za-z0-9_\[\]]+)\Z")
_LOSS_WORDS = ("E", "L", "Loss", "loss", "E_total", "cost", "C", "J", "error")
#: minus signs a student may paste: the minus sign bpcalc writes, dashes, full-width and small hyphen-minus
_MINUS = str.maketrans({"−": "-", "‒": "-", "–": "-", "—": "-", "﹣": "-", "－": "-"})
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+\Z")
_FRACTION = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*/\s*([+-]?\d+(?:\.\d+)?)\Z")


class Answer(NamedTuple):
    kind: str  # one of KINDS
    name: str  # the node (for local: "of|wrt")
    text: str  # the number as written
    value: float
    written: Written  # how precise it is written
    span: Span
    note: str | None = None  # how it was read, when not plainly (a decimal comma)


class Unreadable(NamedTuple):
    """An entry that cannot be read: counted as unanswered, the rest of the sheet graded."""

    key: str  # the entry's key as written
    message: str
    span: Span | None
    hint: str | None


class Sheet(NamedTuple):
    answers: list[Answer]
    unreadable: list[Unreadable]


def load_answers(path: str, problem: Problem) -> Sheet:
    """Every answer in an answers file (answers_in)."""
    text, shown = read_text(path)
    return answers_in(parse_yaml(text, shown, texts=frozenset({("variant",)})), problem)


def answers_from_mapping(answers: Mapping[str, Any], problem: Problem, file: str = "answers") -> Sheet:
    """Every answer in a plain mapping of the answers file's shape, each number as the text the
    student wrote — {"loss": "0.2984", "gradients": {"w5": "0.0822"}} — read without YAML (a course
    platform's grader: bpcalc/course/plserver.py).  A number given as a float is read as Python
    writes it (repr), so its precision is that of the float, not of what was typed."""
    from ..reading.yamldoc import Doc

    def text(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): text(v) for k, v in value.items()}
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return repr(value)
        return value

    return answers_in(Doc(file, text(answers), ""), problem)


def answers_in(doc: Doc, problem: Problem) -> Sheet:
    """Every answer in an answers file read as `doc`, with where it is written, and every entry that
    cannot be read; a file that is not a mapping, or holds no readable answer, is an InputError."""
    if not isinstance(doc.data, dict):
        raise InputError("an answers file is a mapping: `gradients: {w5: 0.0822}` or `∂E/∂w5: 0.0822`",
                         doc.span(()), "see `bpcalc check --help` for both shapes")
    reader = _Reader(doc, problem)
    for key, value in doc.data.items():
        if key == "variant" and key not in reader.names:  # which variant of a class's problem
            continue
        try:
            reader.entry(str(key), value)
        except InputError as err:
            reader.unreadable.append(Unreadable(str(key), err.message, err.span, err.hint))
    if not reader.answers:
        if reader.unreadable:
            first = reader.unreadable[0]
            raise InputError(f"the answers file holds no answer that can be read: {first.message}", first.span,
                             first.hint)
        raise InputError("the answers file holds no answer", doc.span(()),
                         "write the numbers to check, e.g. `gradients: {w5: 0.0822}`")
    return Sheet(reader.answers, reader.unreadable)


class _Reader:
    def __init__(self, doc: Doc, problem: Problem):
        self.doc = doc
        self.problem = problem
        self.names = [*problem.leaves, *(line.name for line in problem.lines)]
        self.lines = {line.name for line in problem.lines}
        self.answers: list[Answer] = []
        self.unreadable: list[Unreadable] = []
        # a neuron's δ: neuron -> its net line (net_o1, z_o1[2])
        self.nets = {_neuron(n): n for n, role in problem.roles.items() if role == "net"}

    def entry(self, key: str, value: Any) -> None:
        path: Path = (key,)
        if key in ("values", "gradients", "updated"):
            if not isinstance(value, dict):
                raise InputError(f"`{key}` must be a mapping of names to numbers", self.doc.span(path),
                                 f"for example: {key}: {{w5: 0.0822}}")
            for name, number in value.items():
                try:
                    self.add(key, self.known(str(name), path + (name,), key), path + (name,), number)
                except InputError as err:
                    self.unreadable.append(Unreadable(f"{key}.{name}", err.message, err.span, err.hint))
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
                raise InputError(f"'{printable(of)}' is not a line of the problem: ∂{of}/∂{wrt} is not one of its "
                                 "local derivatives", self.doc.key_span(path),
                                 f"a gradient is written ∂{self.problem.output}/∂{wrt}")
            self.add("local", f"{of}|{wrt}", path, value)
            return
        updated = _UPDATED.match(key)
        if updated and updated.group(1) in self.problem.params:
            self.add("updated", updated.group(1), path, value)
            return
        delta = _DELTA.match(key)
        if delta and key not in self.names:
            net = self.nets.get(delta.group(1))
            if net is None:
                raise InputError(f"the problem has no neuron {quoted(delta.group(1))} for δ", self.doc.key_span(path),
                                 did_you_mean(delta.group(1), list(self.nets)) or
                                 "neurons: " + ", ".join(list(self.nets)[:20]) if self.nets
                                 else "δ is a neuron's: a network file's")
            self.add("delta", net, path, value)
            return
        if key in _LOSS_WORDS and key not in self.names:
            self.add("loss", self.problem.output, path, value)
            return
        self.add("values", self.known(key, path, "values"), path, value)

    def known(self, name: str, path: Path, kind: str) -> str:
        if name in self.names:
            if kind == "updated" and name not in self.problem.params:
                raise InputError(f"'{printable(name)}' is not a param: nothing updates it", self.doc.key_span(path),
                                 did_you_mean(name, list(self.problem.params)) or
                                 "params: " + ", ".join(self.problem.params))
            return name
        top = len(path) == 1  # a key of its own: a section of the answers, or a name
        sections = ["values", "gradients", "updated", "loss", "loss_after"] if top else []
        choices = list(self.problem.params) if kind == "updated" else self.names
        hint = did_you_mean(name, [*choices, *sections]) or (
            ("sections: values, gradients, updated, loss, loss_after; " if top else "")
            + "names: " + ", ".join(choices[:30]) + (", …" if len(choices) > 30 else ""))
        raise InputError(f"the problem has no name {quoted(name)}", self.doc.key_span(path), hint)

    def add(self, kind: str, name: str, path: Path, value: Any) -> None:
        shown = name.replace("|", " wrt ")
        if any(a.kind == kind and a.name == name for a in self.answers):
            raise InputError(f"{printable(shown)} is answered twice", self.doc.key_span(path),
                             "keep one answer for each name")
        text = self.doc.written.get(path)
        note = None
        if isinstance(value, str):  # '0.0822', −0.13, 0,0822, 1/2280
            text = value.strip().translate(_MINUS)
            fraction = _FRACTION.match(text)
            if _NUMBER.match(text):
                number = _float(text, shown, self.doc.span(path))
            elif _COMMA_NUMBER.match(text):
                number = _float(text.replace(",", "."), shown, self.doc.span(path))
                note = "decimal comma read as a decimal point"
            elif fraction and float(fraction.group(2)) != 0:
                number = float(fraction.group(1)) / float(fraction.group(2))
                self.answers.append(Answer(kind, name, text, number, Written(number, 0.0, 99, 99, exact=True),
                                           self.doc.span(path), "a fraction: judged at the precision required"))
                return
            else:
                raise InputError(f"the answer for {printable(shown)} must be a number, not {quoted(value)}",
                                 self.doc.span(path), "write the number as you worked it out, e.g. 0.0822")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or text is None:
            said = "nothing" if value is None else printable(self.doc.source(path, value))
            raise InputError(f"the answer for {printable(shown)} must be a number, not {said}",
                             self.doc.span(path), "write the number as you worked it out, e.g. 0.0822")
        else:
            number = _float(text, shown, self.doc.span(path))
        self.answers.append(Answer(kind, name, text.strip(), number, written(text, number), self.doc.span(path), note))


def _float(text: str, shown: str, span: Span) -> float:
    """A number as written, or an error at its place when it is beyond a float (1e400, 0e400 read
    as the precision of a zero past the largest exponent)."""
    try:
        number = float(text.replace("−", "-"))
    except (ValueError, OverflowError):
        number = math.nan
    exponent = text.lower().partition("e")[2].lstrip("+-")
    if not math.isfinite(number) or (exponent.isdigit() and (len(exponent) > 3 or int(exponent) > 308)):
        raise InputError(f"the answer for {printable(shown)} is beyond the numbers bpcalc can compare "
                         f"({printable(text)[:40]})", span, "write the number as you worked it out, e.g. 0.0822")
    return number


def _neuron(net: str) -> str:
    """net_o1 → o1, z_o1[2] → o1[2]: the neuron a net line is of."""
    return net.split("_", 1)[-1]


__all__ = ["KINDS", "Answer", "Sheet", "Unreadable", "answers_from_mapping", "answers_in", "load_answers"]
