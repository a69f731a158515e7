"""A command line without FILE (`bpcalc step --lr 0.5`), or without anything (`bpcalc`): the one
problem file in the current folder, said on standard error, or a message that shows the two ways
to start.  Both command lines (options.parse and the typer app) come here, for every command that
takes FILE.

The problem file here is `net.yaml` when there is one (the name `bpcalc init` writes), else the
only `*.yaml` / `*.yml` with a top-level `define:` or `network:`.
"""

from __future__ import annotations

import os
import sys

from ..errors import BpcalcError

DEFAULT_FILE = "net.yaml"
#: the command `bpcalc` runs when given none
DEFAULT_COMMAND = "step"
_LARGEST = 1024 * 1024  # a bigger YAML file here is data, not a homework problem


def problem_files(folder: str = ".") -> list[str]:
    """The problem files in a folder: `net.yaml` alone if it is there, else every YAML file that is
    a problem (either form), sorted."""
    from ..shipped import looks_like_problem

    if os.path.isfile(os.path.join(folder, DEFAULT_FILE)):
        return [DEFAULT_FILE]
    found = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in entries:
        path = os.path.join(folder, name)
        if not name.endswith((".yaml", ".yml")) or not os.path.isfile(path):
            continue
        try:
            if os.path.getsize(path) > _LARGEST:
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(_LARGEST)
        except OSError:
            continue
        if looks_like_problem(text):
            found.append(name)
    return found


def problem_here(command: str, bare: bool = False, then: tuple[str, ...] = ()) -> str:
    """FILE left out: the folder's one problem file (said on stderr), or what to do instead.
    `then`: the arguments given after FILE's place (explain's NAME), written into the hint."""
    from ..errors import printable

    found = problem_files()
    if len(found) == 1:
        if not bare:
            sys.stderr.write(f"bpcalc: no FILE given: using {printable(found[0])}, the problem file in this "
                             "folder\n")
        return found[0]
    needs = "bpcalc needs a command and a problem FILE" if bare else f"bpcalc {command} needs a problem FILE"
    if not found:
        raise BpcalcError(f"{needs}, and this folder has none", None, _WAYS_ON)
    shown = ", ".join(printable(name) for name in found[:6]) + (", …" if len(found) > 6 else "")
    raise BpcalcError(f"{needs}, and this folder has several: {shown}", None,
                     f"name one: bpcalc {command} {' '.join(printable(w) for w in (found[0], *then))} "
                     f"(or call one {DEFAULT_FILE}: it is used "
                     "when no FILE is named)")


def bare() -> list[str] | None:
    """`bpcalc` alone: `step` on the folder's one problem file; None when the shell asks for
    completions (the typer app answers them)."""
    if "_BPCALC_COMPLETE" in os.environ:
        return None
    from ..errors import printable

    file = problem_here(DEFAULT_COMMAND, bare=True)
    sys.stderr.write(f"bpcalc: no command given: running bpcalc {DEFAULT_COMMAND} {printable(file)} "
                     "(bpcalc --help lists the commands)\n")
    return [DEFAULT_COMMAND, file]


_WAYS_ON = ("two ways to start:\n"
            "  bpcalc init       writes net.yaml, a starter with every key explained; then: bpcalc step\n"
            "  bpcalc examples   lists the shipped examples; then: bpcalc step example:slides_1_1_1\n"
            "  (bpcalc --help lists every command)")
