"""The console script: `bpcalc …`.

A plain invocation (a command, its arguments, options with good values) runs straight from the
option table without importing typer, which costs more than solving a homework problem; anything
else — --help, --version, a misspelt option, a missing argument — goes to the typer app, which
parses it from the same table and says what is wrong.  Either way the job runs once, inside
`exits.guarded`, the one place that turns exceptions into exit codes.

Ctrl-C: when bpcalc is the program, `bpcalc/__init__.py` takes it first, so that until the job
starts, and again once it is done, a Ctrl-C ends the process at once with "interrupted" and exit
code 130; while the job runs it is a KeyboardInterrupt, reported by `exits.guarded`, so that what
the job opened (a temporary `-o` file) is cleaned up.
"""

from __future__ import annotations

import os
import signal
import sys

from .. import _end_on_ctrl_c
from .execute import execute
from .exits import Exit, end, guarded, interrupted, keeping, report_closed_output
from .options import Invocation, parse


def main(argv: list[str] | None = None) -> int:
    """Run bpcalc; returns (and, from the console script, exits with) the exit code."""
    program = argv is None
    args = list(sys.argv[1:] if argv is None else argv)
    if sys.stderr is None:  # 2>&- : errors go nowhere, but writing them must not fail
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process
    if program:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the job's Ctrl-C: KeyboardInterrupt
        _collect_rarely()
        keeping()
    try:
        code = _run(args)
    except KeyboardInterrupt:  # outside the guarded job
        code = interrupted()
    finally:
        if program:
            signal.signal(signal.SIGINT, _end_on_ctrl_c)
    if program:
        end(code)
    return code


def _collect_rarely() -> None:
    """A problem is hundreds of thousands of small tuples that refer to no cycle.  As they are
    made, Python's oldest-generation collections scan all of them again and again and free nothing:
    a third of a 100,000-line file's time.  One still runs after every thousand collections of the
    middle generation (some seven million objects made), so a cycle left behind in a long run is
    freed all the same."""
    import gc

    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000)


def _run(args: list[str]) -> int:
    if sys.stdout is None:  # >&- : nothing can be printed, so nothing is done
        return report_closed_output()
    from ..reading.yamldoc import SOURCES

    SOURCES.clear()
    if args[:1] == ["help"]:  # `bpcalc help` and `bpcalc help step`, as git and pip take them
        args = [*args[1:2], "--help"]
    debug = "--debug" in args
    invocation: list[Invocation | None] = [None]

    def fast() -> int | None:
        invocation[0] = parse(args)
        return execute(invocation[0]) if invocation[0] is not None else None

    code = guarded(fast, debug)
    if invocation[0] is None and code == Exit.OK:

        def full() -> int:
            from .app import run_app  # inside the guard: a Ctrl-C while typer loads is still 130

            return run_app(args, debug)

        code = guarded(full, debug)
    return code
