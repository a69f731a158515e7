"""The console script: `bpcalc …`.

A plain invocation (a command, its arguments, options with good values) runs straight from the
option table without importing typer, which costs more than solving a homework problem; anything
else — --help, --version, a misspelt option, a missing argument — goes to the typer app, which
parses it from the same table and says what is wrong.  Either way the job runs once, inside
`exits.guarded`, the one place that turns exceptions into exit codes.
"""

from __future__ import annotations

import sys

from .execute import execute
from .exits import Exit, guarded
from .options import Invocation, parse


def main(argv: list[str] | None = None) -> int:
    """Run bpcalc; returns (and, from the console script, exits with) the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    from ..spec.yamldoc import SOURCES

    SOURCES.clear()
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
    if argv is None:
        raise SystemExit(code)
    return code
