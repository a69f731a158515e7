"""A class's sheets: which files are answers, which problem (or variant) each answers, each graded,
and the report of one sheet or of the class.

    checkers = Checkers("net.yaml", round=None, lr=None)
    gradings = grade_files(checkers, answer_files(["answers/"]))
    trace = report(checkers, gradings, worked=True)

With several files, one that cannot be used is reported in its row and the others are graded.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..errors import BpcalcError, InputError, Span, UsageError, did_you_mean, quoted

if TYPE_CHECKING:
    from ..problem import Problem
    from ..reading.yamldoc import Doc
    from ..trace.data import Trace
    from ..trace.steps import Grading
    from .grade import Checker


#: what a folder of answers holds
ANSWER_SUFFIXES = (".yaml", ".yml", ".json")
#: at most this many answers files in one run (a class, not a file system)
MAX_FILES = 10_000


def answer_files(named: list[str]) -> list[str]:
    """The answers files: each file named, and the YAML and JSON files of each folder named (not
    its subfolders), in natural order (s2 before s10).  A file in a folder that cannot be read (a
    link to itself, a FIFO) is kept: its row says why (grade_files never waits on one)."""
    found: list[str] = []
    for path in named:
        if path != "-" and os.path.isdir(path):
            inside = sorted((e.path for e in os.scandir(path)
                             if e.name.lower().endswith(ANSWER_SUFFIXES) and not e.name.startswith(".")
                             and not _folder(e)), key=natural)
            if not inside:
                raise InputError(f"the folder {path} holds no answers file", Span(path),
                                 "put each student's answers in a .yaml or .json file there")
            found.extend(inside)
        else:
            found.append(path)
        if len(found) > MAX_FILES:
            raise InputError(f"more than {MAX_FILES:,} answers files", None, "grade the class in parts")
    if found.count("-") > 1:
        raise UsageError("standard input ('-') can be read once", None, "name '-' once")
    return found


def natural(path: str) -> list[object]:
    """A name's sort key with its numbers as numbers: s2 before s10, v7 before v07's neighbour v08."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]


def _folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: a file whose row says so
        return False


class Checkers:
    """The problem (or, for a folder of variants, each variant's problem) an answers file is
    graded against, each solved once for the whole class, under the marking scheme: the problem
    file's `check:`, then a scheme file's, then the command line's."""

    def __init__(self, file: str, *, round: int | None = None, lr: float | None = None,
                 scheme: dict[str, object] | None = None, scheme_file: str | None = None):
        from ..reading import load

        self.options: dict[str, object] = {"round": round, "lr": lr}
        self.given = scheme or {}
        self.file_scheme = _scheme_file(scheme_file) if scheme_file else {}
        self.variants: dict[str, str] = {}  # a variant's name -> its problem file
        self._made: dict[str, Checker] = {}
        if file != "-" and os.path.isdir(file):
            for entry in sorted(os.scandir(file), key=lambda e: e.name):
                problem = os.path.join(entry.path, "problem.yaml")
                if entry.is_dir() and os.path.isfile(problem):
                    self.variants[entry.name] = problem
            if not self.variants:
                raise InputError(f"{file} is a folder with no variant in it (a subfolder with a problem.yaml)",
                                 Span(file), "name the problem file, or the folder `bpcalc variants -o` made")
            self.first = self.get(next(iter(self.variants)))
        else:
            self.first = self._make(load(file))
        self.first.problem.require_one_output("check")

    def _make(self, problem: Problem) -> Checker:
        from .grade import Checker
        from .policy import Scheme

        scheme = Scheme().merged(problem.check).merged(self.file_scheme).merged(self.given)
        return Checker(problem, scheme=scheme, **self.options)  # type: ignore[arg-type]

    def get(self, variant: str) -> Checker:
        if variant not in self._made:
            from ..reading import load

            self._made[variant] = self._make(load(self.variants[variant]))
        return self._made[variant]

    def for_answers(self, path: str, doc: Doc) -> tuple[Checker, str | None]:
        """The checker of the variant an answers file (read as `doc`) answers: its `variant:` key,
        else the variant folder it sits in."""
        if not self.variants:
            return self.first, None
        named = doc.data.get("variant") if isinstance(doc.data, dict) else None
        if named is not None:
            named = doc.source(("variant",), named)  # as written: 07, not YAML's 7
        if named is None:
            folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
            if folder in self.variants:
                return self.get(folder), folder
            raise InputError("the answers do not say which variant they answer", Span(path, 1, 1),
                             "write `variant: " + next(iter(self.variants)) + "` (the name on the sheet) at the top")
        name = _variant_name(str(named), self.variants)
        if name is None:
            raise InputError(f"no variant {quoted(str(named))} in the variants folder", doc.span(("variant",)),
                             did_you_mean(str(named).lower(), list(self.variants)) or
                             "variants: " + ", ".join(list(self.variants)[:20]))
        return self.get(name), name


def _variant_name(named: str, variants: dict[str, str]) -> str | None:
    """`v07`, `V07`, `7` or `07` for the folder v07."""
    if named in variants:
        return named
    digits = named.strip().lower().lstrip("v").lstrip("0") or "0"
    if not digits.isdigit():
        return None
    for name in variants:
        if name.lower().lstrip("v").lstrip("0") == digits:
            return name
    return None


def _scheme_file(path: str) -> dict[str, object]:
    """A scheme file's keys (reading/scheme.py)."""
    from ..reading.scheme import scheme_keys
    from ..reading.yamldoc import parse_yaml, read_text

    text, shown = read_text(path)
    doc = parse_yaml(text, shown)
    return scheme_keys(doc, (), doc.data)


def grade_files(checkers: Checkers, files: list[str]) -> list[Grading]:
    """Each file graded.  With several files, one that cannot be used is reported in its row and
    the others are graded; with one, it is the error."""
    from ..errors import one_line
    from ..reading.yamldoc import parse_yaml, read_text
    from ..trace.steps import Grading
    from .answers import answers_in

    gradings = []
    for path in files:
        try:
            text, shown = read_text(path, regular=True)  # a student's FIFO is a row, not a wait
            doc = parse_yaml(text, shown, texts=frozenset({("variant",)}))
            checker, variant = checkers.for_answers(path, doc)
            grading = checker.grade(path, answers_in(doc, checker.problem))
            gradings.append(grading._replace(variant=variant))
        except BpcalcError as err:
            if len(files) == 1:
                raise
            error = one_line(err)  # the message, then its hint: both kept in the row
            gradings.append(Grading(checkers.first.problem.output, path, (), (checkers.first.scheme.describe()[0], ()),
                                    error=error))
    return gradings

def report(checkers: Checkers, gradings: list[Grading], *, summary: bool, worked: bool, max_paths: int,
           whole: bool = False) -> Trace:
    """The trace of a check: one sheet's grading (with `worked`, then the worked lines of each
    answer not marked ✓; with `whole`, the whole solution it was graded against, as the page
    draws it), or with `summary` (always for several sheets) the class's summary."""
    from ..trace.data import Trace, result_of
    from ..trace.steps import Part
    from .grade import summarise

    checker = checkers.first
    if len(gradings) == 1 and gradings[0].variant is not None:
        checker = checkers.get(gradings[0].variant)
    problem, solution = checker.problem, checker.textbook
    steps: list[object]
    if summary or len(gradings) > 1:
        steps = [summarise(checker, gradings)]
    elif whole:  # the textbook solution worked out whole, every node's gradient: the page's graph and walk
        from ..trace import build

        lines = build(solution, "step" if problem.trainable else "grad", every_gradient=True, max_paths=max_paths)
        return lines._replace(command="check", steps=(gradings[0], *lines.steps))
    else:
        grading = gradings[0]
        steps = [grading]
        marked = [r for r in grading.results if r.status != "right"]
        if marked and worked:
            from ..trace import build

            names = list(dict.fromkeys(_worked_name(r.kind, r.name, problem.output) for r in marked))
            command = "step" if any(r.kind in ("updated", "loss_after") for r in marked) else "grad"
            lines = build(solution, command, only=names, max_paths=max_paths)
            steps += [Part("The worked lines for the answers not marked ✓", tuple(names)), *lines.steps]
    return Trace("check", problem.output, problem.file, tuple(steps), result_of(solution, "check"))


def exit_code(gradings: list[Grading]) -> int:
    """The worst row: 2 when a file could not be used as a whole, 1 when any answer is not right
    (wrong, follow-on, imprecise) or an entry could not be read, else 0."""
    if any(g.error is not None for g in gradings):
        return 2
    if any(g.unreadable for g in gradings):
        return 1
    return 0 if all(r.status == "right" for g in gradings for r in g.results) else 1


def _worked_name(kind: str, name: str, output: str) -> str:
    """The name whose lines work out an answer: a local derivative's line, the output for the loss."""
    if kind == "local":
        return name.split("|")[0]
    if kind in ("loss", "loss_after"):
        return output
    return name
