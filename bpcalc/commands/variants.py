"""`bpcalc variants FILE --count N --seed S -o DIR`: a course kit from a teacher's problem file.

DIR/v01 … DIR/vNN each hold the variant's problem.yaml, its student sheet (sheet.md, sheet.tex),
its answer key (key.md, key.tex: the answers and the worked solution) and answers.yaml (what
`bpcalc check` reads); DIR/moodle.xml holds every variant as a Moodle XML quiz and DIR/answers.csv
every answer, a row each.  Where courses live (docs/course-kit.md): `--prairielearn DIR` writes a
PrairieLearn course folder, `--qti FILE.zip` a QTI 1.2 package for Canvas, `--gradescope DIR` a
Gradescope autograder; `--distinct` draws numbers that tell every catalogued mistake apart.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import TYPE_CHECKING, Any

from ..cli.options import Invocation
from ..errors import InputError, Span, UsageError, printable
from ..outputs import NO_INPUTS, Folder, Inputs, Output, Role, kind_of, refusal

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
                    int(values["places"]), frozenset(reject), saturation, bool(values.get("distinct")))


def _title(name: str, number: int, width: int, lang: str, key: bool) -> str:
    from ..render.words import translate

    msgid = "{name}, variant {k}: answer key" if key else "{name}, variant {k}"
    return translate(lang, msgid, name=name, k=f"{number:0{width}d}")


def _retitled(text: str, fmt: str, title: str, lang: str) -> str:
    """A rendered document with its own title, not `bpcalc COMMAND FILE`; the title (which holds
    the template's name) written as bpcalc/markup.py writes text for that format."""
    from ..markup import latex, markdown

    lines = text.split("\n")
    for i, line in enumerate(lines):
        if fmt == "markdown" and line.startswith("## bpcalc "):
            lines[i] = f"## {markdown(title)}"
            break
        if fmt == "latex" and line.startswith(r"\section*{bpcalc "):
            lines[i] = rf"\section*{{{latex(title, wide=lang == 'zh')}}}"
            break
    return "\n".join(lines)


def _plain_modeline(text: str) -> str:
    """A variant is a plain problem file: its schema line, if it has one, names the schema of those."""
    from .. import shipped

    head, newline, rest = text.partition("\n")
    return shipped.modeline() + newline + rest if head.startswith("# yaml-language-server:") else text


# --- where the kit goes: bpcalc/outputs.py's policy, for the folder and every file in it ------------------

#: the most a kit may be, in bytes written (every variant's files, moodle.xml, answers.csv): a small
#: template asking many questions of a large network would otherwise write hundreds of megabytes
#: (moodle.xml holds the sheet once per question), for minutes
MAX_KIT_BYTES = 64 * 2**20
#: the most one variant's worked text may be (its sheet and key, Markdown and LaTeX): a homework
#: worked by hand (the blog's 2-2-2 network: 50 KiB; a 4-5-3 one: 175 KiB); each KiB takes about
#: a millisecond to work out and lay out, so 30 variants stay within seconds
MAX_WORKED_BYTES = 192 * 2**10


def _worked_budget(files: dict[str, str], variant: Any, template: str) -> None:
    """A variant's worked text (its sheet and key, Markdown and LaTeX) within MAX_WORKED_BYTES."""
    worked = sum(len(files[f].encode("utf-8")) for f in ("sheet.md", "sheet.tex", "key.md", "key.tex"))
    if worked > MAX_WORKED_BYTES:
        raise InputError(f"a variant's sheet and key would be {worked / 2**10:,.0f} KiB of worked solution (a "
                         f"problem of {len(variant.problem.lines):,} lines); bpcalc variants writes at most "
                         f"{MAX_WORKED_BYTES // 2**10} KiB a variant, a homework worked by hand", Span(template),
                         "draw from a smaller problem: fewer layers, neurons or samples")


def _kit_role() -> Role:
    return Role("the kit's file is", "bpcalc variants would overwrite its template", "the variants", "",
                instead="choose another folder for -o")


def _the_folder(path: str, force: bool, option: str = "-o") -> tuple[Folder, str | None]:
    """The folder `option` (-o, --prairielearn, --gradescope) names, checked before any work: (the
    folder it is in, its name), or (the folder itself, None) for `.`; a link, a file, or a folder
    that is not empty (without --force) is refused."""
    shown = printable(path)
    parent, name = os.path.split(path.rstrip(os.sep) or path)
    if name in ("", ".", ".."):
        itself = Folder.named(path, "the variants")
        if not force and os.listdir(itself.fd):
            itself.close()
            raise InputError(f"{shown} is not empty; bpcalc variants does not write into it", Span(path),
                             "choose a new folder, or add --force to write over the variants in it")
        return itself, None
    place = Folder.named(parent, "the variants")
    try:
        st = place.lstat(name)
        example = "hw3" if option == "-o" else "pl" if option == "--prairielearn" else "gs"
        role = Role(f"{option} names", "", "the variants", "",
                    instead=f"give the folder itself, or choose another {option}")
        if st is not None and (stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode)):
            if not stat.S_ISLNK(st.st_mode):
                kind = kind_of(st.st_mode) or "a file"
                raise InputError(f"{option} {shown} is {kind}, not a folder", Span(path),
                                 f"give a folder, e.g. {option} {example}")
            raise refusal(place, name, st, role, NO_INPUTS, want_folder=True) or InputError(
                f"{option} {shown} is not a folder", Span(path), f"give a folder, e.g. {option} {example}")
        if st is not None and not force and _entries(place, name):
            raise InputError(f"{shown} is not empty; bpcalc variants does not write into it", Span(path),
                             "choose a new folder, or add --force to write over the variants in it")
    except BaseException:
        place.close()
        raise
    return place, name


def _entries(place: Folder, name: str) -> list[str]:
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0),
                     dir_fd=place.fd)
    except OSError:
        return ["?"]
    try:
        return os.listdir(fd)
    finally:
        os.close(fd)


def _check_planned(folder: Folder, labels: list[str], inputs: Inputs) -> None:
    """Before anything is written into a folder that exists: no file the kit would write is a
    link, a hard link, a pipe, a device or the template, and no variant's folder is a link."""
    role = _kit_role()
    for name in ("moodle.xml", "answers.csv"):
        refused = refusal(folder, name, folder.lstat(name), role, inputs)
        if refused is not None:
            raise refused
    for label in labels:
        st = folder.lstat(label)
        if st is None:
            continue
        sub = folder.subfolder(label, "the variants", make=False)
        try:
            for file in FILES:
                refused = refusal(sub, file, sub.lstat(file), role, inputs)
                if refused is not None:
                    raise refused
        finally:
            sub.close()


# --- the command ----------------------------------------------------------------------------------------


#: the option that names each output, as the messages name it
FLAGS = {"output": "-o", "prairielearn": "--prairielearn", "qti": "--qti", "gradescope": "--gradescope"}


def _targets(values: dict[str, Any]) -> dict[str, str]:
    """Where each output goes: the kit's folder (-o; `variants` unless only a platform's output is
    asked for), and the platforms' (--prairielearn, --qti, --gradescope); no two the same place."""
    chosen = {k: str(values[k]) for k in ("prairielearn", "qti", "gradescope") if values.get(k) is not None}
    kit = values.get("output")
    if kit is not None or not chosen:
        chosen = {"output": str(kit if kit is not None else "variants"), **chosen}
    seen: dict[str, str] = {}
    for key, path in chosen.items():
        real = os.path.realpath(path)
        for other, where in seen.items():
            if real == where or real.startswith(where + os.sep) or where.startswith(real + os.sep):
                raise UsageError(f"{FLAGS[other]} and {FLAGS[key]} name the same place ({printable(path)})", None,
                                 "give each output a place of its own")
        seen[key] = real
    return chosen


class _Opened:
    """The folders the outputs go to, opened (and checked) before any work, closed at the end."""

    def __init__(self) -> None:
        self.places: list[Folder] = []

    def folder(self, path: str, force: bool, option: str) -> tuple[Folder, str | None]:
        place, name = _the_folder(path, force, option)
        self.places.append(place)
        return place, name

    def inside(self, place: Folder, name: str | None, noun: str) -> Folder:
        folder = place if name is None else place.subfolder(name, noun)
        if folder is not place:
            self.places.append(folder)
        return folder

    def close(self) -> None:
        for place in reversed(self.places):
            place.close()


def _existing(place: Folder, name: str | None) -> Folder | None:
    """The folder itself when it exists (to check what is in it before writing), else None."""
    if name is None:
        return place
    if place.lstat(name) is None:
        return None
    return place.subfolder(name, "the variants", make=False)


def run(invocation: Invocation) -> int:
    from ..course import kit as course
    from ..course.moodle import HEAD, TAIL, count_multichoice, variant_questions
    from ..course.template import read_template
    from ..markup import yaml_comment
    from ..outputs import Tree, tree_refusal
    from ..render import Options, render

    values = invocation.values
    settings = _settings(values)
    force = bool(values["force"])
    lang = invocation.env.language(values["lang"])
    given_tol = float(values["tol"]) if values["tol"] is not None else None
    source = str(values["file"])
    targets = _targets(values)
    inputs = Inputs((source,))
    opened = _Opened()
    qti_file: Output | None = None
    try:
        # every place is checked before any work
        places = {key: opened.folder(path, force, FLAGS[key]) for key, path in targets.items() if key != "qti"}
        if "qti" in targets:
            qti_file = Output(targets["qti"], Role("--qti names", "--qti would overwrite the template",
                                                   "the QTI package", "quiz.zip",
                                                   exists=f"{printable(targets['qti'])} exists"), inputs,
                              replace=force)
        template = read_template(source)
        made = course.make(template, settings)
        tolerance = course.margin(made, given_tol)
        name = os.path.splitext(os.path.basename(template.file.removeprefix("example:")))[0] or "problem"
        width = max(2, len(str(settings.size)))
        labels = [f"v{v.number:0{width}d}" for v in made.variants]  # the folders, and what answers name
        platforms = _Platforms(made, name, lang, tolerance, targets)

        def texts(variant: course.Variant, label: str, first: bool = False) -> dict[str, Any]:
            """A variant's files for every output, its worked solution made once.  The first
            variant's worked text is measured before anything else of it is made."""
            solved = course.worked(variant)
            sheet = course.sheet(variant, settings.places, label=label, solved=solved)
            key = course.key(variant, settings.places, solved=solved)
            title, key_title = (_title(name, variant.number, width, lang, k) for k in (False, True))
            header = (f"# {yaml_comment(title)}, drawn by bpcalc variants from {yaml_comment(template.file)} "
                      f"(seed {settings.seed})\n")
            files = {
                "problem.yaml": header + _plain_modeline(variant.text) + course.marking(variant, settings.places),
                "sheet.md": _retitled(render(sheet, "markdown", Options(lang=lang)), "markdown", title, lang),
                "sheet.tex": _retitled(render(sheet, "latex", Options(lang=lang, standalone=True)), "latex", title,
                                       lang),
                "key.md": _retitled(render(key, "markdown", Options(lang=lang)), "markdown", key_title, lang),
                "key.tex": _retitled(render(key, "latex", Options(lang=lang, standalone=True)), "latex", key_title,
                                     lang),
                "answers.yaml": course.answers_file(variant, key_title, label),
            }
            if first:
                _worked_budget(files, variant, template.file)
            made_here: dict[str, Any] = {"platforms": platforms.variant(variant, label, solved, files["problem.yaml"])}
            if "output" in targets:
                made_here["files"] = files
                made_here["moodle"] = variant_questions(made, variant, name, tolerance, lang, solved)
            return made_here

        # the budget, up front: the first variant's files, as many times as there are variants
        first = texts(made.variants[0], labels[0], first=True)
        each = _size(first)
        expected = each * len(made.variants)
        if expected > MAX_KIT_BYTES:
            n = max(1, MAX_KIT_BYTES // each)
            raise InputError(f"the kit would be about {expected / 2**20:,.0f} MiB ({len(made.variants)} variants of "
                             f"{each / 2**20:,.1f} MiB, {len(made.variants[0].questions)} questions each); bpcalc "
                             f"variants writes at most {MAX_KIT_BYTES // 2**20} MiB", Span(template.file),
                             f"make fewer variants (--count {n}), ask fewer questions (--ask loss,gradients:NAME), "
                             "or draw from a smaller problem")

        # nothing in a folder that exists may make the kit land elsewhere, or on the template
        for key, (place, folder_name) in places.items():
            existing = _existing(place, folder_name)
            if existing is None:
                continue
            try:
                if key == "output":
                    _check_planned(existing, labels, inputs)
                else:
                    refused = tree_refusal(existing, platforms.planned(key, labels), _kit_role(), inputs)
                    if refused is not None:
                        raise refused
            finally:
                if existing is not place:
                    existing.close()
        folders = {key: opened.inside(place, folder_name, "the variants") for key, (place, folder_name) in
                   places.items()}
        for folder in folders.values():
            folder.remove_stale()
        trees = {key: Tree(folder, _kit_role(), inputs) for key, folder in folders.items() if key != "output"}
        try:
            kit_folder = folders.get("output")
            moodle = None
            if kit_folder is not None:
                moodle = Output("moodle.xml", _kit_role(), inputs, folder=kit_folder, sync=False)
                moodle.append(HEAD)
            rows = ["variant,kind,name,answer"]
            multichoice: list[int] = []
            try:
                for k, (variant, label) in enumerate(zip(made.variants, labels)):
                    done = first if k == 0 else texts(variant, label)
                    if kit_folder is not None and moodle is not None:
                        _write_variant(kit_folder, label, done["files"], inputs)
                        moodle.append(done["moodle"])
                        multichoice.append(count_multichoice(done["moodle"]))
                        rows += [f"{variant.number},{q.kind},{q.name},{q.answer!r}" for q in variant.questions]
                    platforms.write_variant(done["platforms"], trees)
                if kit_folder is not None and moodle is not None:
                    moodle.append(TAIL)
                    moodle.commit()
                    Output("answers.csv", _kit_role(), inputs, folder=kit_folder, sync=False).write_text(
                        "\n".join(rows) + "\n")
            finally:
                if moodle is not None:
                    moodle.close()
            platforms.finish(trees, qti_file)
        finally:
            for tree in trees.values():
                tree.close()
    finally:
        if qti_file is not None:
            qti_file.close()
        opened.close()
    sys.stdout.write(_said(made, template.file, targets, labels, width, settings, tolerance, platforms, multichoice))
    return 0


def _size(made: dict[str, Any]) -> int:
    """The bytes one variant adds to every output."""
    total = sum(len(t.encode("utf-8")) for t in made.get("files", {}).values())
    total += len(made.get("moodle", "").encode("utf-8"))
    for text in made["platforms"].values():
        for part in (text.values() if isinstance(text, dict) else [text]):
            total += len(part.encode("utf-8")) if isinstance(part, str) else len(part)
    return total


def _write_variant(folder: Folder, label: str, files: dict[str, str], inputs: Inputs) -> None:
    """A variant's folder and its files, by bpcalc/outputs.py's policy: the folder made (never
    through a link), each file through a temporary file renamed into place."""
    sub = folder.subfolder(label, "the variants")
    try:
        for file, text in files.items():
            Output(file, _kit_role(), inputs, folder=sub, sync=False).write_text(text)
    finally:
        sub.close()


class _Platforms:
    """The outputs for the platforms asked for: PrairieLearn's course, Canvas's QTI package,
    Gradescope's autograder — each fed a variant at a time, then finished."""

    def __init__(self, made: Any, name: str, lang: str, tolerance: Any, targets: dict[str, str]):
        from ..course.vendor import package_files, wheel

        self.pl = self.qti = self.gs = None
        self.vendored: dict[str, list[tuple[str, bytes]]] = {}
        if "prairielearn" in targets:
            from ..course.prairielearn import Course

            self.pl = Course(made, name, lang)
            self.vendored["prairielearn"] = package_files(python_only=True)
        if "qti" in targets:
            from ..course.qti import Package

            self.qti = Package(made, name, tolerance, lang)
        if "gradescope" in targets:
            from ..course.gradescope import Autograder

            self.gs = Autograder(made, name)
            self.vendored["gradescope"] = [wheel()]
        self.scaled = 0  # QTI questions asked scaled

    def planned(self, key: str, labels: list[str]) -> list[str]:
        vendored = [p for p, _ in self.vendored.get(key, [])]
        if key == "prairielearn" and self.pl is not None:
            return self.pl.planned(labels) + [f"serverFilesCourse/bpcalc/{path}" for path in vendored]
        if key == "gradescope" and self.gs is not None:
            return self.gs.planned(labels) + vendored
        return []

    def variant(self, variant: Any, label: str, solved: Any, problem_text: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.pl is not None:
            out["prairielearn"] = self.pl.variant(variant, label, solved)
        if self.qti is not None:
            out["qti"] = self.qti.assessment_file(variant, label, solved)
        if self.gs is not None:
            out["gradescope"] = self.gs.variant(variant, label, problem_text)
        return out

    def write_variant(self, made: dict[str, Any], trees: dict[str, Any]) -> None:
        for key in ("prairielearn", "gradescope"):
            for path, text in made.get(key, {}).items():
                trees[key].write(path, text)
        if self.qti is not None:
            self.qti.add(*made["qti"])

    def finish(self, trees: dict[str, Any], qti_file: Output | None) -> None:
        if self.pl is not None:
            tree = trees["prairielearn"]
            for path, data in self.vendored["prairielearn"]:
                tree.write(f"serverFilesCourse/bpcalc/{path}", data)
            for path, text in self.pl.final().items():
                tree.write(path, text)
        if self.gs is not None:
            from ..course.gradescope import EXECUTABLE

            tree = trees["gradescope"]
            for path, data in self.vendored["gradescope"]:
                tree.write(path, data)
            for path, text in self.gs.final(self.vendored["gradescope"][0][0]).items():
                tree.write(path, text, executable=path in EXECUTABLE)
        if self.qti is not None and qti_file is not None:
            qti_file.write_bytes(self.qti.finish())


def _said(made: Any, template: str, targets: dict[str, str], labels: list[str], width: int, settings: Any,
          tolerance: Any, platforms: _Platforms, multichoice: list[int]) -> str:
    """What was written, where: the run's summary."""
    n = len(made.variants)
    asked = len(made.variants[0].questions)
    drawn = sum(v.draws for v in made.variants)
    redrawn = ", ".join(f"{k} {rule.replace('_', ' ')}" for rule, k in made.rejected.most_common())
    where = f" in {printable(targets['output'])}/" if "output" in targets else ""
    lines = [f"{n} variants of {printable(template)}{where} (seed {settings.seed}; {drawn} drawn"
             f"{', redrawn: ' + redrawn if redrawn else ''})"]
    if "output" in targets:
        low, high = min(multichoice), max(multichoice)
        choices = f"{low}" if low == high else f"{low} to {high}"
        lines += [f"  each {labels[0][0]}{'0' * (width - 1)}1/ …: {', '.join(FILES)}",
                  f"  moodle.xml: per variant a Cloze question holding the sheet, {asked} numerical and",
                  f"    {choices} multiple-choice questions; tolerance {tolerance.said()}",
                  "  answers.csv: every answer, a row each"]
    if platforms.pl is not None:
        lines.append(f"PrairieLearn course in {printable(targets['prairielearn'])}/: the question "
                     f"questions/{platforms.pl.qid} ({_count(n, 'variant')}, {asked} answers each), graded by bpcalc")
    if platforms.qti is not None:
        lines.append(f"Canvas QTI package {printable(targets['qti'])}: {_count(n, 'quiz')}, one per variant, {asked} "
                     f"numerical questions each ({platforms.qti.scaled_count} asked scaled, as Canvas keeps 4 "
                     "decimal places)")
    if platforms.gs is not None:
        lines.append(f"Gradescope autograder in {printable(targets['gradescope'])}/: zip its files (not the folder) "
                     "and upload them")
    if settings.distinct:
        lines += _distinct_said(made, labels, settings.places)
    return "\n".join(lines) + "\n"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}zes" if word.endswith("z") else f"{n} {word}s"


def _distinct_said(made: Any, labels: list[str], places: int) -> list[str]:
    """--distinct: how many variants tell every mistake apart, the chance collisions left, and
    those no draw avoids (the same computation, whatever the numbers)."""
    n = len(made.variants)
    clean = sum(1 for v in made.variants if not any(not c.exact for c in v.collisions))
    exact: dict[str, int] = {}
    for v in made.variants:
        for c in v.collisions:
            if c.exact:
                said = c.said(v.problem, places)
                exact[said] = exact.get(said, 0) + 1
    lines = [f"--distinct: {clean} of {n} variants tell every catalogued mistake apart by its answers"
             + ("; no draw tells these apart:" if exact else "")]
    lines += [f"  {said}" + ("" if k == n else f" (in {k} of {n} variants)") for said, k in exact.items()]
    for v, label in zip(made.variants, labels):
        lines += [f"  {label}, by chance: {c.said(v.problem, places)}" for c in v.collisions if not c.exact]
    return lines
