"""`forward`, `grad` and `step`: load, solve, build the trace, render it; `step -o` writes back."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any

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
    from ..reading import load
    from ..render import Options, render

    v = invocation.values
    command = invocation.command.name
    file = str(v["file"])
    fmt = format_name(v["format"])
    refuse_meaningless(fmt, v)
    if v["notation"] == "matrix" and (v["only"] or v["delta_sign"] == "minus"):
        from ..cli.options import UsageError

        raise UsageError("--notation matrix writes every layer whole, with δ^l = ∂C/∂z^l", None,
                         "leave out --only and --delta-sign minus, or use --notation delta")
    output = v.get("output")
    target = None
    if output is not None and output != "-":  # checked, and its temporary file made, before any work
        from ..writeback import Target

        target = Target(str(output), file)
    import gc

    collecting = gc.isenabled()
    gc.disable()  # a worked solution makes no reference cycle (tests/test_resources.py): nothing to collect
    try:
        problem = load(file)
        sign = -1 if v["delta_sign"] == "minus" else 1
        from ..engine.optim import chosen

        optimizer = chosen(v.get("optimizer"), problem.optimizer)
        states: dict[str, Any] = {}  # momentum's velocities, Adam's moments: carried from one iteration to the next
        solutions = [solve(problem, round=v["round"], lr=v["lr"], step=command == "step", optimizer=optimizer,
                           states=states, backward=command != "forward")]
        for _ in range(1, v.get("steps") or 1):  # each iteration from the last one's updated params
            done = solutions[-1]
            nxt = dataclasses.replace(problem, params={**problem.params, **(done.updated or {})})
            solutions.append(solve(nxt, round=v["round"], lr=v["lr"], step=True, optimizer=optimizer,
                                   states=states))
        if fmt == "json":  # the solution as data: no steps to build
            from ..trace.data import data_trace

            traces = [data_trace(s, command) for s in solutions]
            if v["notation"] == "matrix":  # the layers' matrices as nested lists
                from ..trace.matrix import matrix_steps

                traces = [t._replace(steps=(matrix_steps(s)[1],)) for t, s in zip(traces, solutions)]
        else:
            from ..trace import build

            traces = [build(s, command, only=v["only"], max_paths=v["max_paths"], notation=v["notation"],
                            delta_sign=sign) for s in solutions]
        if len(traces) > 1:
            from ..trace.builder import iterations

            trace = iterations(traces, solutions)
        else:
            trace = traces[0]
        from ..render.words import default_language

        options = Options(digits=v["digits"], ascii=v["ascii"], standalone=v["standalone"],
                          width=line_width(v["width"]), lang=v["lang"] or default_language())
        updated = solutions[-1].updated or {}
        if output == "-":  # the updated problem is the output: a pipe to the next step
            from ..writeback import updated_text

            shown = updated_text(problem, updated)
        else:
            shown = render(trace, fmt, options)
        if target is not None:  # written before anything is printed: a failure leaves no half-run
            target.write(problem, updated)
    finally:
        if collecting:
            gc.enable()
        if target is not None:
            target.close()
    sys.stdout.write(shown)
    if target is not None:
        from ..errors import escaped

        sys.stderr.write(f"wrote {escaped(str(output))}\n")
    from ..cli.exits import keep_to_the_end

    keep_to_the_end(problem, solutions, traces, trace, shown)
    return 0
