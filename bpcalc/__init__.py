"""bpcalc — a backprop calculator that shows its work.

    >>> import bpcalc
    >>> problem = bpcalc.load("examples/seed003_expression.yaml")
    >>> solution = bpcalc.solve(problem, round=2, step=True)
    >>> solution.gradients["w_o"], solution.updated["w_o"]
"""

from __future__ import annotations

__version__ = "0.1.0"

from .engine import Solution, solve  # noqa: E402
from .errors import BpcalcError, InputError, MathError  # noqa: E402
from .problem import Line, Problem  # noqa: E402
from .spec import load  # noqa: E402


def loads(text: str, name: str = "<string>") -> Problem:
    """Load a problem from YAML text; `name` is what error messages call it."""
    return load(name, text=text)


def trace_of(solution: Solution, command: str = "step", *, only: list[str] | None = None,
          max_paths: int = 16):
    """The worked solution as typed steps (Given, Forward, Loss, Backward, ChainRule, Update,
    LossAfter): what every renderer formats.  `command` is forward, grad or step."""
    from .trace import build

    return build(solution, command, only=only, max_paths=max_paths)


__all__ = ["BpcalcError", "InputError", "Line", "MathError", "Problem", "Solution", "load", "loads",
           "solve", "trace_of", "__version__"]
