"""`bpcalc examples`: the shipped examples, one line each; `bpcalc examples show NAME` prints one
(or a shipped data file, `train/iris.csv`); `bpcalc examples copy NAME [DIR]` writes a runnable copy
of one, with the data files it reads, by bpcalc's one output policy (bpcalc/outputs.py)."""

from __future__ import annotations

import os
import sys

from ..cli.options import Invocation


def listing() -> str:
    from .. import shipped

    every, templates = shipped.names(), shipped.templates()
    width = max(len(n) for n in every + templates)
    lines = ["The examples shipped with bpcalc. Run one: bpcalc step example:NAME",
             "Print one, to read or to start from: bpcalc examples show NAME > mine.yaml",
             "Copy one with the data it reads: bpcalc examples copy NAME [DIR]", ""]
    lines += [f"  {name.ljust(width)}  {shipped.describe(name)}" for name in every]
    if templates:
        lines += ["", "Templates of bpcalc variants (a range where a number goes):"]
        lines += [f"  {name.ljust(width)}  {shipped.describe(name)}" for name in templates]
    others = [n for n in shipped.names(problems_only=False) if n not in every and n not in templates]
    others += shipped.data_names()
    if others:  # answers files (bpcalc check FILE example:answers/…) and data files
        lines += ["", "Other files (bpcalc examples show NAME):", "  " + ", ".join(others)]
    return "\n".join(lines) + "\n"


def run(invocation: Invocation) -> int:
    from .. import shipped
    from ..errors import UsageError, printable

    v = invocation.values
    action, name, folder = v["show"], v["name"], v.get("dir")
    if action is None:
        sys.stdout.write(listing())
        return 0
    if action not in ("show", "copy"):
        if name is not None:
            raise UsageError(f"bpcalc examples takes show NAME, not {printable(action)} {printable(name)}", None,
                             "for example: bpcalc examples show blog_2_2_2, or bpcalc examples copy train/iris")
        name = action  # `bpcalc examples NAME` shows it too
        action = "show"
    elif name is None:
        raise UsageError(f"bpcalc examples {action} needs the NAME of an example", None,
                         f"for example: bpcalc examples {action} blog_2_2_2 (bpcalc examples lists them)")
    if action == "copy":
        return copy(str(name), None if folder is None else str(folder), bool(v.get("force")))
    if folder is not None:
        raise UsageError(f"bpcalc examples show prints the example: {printable(str(folder))} is one word too many",
                         None, f"to write it into a folder: bpcalc examples copy {printable(str(name))} "
                         f"{printable(str(folder))}")
    sys.stdout.write(shipped.shown(str(name)))
    _say_data(str(name))
    return 0


def _say_data(name: str) -> None:
    """A shown problem that reads a data file runs only beside it: said on standard error, so a
    copy made with `> mine.yaml` does not hold it."""
    from .. import shipped

    if name.removeprefix(shipped.PREFIX) in shipped.data_names():
        return
    data = shipped.data_of(name)
    if data:
        sys.stderr.write(f"bpcalc: this example reads {', '.join(data)} beside it: bpcalc examples copy "
                         f"{name.removeprefix(shipped.PREFIX)} writes both\n")


def copy(name: str, folder: str | None, force: bool) -> int:
    """The example and the data files it reads, written into `folder` (the current one when left
    out; made when it does not exist): every file checked before any is written, none written over
    without `force`."""
    from .. import shipped
    from ..errors import InputError, Span, printable
    from ..outputs import NO_INPUTS, Output, Role

    source = shipped.path(name)
    shown_name = source.relative_to(shipped.FOLDER).with_suffix("").as_posix()
    files: list[tuple[str, bytes]] = [(source.name, shipped.with_modeline(source.read_text(encoding="utf-8"),
                                                                          shown_name).encode("utf-8"))]
    files += [(data, (source.parent / data).read_bytes()) for data in shipped.data_of(shown_name)]
    where = folder or ""
    if where and not os.path.isdir(where):
        try:
            os.mkdir(where)
        except OSError as exc:
            raise InputError(f"cannot make the folder {printable(where)}: {exc.strerror or exc}", Span(where),
                             "choose another folder, or make it first") from None
    outputs: list[Output] = []
    try:
        for relative, _ in files:
            target = os.path.join(where, relative)
            parent = os.path.dirname(target)
            if parent and not os.path.isdir(parent):
                os.makedirs(parent, exist_ok=True)
            shown = printable(target)
            role = Role("the file to write is", "", "the example", "mine.yaml",
                        exists=f"{shown} exists; bpcalc examples copy does not write over it")
            outputs.append(Output(target, role, NO_INPUTS, replace=force))  # each checked before any is written
        for out, (_, data) in zip(outputs, files):
            out.write_bytes(data)
    finally:
        for out in outputs:
            out.close()
    written = [printable(os.path.join(where, relative)) for relative, _ in files]
    problem = printable(os.path.join(where, source.name))
    command = ("bpcalc variants" if shown_name.startswith(shipped.TEMPLATES + "/")
               else "bpcalc train" if shown_name.startswith("train/")
               else "bpcalc step" if shipped.looks_like_problem(source.read_text(encoding="utf-8")) else None)
    sys.stderr.write(f"bpcalc: wrote {' and '.join(written)}"
                     + (f"; run it: {command} {problem}" if command else "") + "\n")
    return 0
