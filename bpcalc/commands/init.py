"""`bpcalc init [FILE]`: write a starter problem (course/starters.py) that runs as written.
An existing FILE is never written over without `--force`."""

from __future__ import annotations

import os
import sys

from ..cli.options import Invocation
from ..course.starters import DEFAULT_FILE, starter
from ..errors import printable


def run(invocation: Invocation) -> int:
    values = invocation.values
    target = str(values["target"] or DEFAULT_FILE)
    argv = ["bpcalc init", *([] if target == DEFAULT_FILE else [target])]
    for key, flag in (("network", "--network"), ("activation", "--activation"),
                      ("output_activation", "--output-activation"), ("loss", "--loss"), ("seed", "--seed")):
        if values.get(key) is not None:
            argv.append(f"{flag} {values[key]}")
    if values.get("expression"):
        argv.append("--expression")
    text = starter(values, printable(" ".join(argv)), DEFAULT_FILE if target == "-" else printable(target))
    if target == "-":
        sys.stdout.write(text)
        return 0
    write_new(target, text, bool(values.get("force")))
    sys.stderr.write(f"bpcalc: wrote {printable(target)}; run it: bpcalc step"
                     f"{'' if target == DEFAULT_FILE else ' ' + printable(target)}\n")
    return 0


def write_new(target: str, text: str, force: bool) -> None:
    """Write `text` to `target`: a new file, or with `force` over an old one (through a temporary
    file renamed into place, so the old one stays whole if the write fails)."""
    import tempfile

    from ..errors import InputError, Span

    shown = printable(target)
    folder = os.path.dirname(os.path.abspath(target))
    if os.path.isdir(target):
        raise InputError(f"{shown} is a folder", Span(target), "give a file name, for example net.yaml")
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {shown}: its folder does not exist", Span(target),
                         "create the folder first, or choose another path")
    if os.path.lexists(target) and not force:
        raise InputError(f"{shown} exists; bpcalc init does not write over it", Span(target),
                         "choose another name, or add --force to replace it")
    try:
        if not force:
            with open(target, "x", encoding="utf-8") as fh:
                fh.write(text)
            return
        fd, tmp = tempfile.mkstemp(prefix=".bpcalc-", suffix=".yaml", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except FileExistsError:
        raise InputError(f"{shown} exists; bpcalc init does not write over it", Span(target),
                         "choose another name, or add --force to replace it") from None
    except OSError as exc:
        raise InputError(f"cannot write {shown}: {exc.strerror}", Span(target),
                         "check the folder's permissions, or choose another path") from None
