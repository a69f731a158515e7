"""`--format text`: plain lines, every value and every gradient."""

from __future__ import annotations

from typing import Any

from ..engine import Solution
from ..expr import format_number


def render(solution: Solution, command: str, digits: int = 12, **_: Any) -> str:
    def num(x: float) -> str:
        return format_number(x, digits)

    problem = solution.problem
    out = ["Given"]
    for name, value in problem.leaves.items():
        out.append(f"  {name} = {num(value)}")
    out.append(f"  η = {num(solution.lr)}")
    out.append("")
    out.append("Forward pass")
    for line in problem.lines:
        shown = f"  {line.name} = {line.source} = {num(solution.values[line.name])}"
        if line.name in solution.unrounded:
            shown += f"   ({num(solution.unrounded[line.name])} rounded)"
        out.append(shown)
    out.append(f"  {solution.output} = {num(solution.loss)}")
    if command != "forward":
        out.append("")
        out.append(f"Gradients ∂{solution.output}/∂name")
        for name in reversed(list(solution.values)):
            out.append(f"  ∂{solution.output}/∂{name} = {num(solution.gradients[name])}")
    if command == "step" and solution.updated is not None:
        out.append("")
        out.append("SGD update   θ ← θ − η·∂L/∂θ")
        for name, value in solution.updated.items():
            g = solution.gradients[name]
            old = problem.params[name]
            out.append(f"  {name} = {num(old)} − {num(solution.lr)} × ({num(g)}) = {num(value)}")
        out.append(f"  {solution.output} after the step = {num(solution.loss_after or 0.0)}")
    return "\n".join(out) + "\n"
