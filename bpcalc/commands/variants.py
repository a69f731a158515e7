"""`bpcalc variants FILE --count N --seed S -o DIR`: a course kit from a teacher's problem file.

DIR/v01 … DIR/vNN each hold the variant's problem.yaml, its student sheet (sheet.md, sheet.tex),
its answer key (key.md, key.tex: the answers and the worked solution) and answers.yaml (what
`bpcalc check` reads); DIR/moodle.xml holds every variant's questions as a Moodle XML quiz and
DIR/answers.csv every answer, a row each.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from ..cli.options import Invocation
from ..errors import InputError, Span, UsageError, printable

if TYPE_CHECKING:
    from ..course.kit import Settings

#: what each variant's folder holds
FILES = ("problem.yaml", "sheet.md", "sheet.tex", "key.md", "key.tex", "answers.yaml")


def _settings(values: dict[str, Any]) -> Settings:
    from ..course.kit import RULES, Settings

    reject = [str(r).lower() for r in values["reject"] or ()]
    if reject == ["none"]:
        reject = []
    for rule in reject:
        if rule not in RULES:
            from ..errors import did_you_mean

            raise UsageError(f"--reject: no rule {printable(rule)!r}", None,
                             did_you_mean(rule, RULES) or f"the rules: {', '.join(RULES)}, or none")
    saturation = float(values["saturation"])
    if saturation >= 0.5:
        raise UsageError(f"--saturation must be below 0.5, not {saturation:g}", None,
                         "a sigmoid output within X of 0 or 1 is saturated; for example --saturation 0.05")
    return Settings(int(values["count"]), int(values["seed"]), tuple(str(a) for a in values["ask"]),
                    int(values["places"]), frozenset(reject), saturation)


def _title(name: str, number: int, width: int, lang: str, key: bool) -> str:
    from ..render.words import translate

    msgid = "{name}, variant {k}: answer key" if key else "{name}, variant {k}"
    return translate(lang, msgid, name=name, k=f"{number:0{width}d}")


def _retitled(text: str, fmt: str, title: str) -> str:
    """A rendered document with its own title, not `bpcalc COMMAND FILE`."""
    from ..render.markdown import _words as markdown_words
    from ..render.printers import latex_escape

    lines = text.split("\n")
    for i, line in enumerate(lines):
        if fmt == "markdown" and line.startswith("## bpcalc "):
            lines[i] = f"## {markdown_words(title)}"
            break
        if fmt == "latex" and line.startswith(r"\section*{bpcalc "):
            lines[i] = rf"\section*{{{latex_escape(title)}}}"
            break
    return "\n".join(lines)


def _plain_modeline(text: str) -> str:
    """A variant is a plain problem file: its schema line, if it has one, names the schema of those."""
    from .. import shipped

    head, newline, rest = text.partition("\n")
    return shipped.modeline() + newline + rest if head.startswith("# yaml-language-server:") else text


def _prepare(folder: str, force: bool) -> None:
    shown = printable(folder)
    parent = os.path.dirname(os.path.abspath(folder))
    if not os.path.isdir(parent):
        raise InputError(f"cannot write to {shown}: the folder it is in does not exist", Span(folder),
                         "create that folder first, or choose another -o")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise InputError(f"-o {shown} is a file, not a folder", Span(folder), "give a folder, e.g. -o hw3")
    if os.path.isdir(folder) and os.listdir(folder) and not force:
        raise InputError(f"{shown} is not empty; bpcalc variants does not write into it", Span(folder),
                         "choose a new folder, or add --force to write over the variants in it")
    os.makedirs(folder, exist_ok=True)


def run(invocation: Invocation) -> int:
    from ..course import kit as course
    from ..course.moodle import quiz
    from ..course.template import read_template
    from ..render import Options, render

    values = invocation.values
    settings = _settings(values)
    folder = str(values["output"])
    lang = invocation.env.language(values["lang"])
    tolerance = float(values["tol"]) if values["tol"] is not None else 10.0 ** -settings.places
    template = read_template(str(values["file"]))
    made = course.make(template, settings)
    _prepare(folder, bool(values["force"]))
    name = os.path.splitext(os.path.basename(template.file.removeprefix("example:")))[0] or "problem"
    width = max(2, len(str(settings.size)))
    rows = ["variant,kind,name,answer"]
    written = 0
    for variant in made.variants:
        label = f"v{variant.number:0{width}d}"  # the folder, and what a student's answers name
        where = os.path.join(folder, label)
        os.makedirs(where, exist_ok=True)
        sheet, key = course.sheet(variant, settings.places, label=label), course.key(variant, settings.places)
        title, key_title = (_title(name, variant.number, width, lang, k) for k in (False, True))
        header = (f"# {title}, drawn by bpcalc variants from {printable(template.file)} (seed {settings.seed})\n")
        texts = {
            "problem.yaml": header + _plain_modeline(variant.text),
            "sheet.md": _retitled(render(sheet, "markdown", Options(lang=lang)), "markdown", title),
            "sheet.tex": _retitled(render(sheet, "latex", Options(lang=lang, standalone=True)), "latex", title),
            "key.md": _retitled(render(key, "markdown", Options(lang=lang)), "markdown", key_title),
            "key.tex": _retitled(render(key, "latex", Options(lang=lang, standalone=True)), "latex", key_title),
            "answers.yaml": course.answers_file(variant, key_title, label),
        }
        for file, text in texts.items():
            with open(os.path.join(where, file), "w", encoding="utf-8") as fh:
                fh.write(text)
            written += 1
        rows += [f"{variant.number},{q.kind},{q.name},{q.answer!r}" for q in variant.questions]
    with open(os.path.join(folder, "moodle.xml"), "w", encoding="utf-8") as fh:
        fh.write(quiz(made, name, tolerance, lang))
    with open(os.path.join(folder, "answers.csv"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    questions = sum(len(v.questions) for v in made.variants)
    drawn = sum(v.draws for v in made.variants)
    redrawn = ", ".join(f"{n} {rule.replace('_', ' ')}" for rule, n in made.rejected.most_common())
    shown = printable(folder)
    sys.stdout.write(
        f"{len(made.variants)} variants of {printable(template.file)} in {shown}/ (seed {settings.seed}; {drawn} "
        f"drawn{', redrawn: ' + redrawn if redrawn else ''})\n"
        f"  each v{'0' * (width - 1)}1/ …: {', '.join(FILES)}\n"
        f"  moodle.xml: {questions} numerical questions, {questions // len(made.variants)} per variant, "
        f"tolerance ±{tolerance:g}\n"
        f"  answers.csv: every answer, a row each\n")
    return 0
