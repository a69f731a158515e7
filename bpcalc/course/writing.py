"""A course kit written where it goes (`bpcalc variants`; docs/course-kit.md): the kit's folder
(-o: each variant's vNN/ with its problem, sheet, key and answers, moodle.xml, answers.csv) and the
platforms' outputs (platforms.py) — by bpcalc/outputs.py's policy, as every file bpcalc writes:

* every place is opened and checked before any work: a file or a link where a folder goes, a
  folder that is not empty (without --force), a QTI package that exists, two outputs in one place;
* the kit's budget, measured on its first variant before anything is written (MAX_WORKED_BYTES a
  variant's worked text, MAX_KIT_BYTES the whole kit);
* in a folder that exists, no file the kit would write may be a link, a hard link, a pipe, a
  device or the template, and no variant's folder a link — checked before anything is written;
* every file through a temporary file renamed into place; the variants written one at a time.

`write_kit` does all of it and returns what was written; `summary` says it in a few lines.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, Span, UsageError, printable
from ..outputs import NO_INPUTS, Folder, Inputs, Output, Role, kind_of, refusal

if TYPE_CHECKING:
    from .kit import Kit, Margin, Settings, Variant
    from .platforms import Platforms

#: what each variant's folder holds
FILES = ("problem.yaml", "sheet.md", "sheet.tex", "key.md", "key.tex", "answers.yaml")
#: the option that names each output, as the messages name it, and a name to suggest for it
OPTIONS = {"output": "-o", "prairielearn": "--prairielearn", "qti": "--qti", "gradescope": "--gradescope"}
EXAMPLES = {"output": "hw3", "prairielearn": "pl", "qti": "quiz.zip", "gradescope": "gs"}
#: the most a kit may be, in bytes written (every variant's files, moodle.xml, answers.csv, the
#: platforms' outputs): a small template asking many questions of a large network would otherwise
#: write hundreds of megabytes, for minutes
MAX_KIT_BYTES = 64 * 2**20
#: the most one variant's worked text may be (its sheet and key, Markdown and LaTeX): a homework
#: worked by hand (the blog's 2-2-2 network: 50 KiB; a 4-5-3 one: 175 KiB); each KiB takes about
#: a millisecond to work out and lay out, so 30 variants stay within seconds
MAX_WORKED_BYTES = 192 * 2**10


def destinations(output: str | None = None, prairielearn: str | None = None, qti: str | None = None,
                 gradescope: str | None = None) -> dict[str, str]:
    """Where each output goes, by its key in OPTIONS: the kit's folder (`output`; `variants`
    unless only a platform's output is asked for) and the platforms'; no two in the same place,
    nor one inside another (UsageError)."""
    chosen = {k: str(v) for k, v in (("prairielearn", prairielearn), ("qti", qti), ("gradescope", gradescope))
              if v is not None}
    if output is not None or not chosen:
        chosen = {"output": str(output if output is not None else "variants"), **chosen}
    seen: dict[str, str] = {}
    for key, path in chosen.items():
        if not path.strip():
            what = "file" if key == "qti" else "folder"
            raise UsageError(f"{OPTIONS[key]} names no {what}", None, f"give a {what}, e.g. {OPTIONS[key]} "
                             f"{EXAMPLES[key]}")
        real = os.path.realpath(path)
        for other, where in seen.items():
            if real == where or real.startswith(where + os.sep) or where.startswith(real + os.sep):
                raise UsageError(f"{OPTIONS[other]} and {OPTIONS[key]} name the same place ({printable(path)})", None,
                                 "give each output a place of its own")
        seen[key] = real
    return chosen


class Written(NamedTuple):
    """What write_kit wrote, for its summary."""

    kit: Kit
    template: str  # the template's file, as it was named
    destinations: dict[str, str]  # destinations()
    labels: list[str]  # each variant's label: v01 …, its folder and what an answers file names
    margin: Margin  # the numerical questions' tolerance (Moodle, Canvas)
    platforms: Platforms
    multichoice: tuple[int, ...]  # moodle.xml's multiple-choice questions, per variant (none without -o)


def write_kit(source: str, settings: Settings, where: dict[str, str], *, lang: str = "en",
              tol: float | None = None, force: bool = False) -> Written:
    """The variants of the template `source`, drawn by `settings`, written to `where`
    (destinations()): every place checked before any work, then the kit's budget, then the files.
    `tol`: the numerical questions' tolerance (default: the marking scheme's, kit.margin);
    `force`: write into folders that hold files, and over a QTI package that exists."""
    from ..outputs import Tree, tree_refusal
    from .kit import make, margin
    from .moodle import HEAD, TAIL, count_multichoice
    from .platforms import Platforms
    from .template import read_template

    inputs = Inputs((source,))
    opened = _OpenFolders()
    qti_file: Output | None = None
    try:
        places = {key: opened.folder(path, force, OPTIONS[key]) for key, path in where.items() if key != "qti"}
        if "qti" in where:
            qti_file = Output(where["qti"], Role("--qti names", "--qti would overwrite the template",
                                                 "the QTI package", "quiz.zip",
                                                 exists=f"{printable(where['qti'])} exists"), inputs, replace=force)
        template = read_template(source)
        kit = make(template, settings)
        kit_margin = margin(kit, tol)
        name = os.path.splitext(os.path.basename(template.file.removeprefix("example:")))[0] or "problem"
        width = max(2, len(str(settings.size)))
        labels = [f"v{v.number:0{width}d}" for v in kit.variants]  # the folders, and what answers name
        platforms = Platforms(kit, name, lang, kit_margin, set(where) - {"output"})
        made = _VariantMaker(kit, name, width, lang, kit_margin, platforms, with_kit="output" in where)

        # the budget, up front: the first variant's files, as many times as there are variants
        first = made.files(kit.variants[0], labels[0], first=True)
        each = _bytes_per_variant(first)
        expected = each * len(kit.variants)
        if expected > MAX_KIT_BYTES:
            n = max(1, MAX_KIT_BYTES // each)
            raise InputError(f"the kit would be about {expected / 2**20:,.0f} MiB ({len(kit.variants)} variants of "
                             f"{each / 2**20:,.1f} MiB, {len(kit.variants[0].questions)} questions each); bpcalc "
                             f"variants writes at most {MAX_KIT_BYTES // 2**20} MiB", Span(template.file),
                             f"make fewer variants (--count {n}), ask fewer questions (--ask loss,gradients:NAME), "
                             "or draw from a smaller problem")

        # nothing in a folder that exists may make the kit land elsewhere, or on the template
        for key, (place, folder_name) in places.items():
            existing = _existing_folder(place, folder_name)
            if existing is None:
                continue
            try:
                if key == "output":
                    _refuse_planted_files(existing, labels, inputs)
                else:
                    refused = tree_refusal(existing, platforms.files_planned(key, labels), _kit_role(), inputs)
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
        multichoice: list[int] = []
        try:
            kit_folder = folders.get("output")
            moodle = None
            if kit_folder is not None:
                moodle = Output("moodle.xml", _kit_role(), inputs, folder=kit_folder, sync=False)
                moodle.append(HEAD)
            rows = ["variant,kind,name,answer"]
            try:
                for k, (variant, label) in enumerate(zip(kit.variants, labels)):
                    done = first if k == 0 else made.files(variant, label)
                    if kit_folder is not None and moodle is not None:
                        _write_variant_folder(kit_folder, label, done["files"], inputs)
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
    return Written(kit, template.file, where, labels, kit_margin, platforms, tuple(multichoice))


# --- each variant's files ----------------------------------------------------------------------------------


class _VariantMaker:
    """A variant's files for every output, its worked solution made once."""

    def __init__(self, kit: Kit, name: str, width: int, lang: str, margin: Margin, platforms: Platforms,
                 with_kit: bool):
        self.kit, self.name, self.width, self.lang, self.margin = kit, name, width, lang, margin
        self.platforms, self.with_kit = platforms, with_kit

    def files(self, variant: Variant, label: str, first: bool = False) -> dict[str, Any]:
        """{"files": the vNN/ folder's, "moodle": its part of moodle.xml (both with the kit's
        folder), "platforms": its part of each platform's output}.  The first variant's worked
        text is measured before anything else of it is made."""
        from ..markup import yaml_comment
        from ..render import Options, render
        from . import kit as course
        from .moodle import variant_questions

        settings, lang, template = self.kit.settings, self.lang, self.kit.template
        solved = course.worked(variant)
        sheet = course.sheet(variant, settings.places, label=label, solved=solved)
        key = course.key(variant, settings.places, solved=solved)
        title, key_title = (_variant_title(self.name, variant.number, self.width, lang, k) for k in (False, True))
        header = (f"# {yaml_comment(title)}, drawn by bpcalc variants from {yaml_comment(template.file)} "
                  f"(seed {settings.seed})\n")
        files = {
            "problem.yaml": header + _plain_modeline(variant.text) + course.marking(variant, settings.places),
            "sheet.md": _retitled(render(sheet, "markdown", Options(lang=lang)), "markdown", title, lang),
            "sheet.tex": _retitled(render(sheet, "latex", Options(lang=lang, standalone=True)), "latex", title, lang),
            "key.md": _retitled(render(key, "markdown", Options(lang=lang)), "markdown", key_title, lang),
            "key.tex": _retitled(render(key, "latex", Options(lang=lang, standalone=True)), "latex", key_title,
                                 lang),
            "answers.yaml": course.answers_file(variant, key_title, label),
        }
        if first:
            _check_worked_size(files, variant, template.file)
        made: dict[str, Any] = {"platforms": self.platforms.variant_files(variant, label, solved,
                                                                          files["problem.yaml"])}
        if self.with_kit:
            made["files"] = files
            made["moodle"] = variant_questions(self.kit, variant, self.name, self.margin, lang, solved)
        return made


def _variant_title(name: str, number: int, width: int, lang: str, key: bool) -> str:
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


def _check_worked_size(files: dict[str, str], variant: Variant, template: str) -> None:
    """A variant's worked text (its sheet and key, Markdown and LaTeX) within MAX_WORKED_BYTES."""
    worked = sum(len(files[f].encode("utf-8")) for f in ("sheet.md", "sheet.tex", "key.md", "key.tex"))
    if worked > MAX_WORKED_BYTES:
        raise InputError(f"a variant's sheet and key would be {worked / 2**10:,.0f} KiB of worked solution (a "
                         f"problem of {len(variant.problem.lines):,} lines); bpcalc variants writes at most "
                         f"{MAX_WORKED_BYTES // 2**10} KiB a variant, a homework worked by hand", Span(template),
                         "draw from a smaller problem: fewer layers, neurons or samples")


def _bytes_per_variant(made: dict[str, Any]) -> int:
    """The bytes one variant adds to every output."""
    total = sum(len(t.encode("utf-8")) for t in made.get("files", {}).values())
    total += len(made.get("moodle", "").encode("utf-8"))
    for text in made["platforms"].values():
        for part in (text.values() if isinstance(text, dict) else [text]):
            total += len(part.encode("utf-8")) if isinstance(part, str) else len(part)
    return total


# --- the places: opened and checked before any work -----------------------------------------------------


def _kit_role() -> Role:
    return Role("the kit's file is", "bpcalc variants would overwrite its template", "the variants", "",
                instead="choose another folder for -o")


class _OpenFolders:
    """The folders the outputs go to, opened (and checked) before any work, closed at the end."""

    def __init__(self) -> None:
        self.places: list[Folder] = []

    def folder(self, path: str, force: bool, option: str) -> tuple[Folder, str | None]:
        place, name = _open_destination(path, force, option)
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


def _open_destination(path: str, force: bool, option: str = "-o") -> tuple[Folder, str | None]:
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
        example = EXAMPLES[next(key for key, said in OPTIONS.items() if said == option)]
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


def _existing_folder(place: Folder, name: str | None) -> Folder | None:
    """The folder itself when it exists (to check what is in it before writing), else None."""
    if name is None:
        return place
    if place.lstat(name) is None:
        return None
    return place.subfolder(name, "the variants", make=False)


def _refuse_planted_files(folder: Folder, labels: list[str], inputs: Inputs) -> None:
    """Before anything is written into a kit's folder that exists: no file the kit would write is a
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


def _write_variant_folder(folder: Folder, label: str, files: dict[str, str], inputs: Inputs) -> None:
    """A variant's folder and its files, by bpcalc/outputs.py's policy: the folder made (never
    through a link), each file through a temporary file renamed into place."""
    sub = folder.subfolder(label, "the variants")
    try:
        for file, text in files.items():
            Output(file, _kit_role(), inputs, folder=sub, sync=False).write_text(text)
    finally:
        sub.close()


# --- what was written ----------------------------------------------------------------------------------------


def summary(written: Written) -> str:
    """What was written, where: the run's summary."""
    kit, where, labels, platforms = written.kit, written.destinations, written.labels, written.platforms
    n = len(kit.variants)
    asked = len(kit.variants[0].questions)
    drawn = sum(v.draws for v in kit.variants)
    redrawn = ", ".join(f"{k} {rule.replace('_', ' ')}" for rule, k in kit.rejected.most_common())
    folder = f" in {printable(where['output'])}/" if "output" in where else ""
    lines = [f"{n} variants of {printable(written.template)}{folder} (seed {kit.settings.seed}; {drawn} drawn"
             f"{', redrawn: ' + redrawn if redrawn else ''})"]
    if "output" in where:
        low, high = min(written.multichoice), max(written.multichoice)
        choices = f"{low}" if low == high else f"{low} to {high}"
        lines += [f"  each {labels[0]}/ …: {', '.join(FILES)}",
                  f"  moodle.xml: per variant a Cloze question holding the sheet, {asked} numerical and",
                  f"    {choices} multiple-choice questions; tolerance {written.margin.said()}",
                  "  answers.csv: every answer, a row each"]
    if platforms.course is not None:
        lines.append(f"PrairieLearn course in {printable(where['prairielearn'])}/: the question "
                     f"questions/{platforms.course.qid} ({_count(n, 'variant')}, {asked} answers each), graded by "
                     "bpcalc")
    if platforms.package is not None:
        lines.append(f"Canvas QTI package {printable(where['qti'])}: {_count(n, 'quiz')}, one per variant, {asked} "
                     f"numerical questions each ({platforms.package.scaled_count} asked scaled, as Canvas keeps 4 "
                     "decimal places)")
    if platforms.autograder is not None:
        lines.append(f"Gradescope autograder in {printable(where['gradescope'])}/: zip its files (not the folder) "
                     "and upload them")
    if kit.settings.distinct:
        lines += distinct_summary(kit, labels)
    return "\n".join(lines) + "\n"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}zes" if word.endswith("z") else f"{n} {word}s"


def distinct_summary(kit: Kit, labels: list[str]) -> list[str]:
    """--distinct: how many variants tell every mistake apart, the chance collisions left, and
    those no draw avoids (the same computation, whatever the numbers)."""
    places = kit.settings.places
    n = len(kit.variants)
    clean = sum(1 for v in kit.variants if not any(not c.exact for c in v.collisions))
    exact: dict[str, int] = {}
    for v in kit.variants:
        for c in v.collisions:
            if c.exact:
                said = c.said(v.problem, places)
                exact[said] = exact.get(said, 0) + 1
    lines = [f"--distinct: {clean} of {n} variants tell every catalogued mistake apart by its answers"
             + ("; no draw tells these apart:" if exact else "")]
    lines += [f"  {said}" + ("" if k == n else f" (in {k} of {n} variants)") for said, k in exact.items()]
    for v, label in zip(kit.variants, labels):
        lines += [f"  {label}, by chance: {c.said(v.problem, places)}" for c in v.collisions if not c.exact]
    return lines


__all__ = ["FILES", "MAX_KIT_BYTES", "MAX_WORKED_BYTES", "OPTIONS", "Written", "destinations", "distinct_summary",
           "summary", "write_kit"]
