"""`bpcalc init [FILE]`: write a starter problem (course/starters.py) that runs as written.
An existing FILE is never written over without `--force`."""

from __future__ import annotations

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
    """Write `text` to `target`: a new file, or with `force` over an old regular file, by bpcalc's
    one output policy (bpcalc/outputs.py: never through a link, onto a pipe or a device; through a
    temporary file renamed into place, the old file's permissions kept)."""
    from ..outputs import NO_INPUTS, Output, Role

    shown = printable(target)
    role = Role("the file to write is", "", "the starter", "net.yaml",
                exists=f"{shown} exists; bpcalc init does not write over it")
    out = Output(target, role, NO_INPUTS, replace=force)
    try:
        out.write_text(text)
    finally:
        out.close()
