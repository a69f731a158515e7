"""`bpcalc variants FILE --count N --seed S -o DIR`: a course kit from a teacher's problem file.

DIR/v01 … DIR/vNN each hold the variant's problem.yaml, its student sheet (sheet.md, sheet.tex),
its answer key (key.md, key.tex: the answers and the worked solution) and answers.yaml (what
`bpcalc check` reads); DIR/moodle.xml holds every variant's questions as a Moodle XML quiz and
DIR/answers.csv every answer, a row each.
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
                    int(values["places"]), frozenset(reject), saturation)


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


def _the_folder(path: str, force: bool) -> tuple[Folder, str | None]:
    """The folder -o names, checked before any work: (the folder it is in, its name), or (the
    folder itself, None) for `-o .`; a link, a file, or a folder that is not empty (without
    --force) is refused."""
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
        role = Role("-o names", "", "the variants", "", instead="give the folder itself, or choose another -o")
        if st is not None and (stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode)):
            if not stat.S_ISLNK(st.st_mode):
                kind = kind_of(st.st_mode) or "a file"
                raise InputError(f"-o {shown} is {kind}, not a folder", Span(path), "give a folder, e.g. -o hw3")
            raise refusal(place, name, st, role, NO_INPUTS, want_folder=True) or InputError(
                f"-o {shown} is not a folder", Span(path), "give a folder, e.g. -o hw3")
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


def run(invocation: Invocation) -> int:
    from ..course import kit as course
    from ..course.moodle import HEAD, TAIL, variant_questions
    from ..course.template import read_template
    from ..markup import yaml_comment
    from ..render import Options, render

    values = invocation.values
    settings = _settings(values)
    path = str(values["output"])
    force = bool(values["force"])
    lang = invocation.env.language(values["lang"])
    tolerance = float(values["tol"]) if values["tol"] is not None else 10.0 ** -settings.places
    source = str(values["file"])
    place, folder_name = _the_folder(path, force)  # before any work
    try:
        template = read_template(source)
        made = course.make(template, settings)
        inputs = Inputs((source,))
        name = os.path.splitext(os.path.basename(template.file.removeprefix("example:")))[0] or "problem"
        width = max(2, len(str(settings.size)))
        labels = [f"v{v.number:0{width}d}" for v in made.variants]  # the folders, and what answers name

        def texts(variant: course.Variant, label: str, first: bool = False) -> tuple[dict[str, str], str]:
            """A variant's files, and its part of moodle.xml: its worked solution made once.  The
            first variant's worked text is measured before its part of moodle.xml is made."""
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
            return files, variant_questions(made, variant, name, tolerance, lang, solved)

        # the budget, up front: the first variant's files, as many times as there are variants
        first = texts(made.variants[0], labels[0], first=True)
        each = sum(len(t.encode("utf-8")) for t in first[0].values()) + len(first[1].encode("utf-8"))
        expected = each * len(made.variants)
        if expected > MAX_KIT_BYTES:
            n = max(1, MAX_KIT_BYTES // each)
            raise InputError(f"the kit would be about {expected / 2**20:,.0f} MiB ({len(made.variants)} variants of "
                             f"{each / 2**20:,.1f} MiB, {len(made.variants[0].questions)} questions each, moodle.xml "
                             f"holding the sheet once per question); bpcalc variants writes at most "
                             f"{MAX_KIT_BYTES // 2**20} MiB", Span(template.file),
                             f"make fewer variants (--count {n}), ask fewer questions (--ask loss,gradients:NAME), "
                             "or draw from a smaller problem")

        # nothing in a folder that exists may make the kit land elsewhere, or on the template
        if folder_name is None or place.lstat(folder_name) is not None:
            existing = place if folder_name is None else place.subfolder(folder_name, "the variants", make=False)
            try:
                _check_planned(existing, labels, inputs)
            finally:
                if existing is not place:
                    existing.close()
        folder = place if folder_name is None else place.subfolder(folder_name, "the variants")
        try:
            folder.remove_stale()
            _write(folder, made, labels, texts, first, inputs, HEAD, TAIL)
        finally:
            if folder is not place:
                folder.close()
    finally:
        place.close()
    questions = sum(len(v.questions) for v in made.variants)
    drawn = sum(v.draws for v in made.variants)
    redrawn = ", ".join(f"{n} {rule.replace('_', ' ')}" for rule, n in made.rejected.most_common())
    shown = printable(path)
    sys.stdout.write(
        f"{len(made.variants)} variants of {printable(template.file)} in {shown}/ (seed {settings.seed}; {drawn} "
        f"drawn{', redrawn: ' + redrawn if redrawn else ''})\n"
        f"  each {labels[0][0]}{'0' * (width - 1)}1/ …: {', '.join(FILES)}\n"
        f"  moodle.xml: {questions} numerical questions, {questions // len(made.variants)} per variant, "
        f"tolerance ±{tolerance:g}\n"
        f"  answers.csv: every answer, a row each\n")
    return 0


def _write(folder: Folder, made: Any, labels: list[str], texts: Any, first: tuple[dict[str, str], str],
           inputs: Inputs, head: str, tail: str) -> None:
    """Every file of the kit, by bpcalc/outputs.py's policy: each variant's folder made (never
    through a link), its files through temporary files renamed into place; moodle.xml written a
    variant at a time."""
    role = _kit_role()
    rows = ["variant,kind,name,answer"]
    moodle = Output("moodle.xml", role, inputs, folder=folder, sync=False)
    try:
        moodle.append(head)
        for k, (variant, label) in enumerate(zip(made.variants, labels)):
            files, questions = first if k == 0 else texts(variant, label)
            sub = folder.subfolder(label, "the variants")
            try:
                for file, text in files.items():
                    Output(file, role, inputs, folder=sub, sync=False).write_text(text)
            finally:
                sub.close()
            moodle.append(questions)
            rows += [f"{variant.number},{q.kind},{q.name},{q.answer!r}" for q in variant.questions]
        moodle.append(tail)
        moodle.commit()
    finally:
        moodle.close()
    Output("answers.csv", role, inputs, folder=folder, sync=False).write_text("\n".join(rows) + "\n")
