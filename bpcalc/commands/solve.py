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


def line_width(chosen: int | None) -> int:
    """--width, else COLUMNS, else the terminal's width, else 80 (piped)."""
    if chosen is not None:
        return chosen
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 20:
        return int(columns)
    if sys.stdout.isatty():
        import shutil

        return max(20, shutil.get_terminal_size((80, 24)).columns)
    return 80


def refuse_meaningless(fmt: str, values: dict[str, object]) -> None:
    """--ascii, --standalone and --only where the format has nothing for them to do: said, not
    silently ignored."""
    from ..cli.options import UsageError

    if values.get("ascii") and fmt not in ("text", "rich"):
        raise UsageError(f"--ascii applies to --format text and rich, not {fmt}", None,
                         f"{fmt} output writes its symbols in its own notation; leave out --ascii")
    if values.get("standalone") and fmt not in ("latex", "html"):
        raise UsageError(f"--standalone applies to --format latex and html, not {fmt}", None,
                         "it makes a whole document of the LaTeX rows (an HTML page always is one)")
    if values.get("only") and fmt == "json":
        raise UsageError("--only chooses the lines of a worked solution; --format json always has every "
                         "value and gradient", None, "leave out --only, or choose another --format")


def run(invocation: Invocation) -> int:
    from ..engine import solve
    from ..render import Options, render
    from ..spec import load

    v = invocation.values
    command = invocation.command.name
    file = str(v["file"])
    fmt = format_name(v["format"])
    refuse_meaningless(fmt, v)
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
    if fmt == "json":  # the solution as data: no steps to build
        from ..trace.data import data_trace

        trace = data_trace(solution, command)
    else:
        from ..trace import build

        trace = build(solution, command, only=v["only"], max_paths=v["max_paths"])
    options = Options(digits=v["digits"], ascii=v["ascii"], standalone=v["standalone"],
                      width=line_width(v["width"]))
    sys.stdout.write(render(trace, fmt, options))
    if output is not None:
        from ..writeback import write_updated

        write_updated(problem, solution.updated or {}, str(output), file)
    return 0
