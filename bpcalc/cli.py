"""The command line: parse options, load, solve, hand the solution to one renderer, print.

This is the only module that prints errors or chooses exit codes (SPEC §8):
0 success · 1 a wrong answer / mismatch · 2 unusable input or usage · 70 internal error · 130 Ctrl-C.
"""

from __future__ import annotations

import math
import os
import re
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import BpcalcError
from .fastpath import DIGITS, FORMATS, MAX_PATHS, solve_and_render

EXIT_OK = 0
EXIT_WRONG = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


#: --format's choices: one per module under bpcalc.render (the list lives with the fast path)
Format = Enum("Format", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


app = typer.Typer(
    name="bpcalc",
    help="A backprop calculator that shows its work: every value and derivative, step by step.\n\n"
    "Example:  bpcalc step examples/seed003_expression.yaml --round 2",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FileArg = Annotated[str, typer.Argument(help="the problem, a YAML file ('-' reads standard input)",
                                        metavar="FILE", show_default=False)]
FormatOpt = Annotated[Optional[Format], typer.Option(
    "--format", "-f", help="rich (default on a terminal), text (default when piped), markdown, "
    "latex, json or html", show_default=False, case_sensitive=False)]
RoundOpt = Annotated[Optional[int], typer.Option(
    "--round", min=0, max=15, help="round activation outputs to N decimal places as they are "
    "computed, as worked examples do by hand", show_default=False)]
DigitsOpt = Annotated[int, typer.Option("--digits", min=1, max=17,
                                        help="significant digits to show (display only)")]
LrOpt = Annotated[Optional[float], typer.Option("--lr", help="learning rate η (overrides the file's `lr`; "
                                                "default 0.5)", show_default=False)]
MaxPathsOpt = Annotated[int, typer.Option("--max-paths", min=1, help="above this many chain-rule "
                                            "paths to one name, show the per-node (δ) form instead")]
AsciiOpt = Annotated[bool, typer.Option("--ascii", help="plain ASCII symbols: d for ∂, sigmoid for σ, "
                                        "* for ×")]
StandaloneOpt = Annotated[bool, typer.Option("--standalone", help="latex/html: a whole document, "
                                             "not a fragment")]
OnlyOpt = Annotated[Optional[str], typer.Option("--only", help="show only the lines that lead to "
                                                "these names (comma-separated)", show_default=False)]


def _version(value: bool) -> None:
    if value:
        print(f"bpcalc {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the version and exit")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="show the traceback of an internal error")] = False,
) -> None:
    """A backprop calculator that shows its work."""


def _run(command: str, file: str, fmt: Optional[Format], round_: Optional[int], digits: int,
         lr: Optional[float], only: Optional[str], max_paths: int, ascii_: bool, standalone: bool,
         output: Optional[str] = None) -> None:
    if lr is not None and not (lr > 0 and math.isfinite(lr)):
        raise BpcalcError(f"--lr must be a positive number, not {lr:g}", None,
                          "the learning rate η is a small positive number, for example --lr 0.5")
    if output is not None:
        from .writeback import check_target

        check_target(output, file)
    text, problem, solution = solve_and_render(
        command, file, fmt=fmt, round=round_, lr=lr, digits=digits, only=only, max_paths=max_paths,
        ascii=ascii_, standalone=standalone)
    sys.stdout.write(text)
    if output is not None:
        from .writeback import write_updated

        write_updated(problem, solution.updated or {}, output, file)


@app.command()
def forward(file: FileArg, format: FormatOpt = None, round: RoundOpt = None, digits: DigitsOpt = DIGITS,
         lr: LrOpt = None, only: OnlyOpt = None, max_paths: MaxPathsOpt = MAX_PATHS, ascii: AsciiOpt = False,
         standalone: StandaloneOpt = False) -> None:
    """Forward pass and loss, step by step.

    Example:  bpcalc forward examples/seed000_apples.yaml
    """
    _run("forward", file, format, round, digits, lr, only, max_paths, ascii, standalone)


@app.command()
def grad(file: FileArg, format: FormatOpt = None, round: RoundOpt = None, digits: DigitsOpt = DIGITS,
         lr: LrOpt = None, only: OnlyOpt = None, max_paths: MaxPathsOpt = MAX_PATHS, ascii: AsciiOpt = False,
         standalone: StandaloneOpt = False) -> None:
    """Forward and backward pass: every local derivative, chain-rule product and gradient.

    Example:  bpcalc grad examples/seed002_network.yaml --format json
    """
    _run("grad", file, format, round, digits, lr, only, max_paths, ascii, standalone)


@app.command()
def step(file: FileArg, format: FormatOpt = None, round: RoundOpt = None, digits: DigitsOpt = DIGITS,
         lr: LrOpt = None, only: OnlyOpt = None, max_paths: MaxPathsOpt = MAX_PATHS, ascii: AsciiOpt = False,
         standalone: StandaloneOpt = False,
         output: Annotated[Optional[str], typer.Option(
             "--output", "-o", help="write the problem with the updated params to this file "
             "(comments and key order kept)", show_default=False)] = None) -> None:
    """Forward, backward and one SGD update θ ← θ − η·∂L/∂θ, then the loss after it.

    Example:  bpcalc step examples/seed003_expression.yaml --round 2 -o next.yaml
    """
    _run("step", file, format, round, digits, lr, only, max_paths, ascii, standalone, output)


def format_error(err: BpcalcError) -> str:
    """`FILE:LINE:COL: error: what`, the source line with a caret under the bad part, a hint."""
    span = err.span
    lines = []
    if span is None:
        lines.append(f"error: {err.message}")
    else:
        where = span.file
        if span.line is not None:
            where += f":{span.line}"
            if span.column is not None:
                where += f":{span.column}"
        lines.append(f"{where}: error: {err.message}")
        source = _source_line(span.file, span.line)
        if source is not None and span.column is not None:
            shown, column = _excerpt(source, span.column)
            carets = max(1, min(span.length, len(shown) - column + 1))
            lines.append(f"  {shown}")
            lines.append("  " + " " * _width(shown[:column - 1]) + "^" * carets)
    if err.hint:
        lines.append(f"hint: {err.hint}")
    return "\n".join(lines) + "\n"


_EXCERPT = 100  # longest source line shown whole under an error


def _excerpt(source: str, column: int) -> tuple[str, int]:
    """The part of a long line around `column` (with … where it was cut), and the column in it."""
    if len(source) <= _EXCERPT:
        return source, column
    start = max(0, min(column - 1 - _EXCERPT // 2, len(source) - _EXCERPT))
    end = start + _EXCERPT
    head = "…" if start > 0 else ""
    tail = "…" if end < len(source) else ""
    return head + source[start:end] + tail, column - start + len(head)


def _width(text: str) -> int:
    """Columns `text` takes on a terminal (CJK characters take two), so the caret lines up."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _source_line(file: str, line: int | None) -> str | None:
    from .yamldoc import SOURCES

    text = SOURCES.get(file)
    if line is None or text is None:
        return None
    rows = re.split("\r\n|[\n\r\x85\u2028\u2029]", text)  # YAML's line breaks, no others
    if 1 <= line <= len(rows):
        return rows[line - 1].expandtabs(1)
    return None


def main(argv: list[str] | None = None) -> int:
    """Run bpcalc; returns (and, from the console script, exits with) the exit code."""
    from .yamldoc import SOURCES

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    command = typer.main.get_command(app)
    SOURCES.clear()
    try:
        rv = command.main(args, prog_name="bpcalc", standalone_mode=False)
        code = rv if isinstance(rv, int) else EXIT_OK
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C inside a command into this exit code
            sys.stderr.write("interrupted\n")
    except BpcalcError as err:
        sys.stdout.flush()
        sys.stderr.write(format_error(err))
        code = EXIT_USAGE
    except typer.Exit as exc:
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        code = EXIT_OK
    except Exception as exc:
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            return _finish(getattr(exc, "exit_code", EXIT_USAGE), argv)
        if debug:
            import traceback

            traceback.print_exc()
        else:
            sys.stderr.write("bpcalc: internal error — please report it, with the input file; "
                             "rerun with --debug for the traceback\n")
        code = EXIT_INTERNAL
    return _finish(code, argv)


def _finish(code: int, argv: list[str] | None) -> int:
    if argv is None:
        raise SystemExit(code)
    return code


def _is_usage_error(exc: Exception) -> bool:
    """Click's usage errors (bad option, missing argument), whichever click typer brings."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)
