"""`bpcalc examples`: the shipped examples, one line each; `bpcalc examples show NAME` prints one."""

from __future__ import annotations

import sys

from ..cli.options import Invocation


def listing() -> str:
    from .. import shipped

    every, templates = shipped.names(), shipped.templates()
    width = max(len(n) for n in every + templates)
    lines = ["The examples shipped with bpcalc. Run one: bpcalc step example:NAME",
             "Print one, to read or to start from: bpcalc examples show NAME > mine.yaml", ""]
    lines += [f"  {name.ljust(width)}  {shipped.describe(name)}" for name in every]
    if templates:
        lines += ["", "Templates of bpcalc variants (a range where a number goes):"]
        lines += [f"  {name.ljust(width)}  {shipped.describe(name)}" for name in templates]
    others = [n for n in shipped.names(problems_only=False) if n not in every and n not in templates]
    if others:  # answers files: bpcalc check FILE example:answers/…
        lines += ["", "Other files (bpcalc examples show NAME): " + ", ".join(others)]
    return "\n".join(lines) + "\n"


def run(invocation: Invocation) -> int:
    from .. import shipped
    from ..errors import UsageError, printable

    show, name = invocation.values["show"], invocation.values["name"]
    if show is None:
        sys.stdout.write(listing())
        return 0
    if show != "show":
        if name is not None:
            raise UsageError(f"bpcalc examples takes show NAME, not {printable(show)} {printable(name)}", None,
                             "for example: bpcalc examples show blog_2_2_2")
        name = show  # `bpcalc examples NAME` shows it too
    elif name is None:
        raise UsageError("bpcalc examples show needs the NAME of an example", None,
                         "for example: bpcalc examples show blog_2_2_2 (bpcalc examples lists them)")
    text, _ = shipped.read(name)
    sys.stdout.write(shipped.with_modeline(text, name))
    return 0
