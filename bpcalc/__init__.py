"""bpcalc — a backprop calculator that shows its work.

    >>> import bpcalc
    >>> problem = bpcalc.load("examples/slides_1_1_1.yaml")
    >>> solution = bpcalc.solve(problem, round=2, step=True)
    >>> solution.gradients["w_o"], solution.updated["w_o"]

The names below are imported on first use, so `import bpcalc` (and the command line's start)
costs almost nothing.
"""

from __future__ import annotations

import os as _os
import signal as _signal
import sys as _sys


def _end_on_ctrl_c(signum: int, frame: object) -> None:
    """A Ctrl-C while bpcalc's command line starts or ends: "interrupted", exit code 130, no
    traceback (while a command runs, bpcalc/cli/exits.py reports it)."""
    try:
        _os.write(2, b"interrupted\n")
    except OSError:
        pass
    _os._exit(130)


def _is_the_program() -> bool:
    """Whether bpcalc is the program being run (its console script or `python -m bpcalc`), not a
    library imported by someone else's program, whose Ctrl-C is its own."""
    main = _sys.modules.get("__main__")
    if _os.path.basename(getattr(main, "__file__", None) or "") == "bpcalc":
        return True
    argv = getattr(_sys, "orig_argv", [])
    for i, arg in enumerate(argv[1:], start=1):
        if arg.startswith("-m"):
            return (arg[2:] or (argv[i + 1] if i + 1 < len(argv) else "")) == "bpcalc"
        if arg == "-c" or not arg.startswith("-"):
            return False
    return False


if _is_the_program():  # first, before anything else loads
    _signal.signal(_signal.SIGINT, _end_on_ctrl_c)

from typing import TYPE_CHECKING, Any  # noqa: E402 - after taking Ctrl-C

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .engine import Config, Solution, solve
    from .errors import BpcalcError, InputError, MathError
    from .problem import Line, Problem
    from .reading import load
    from .trace import Trace

_LAZY = {
    "Config": ".engine", "Solution": ".engine", "solve": ".engine",
    "BpcalcError": ".errors", "InputError": ".errors", "MathError": ".errors",
    "Line": ".problem", "Problem": ".problem", "load": ".reading", "Trace": ".trace",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bpcalc' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)


def loads(text: str, name: str = "<string>", *, unshown: bool = False, graph: bool = True) -> Problem:
    """Load a problem from YAML text; `name` is what error messages call it.  `unshown=True`: a
    problem not to be worked step by step (training), allowed up to 200,000 operations.
    `graph=False`: a network file's layers and samples alone, as `train` reads them (no lines)."""
    from .reading import load

    return load(name, text=text, unshown=unshown, graph=graph)


def trace_of(solution: Solution, command: str | None = None, *, only: list[str] | None = None,
             max_paths: int = 16) -> Trace:
    """The worked solution as typed steps (Given, Forward, Loss, Backward, ChainRule, SGD,
    LossAfter) and the solution as data: what every renderer formats.  The steps are those of all
    the solution holds (a step's when it took one), or of `command`: forward, grad or step."""
    from .trace import build

    return build(solution, command, only=only, max_paths=max_paths)


__all__ = ["BpcalcError", "Config", "InputError", "Line", "MathError", "Problem", "Solution", "Trace", "load",
           "loads", "solve", "trace_of", "__version__"]

if "IPython" in _sys.modules:  # a Jupyter kernel: a solution, a trace and a report show themselves
    from .render.notebook import install as _install

    _install()
