"""`forward`, `grad` and `step`: load, solve, build the trace, render it; `step -o` writes back."""

from __future__ import annotations

import os
import sys

from ..cli.options import Invocation


def format_name(chosen: object) -> str:
    """The format of a run: the one chosen, else rich on a terminal and text when piped."""
    if chosen is not None:
        return str(chosen)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return "rich"
    return "text"


def run(invocation: Invocation) -> int:
    from ..engine import solve
    from ..render import Options, render
    from ..spec import load

    v = invocation.values
    command = invocation.command.name
    file = str(v["file"])
    output = v.get("output")
    target = None
    if output is not None:  # checked, and its temporary file made, before any work
        from ..writeback import Target

        target = Target(str(output), file)
    try:
        problem = load(file)
        solution = solve(problem, round=v["round"], lr=v["lr"], step=command == "step",
                         backward=command != "forward")
        fmt = format_name(v["format"])
        if fmt == "json":  # the solution as data: no steps to build
            from ..trace.data import data_trace

            trace = data_trace(solution, command)
        else:
            from ..trace import build

            trace = build(solution, command, only=v["only"], max_paths=v["max_paths"])
        options = Options(digits=v["digits"], ascii=v["ascii"], standalone=v["standalone"])
        shown = render(trace, fmt, options)
        if target is not None:  # written before anything is printed: a failure leaves no half-run
            target.write(problem, solution.updated or {})
    finally:
        if target is not None:
            target.close()
    sys.stdout.write(shown)
    return 0
