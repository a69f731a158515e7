"""The console script's entry: plain `forward`/`grad`/`step` runs without building the typer app.

Importing typer (with pydantic and click) and building the app costs several times Python's own
start-up, more than loading, solving and printing a homework problem.  So an invocation made only
of a command, one FILE and well-formed known options is run here directly; everything else —
--help, --version, -o, standard input, a value out of range, an unknown or repeated option, and any
error at all — goes to `bpcalc.cli.main`, which parses and reports exactly as it always does.
tests/test_perf_cli.py checks that both paths print the same for the options handled here.
"""

from __future__ import annotations

import os
import re
import sys

COMMANDS = ("forward", "grad", "step")
DIGITS = 12  # significant digits shown by default
MAX_PATHS = 16  # chain-rule paths written out per name before the δ form
FORMATS = ("rich", "text", "markdown", "latex", "json", "html")
_UINT = re.compile(r"[0-9]+\Z")
_UFLOAT = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
#: option -> the setting it gives (values checked by `_convert`)
_VALUED = {
    "--format": "format", "-f": "format", "--round": "round", "--digits": "digits", "--lr": "lr",
    "--only": "only", "--max-paths": "max_paths",
}
_FLAGS = {"--ascii": "ascii", "--standalone": "standalone"}


def _int_in(text: str, low: int, high: int | None) -> int | None:
    if not _UINT.match(text):
        return None
    n = int(text)
    return n if low <= n and (high is None or n <= high) else None


def _convert(key: str, text: str) -> object:
    if key == "format":
        return text.lower() if text.lower() in FORMATS else None
    if key == "round":
        return _int_in(text, 0, 15)
    if key == "digits":
        return _int_in(text, 1, 17)
    if key == "max_paths":
        return _int_in(text, 1, None)
    if key == "lr":
        if not _UFLOAT.match(text):
            return None
        lr = float(text)
        return lr if 0 < lr < float("inf") else None
    return text if not text.startswith("-") else None  # --only


def parse(args: list[str]) -> dict[str, object] | None:
    """The run's settings, or None when the full command line parser should take it."""
    i = 0
    while i < len(args) and args[i] == "--debug":
        i += 1
    if i >= len(args) or args[i] not in COMMANDS:
        return None
    opts: dict[str, object] = {"command": args[i], "format": None, "round": None, "digits": DIGITS,
                               "lr": None, "only": None, "max_paths": MAX_PATHS, "ascii": False,
                               "standalone": False}
    seen: set[str] = set()
    file = None
    rest = iter(args[i + 1:])
    for arg in rest:
        if not arg.startswith("-"):
            if file is not None:
                return None
            file = arg
            continue
        name, eq, value = arg.partition("=")
        if name in _FLAGS and not eq:
            key: str | None = _FLAGS[name]
            converted: object = True
        elif name in _VALUED:
            key = _VALUED[name]
            if not eq:
                value = next(rest, None)  # type: ignore[assignment]
                if value is None:
                    return None
            converted = _convert(key, value)
            if converted is None:
                return None
        else:
            return None
        if key in seen:
            return None
        seen.add(key)
        opts[key] = converted
    if file is None:
        return None
    opts["file"] = file
    return opts


def format_name(chosen: object) -> str:
    """The format of a run: the one chosen, else rich on a terminal and text when piped."""
    if chosen is not None:
        return str(getattr(chosen, "value", chosen))
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return "rich"
    return "text"


def solve_and_render(command: str, file: str, *, fmt: object, round: int | None, lr: float | None,
                     digits: int, only: str | None, max_paths: int, ascii: bool, standalone: bool):
    """Load, solve and render one run: the work both command lines share.  Returns the text, the
    problem and the solution (for `step -o`)."""
    import importlib

    from .engine import solve
    from .spec import load

    problem = load(file)
    solution = solve(problem, round=round, lr=lr, step=command == "step")
    renderer = importlib.import_module(f".render.{format_name(fmt)}", __package__)
    names = [n.strip() for n in only.split(",") if n.strip()] if only else None
    text = renderer.render(solution, command, digits=digits, only=names, max_paths=max_paths,
                           ascii=ascii, standalone=standalone)
    return text, problem, solution


def run(opts: dict[str, object]) -> str:
    """A parsed run; any exception means: let the full command line do it."""
    text, _, _ = solve_and_render(
        str(opts["command"]), str(opts["file"]), fmt=opts["format"], round=opts["round"],  # type: ignore[arg-type]
        lr=opts["lr"], digits=opts["digits"], only=opts["only"], max_paths=opts["max_paths"],  # type: ignore[arg-type]
        ascii=bool(opts["ascii"]), standalone=bool(opts["standalone"]))
    return text


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    opts = parse(args)
    if opts is not None:
        try:
            text = run(opts)
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            return _finish(130, argv)
        except Exception:  # noqa: BLE001 - nothing printed yet: the full path reports it exactly
            pass
        else:
            try:
                sys.stdout.write(text)
            except BrokenPipeError:
                pass
            return _finish(0, argv)
    from .cli import main as full_main

    return full_main(argv)


def _finish(code: int, argv: list[str] | None) -> int:
    if argv is None:
        raise SystemExit(code)
    return code
