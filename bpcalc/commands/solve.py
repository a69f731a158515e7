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
    if output is not None:
        from ..writeback import check_target

        check_target(str(output), file)
    problem = load(file)
    optimizer = None
    if v.get("optimizer") is not None:
        from .train import _optimizer

        optimizer = _optimizer(v["optimizer"], problem)
    solution = solve(problem, round=v["round"], lr=v["lr"], step=command == "step", optimizer=optimizer)
    fmt = format_name(v["format"])
    if fmt == "json":  # the solution as data: no steps to build
        from ..trace.data import data_trace

        trace = data_trace(solution, command)
    else:
        from ..trace import build

        trace = build(solution, command, only=v["only"], max_paths=v["max_paths"])
    options = Options(digits=v["digits"], ascii=v["ascii"], standalone=v["standalone"])
    sys.stdout.write(render(trace, fmt, options))
    if output is not None:
        from ..writeback import write_updated

        write_updated(problem, solution.updated or {}, str(output), file)
    return 0
