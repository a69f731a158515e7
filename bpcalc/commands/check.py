"""`check`: a student's answers graded against the worked solution, each wrong one diagnosed;
several answers files (or a folder of them) graded as a class.

    bpcalc check net.yaml answers.yaml          one student: a table, the mistakes, the score, and
                                                the worked lines of every answer marked ✗
    bpcalc check net.yaml answers/ --format csv a class: a gradebook row per file

Exit 0 when every answer is right, 1 when any is wrong or follow-on, 2 when a file cannot be used
(in a class, after the report of every file that can).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from ..cli.options import Invocation, UsageError
from ..errors import BpcalcError, InputError, Span, did_you_mean, escaped

if TYPE_CHECKING:
    from ..check.grade import Checker
    from ..problem import Problem
    from ..reading.yamldoc import Doc
    from ..trace.steps import Grading

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
        from ..check.grade import Checker

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
    from ..check.answers import answers_in
    from ..cli.exits import format_error
    from ..reading.yamldoc import parse_yaml, read_text
    from ..trace.steps import Grading

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


def run(invocation: Invocation) -> int:
    from ..check.grade import summarise
    from ..render import Options, render
    from ..render.words import default_language
    from ..trace.data import Trace, result_of
    from ..trace.steps import Part
    from .solve import format_name, line_width, refuse_meaningless

    v = invocation.values
    fmt = format_name(v["format"])
    refuse_meaningless(fmt, v)
    if v["tol"] is not None and v["rel"] is not None:
        raise UsageError("--tol and --rel both say how close an answer must be; give one", None,
                         "--tol 1e-4 allows that much difference, --rel 1e-3 that share of the value")
    files = answer_files(list(v["answers"]))
    if str(v["file"]) == "-" and "-" in files:
        raise UsageError("the problem and the answers cannot both come from standard input", None,
                         "name one of them as a file")
    checkers = Checkers(str(v["file"]), round=v["round"], lr=v["lr"], tol=v["tol"], rel=v["rel"])
    gradings = grade_files(checkers, files)
    checker = checkers.first
    if len(gradings) == 1 and gradings[0].variant is not None:
        checker = checkers.get(gradings[0].variant)
    problem, solution = checker.problem, checker.textbook
    steps: list[object]
    if len(gradings) > 1 or fmt == "csv":
        steps = [summarise(checker, gradings)]
    else:
        grading = gradings[0]
        steps = [grading]
        marked = [r for r in grading.results if r.status != "right"]
        if marked and fmt != "json":
            from ..trace import build

            names = list(dict.fromkeys(_worked_name(r.kind, r.name, problem.output) for r in marked))
            command = "step" if any(r.kind in ("updated", "loss_after") for r in marked) else "grad"
            worked = build(solution, command, only=names, max_paths=v["max_paths"])
            steps += [Part("The worked lines for the answers not marked ✓", tuple(names)), *worked.steps]
    trace = Trace("check", problem.output, problem.file, tuple(steps), result_of(solution, "check"))
    options = Options(digits=v["digits"], ascii=v["ascii"], standalone=v["standalone"], width=line_width(v["width"]),
                      lang=v["lang"] or default_language())
    sys.stdout.write(render(trace, fmt, options))
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
