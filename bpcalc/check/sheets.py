"""A class's sheets: which files are answers, which problem (or variant) each answers, each graded,
and the report of one sheet or of the class.

    checkers = Checkers("net.yaml", round=None, lr=None)
    gradings = grade_files(checkers, answer_files(["answers/"]))
    trace = report(checkers, gradings, worked=True)

With several files, one that cannot be used is reported in its row and the others are graded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import BpcalcError, InputError, Span, UsageError, did_you_mean, escaped

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
    its subfolders), in name order."""
    found: list[str] = []
    for path in named:
        if path != "-" and os.path.isdir(path):
            inside = sorted(e.path for e in os.scandir(path)
                            if e.name.lower().endswith(ANSWER_SUFFIXES) and e.is_file() and not e.name.startswith("."))
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


class Checkers:
    """The problem (or, for a folder of variants, each variant's problem) an answers file is
    graded against, each solved once for the whole class."""

    def __init__(self, file: str, **options: object):
        from ..reading import load

        self.options = options
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

        return Checker(problem, **self.options)  # type: ignore[arg-type]

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
        if named is None:
            folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
            if folder in self.variants:
                return self.get(folder), folder
            raise InputError("the answers do not say which variant they answer", Span(path, 1, 1),
                             "write `variant: " + next(iter(self.variants)) + "` (the name on the sheet) at the top")
        name = _variant_name(str(named), self.variants)
        if name is None:
            raise InputError(f"no variant {escaped(str(named))!s} in the variants folder", doc.span(("variant",)),
                             did_you_mean(str(named), list(self.variants)) or
                             "variants: " + ", ".join(list(self.variants)[:20]))
        return self.get(name), name


def _variant_name(named: str, variants: dict[str, str]) -> str | None:
    """`v07`, `7` or `07` for the folder v07."""
    if named in variants:
        return named
    digits = named.lstrip("v").lstrip("0") or "0"
    for name in variants:
        if name.lstrip("v").lstrip("0") == digits:
            return name
    return None


def grade_files(checkers: Checkers, files: list[str]) -> list[Grading]:
    """Each file graded.  With several files, one that cannot be used is reported in its row and
    the others are graded; with one, it is the error."""
    from ..cli.exits import format_error
    from ..reading.yamldoc import parse_yaml, read_text
    from ..trace.steps import Grading
    from .answers import answers_in

    gradings = []
    for path in files:
        try:
            text, shown = read_text(path)
            doc = parse_yaml(text, shown)
            checker, variant = checkers.for_answers(path, doc)
            grading = checker.grade(path, answers_in(doc, checker.problem))
            gradings.append(grading._replace(variant=variant))
        except BpcalcError as err:
            if len(files) == 1:
                raise
            message = format_error(err).splitlines()[0]
            first = checkers.first
            gradings.append(Grading(first.problem.output, path, (), first.rule, message))
    return gradings

def report(checkers: Checkers, gradings: list[Grading], *, summary: bool, worked: bool, max_paths: int) -> Trace:
    """The trace of a check: one sheet's grading (with `worked`, then the worked lines of each
    answer not marked ✓), or with `summary` (always for several sheets) the class's summary."""
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
    """0 when every answer is right, 1 when any is not, 2 when a file could not be used."""
    if any(g.error is not None for g in gradings):
        return 2
    return 0 if all(r.status == "right" for g in gradings for r in g.results) else 1


def _worked_name(kind: str, name: str, output: str) -> str:
    """The name whose lines work out an answer: a local derivative's line, the output for the loss."""
    if kind == "local":
        return name.split("|")[0]
    if kind in ("loss", "loss_after"):
        return output
    return name
