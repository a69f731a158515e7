"""bpcalc — a backprop calculator that shows its work.

    >>> import bpcalc
    >>> problem = bpcalc.load("examples/seed003_expression.yaml")
    >>> solution = bpcalc.solve(problem, round=2, step=True)
    >>> solution.gradients["w_o"], solution.updated["w_o"]

The names below are imported on first use, so `import bpcalc` (and the command line's start)
costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .engine import Config, Solution, solve
    from .errors import BpcalcError, InputError, MathError
    from .problem import Line, Problem
    from .spec import load
    from .trace import Trace

_LAZY = {
    "Config": ".engine", "Solution": ".engine", "solve": ".engine",
    "BpcalcError": ".errors", "InputError": ".errors", "MathError": ".errors",
    "Line": ".problem", "Problem": ".problem", "load": ".spec", "Trace": ".trace",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bpcalc' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)


def loads(text: str, name: str = "<string>") -> Problem:
    """Load a problem from YAML text; `name` is what error messages call it."""
    from .spec import load

    return load(name, text=text)


def trace_of(solution: Solution, command: str = "step", *, only: list[str] | None = None,
             max_paths: int = 16) -> Trace:
    """The worked solution as typed steps (Given, Forward, Loss, Backward, ChainRule, SGD,
    LossAfter) and the solution as data: what every renderer formats.  `command` is forward,
    grad or step."""
    from .trace import build

    return build(solution, command, only=only, max_paths=max_paths)


__all__ = ["BpcalcError", "Config", "InputError", "Line", "MathError", "Problem", "Solution", "Trace", "load",
           "loads", "solve", "trace_of", "__version__"]
