"""`--format json`: the solution as data (SPEC §5).  Full float precision, never rounded for display."""

from __future__ import annotations

import json
from typing import Any

from ..engine import Solution
from ..expr import to_text
from ..symbolic import derivative, softmax_names


def local_formulas(solution: Solution) -> list[dict[str, Any]]:
    """Each line's local derivative with respect to each name it uses: formula and value."""
    known = softmax_names(solution.problem.lines)
    out = []
    for line in solution.problem.lines:
        for wrt, value in solution.local.get(line.name, []):
            try:
                formula: str | None = to_text(derivative(line.expr, wrt, line.name, known))
            except RecursionError:  # a formula nested hundreds deep (a very wide layer): no text
                formula = None
            out.append({"of": line.name, "wrt": wrt, "formula": formula, "value": value})
    return out


def as_data(solution: Solution, command: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "output": solution.output,
        "loss": solution.loss,
        "values": solution.values,
    }
    if command != "forward":
        data["gradients"] = solution.gradients
        data["local"] = local_formulas(solution)
    if command == "step" and solution.updated is not None:
        data["updated"] = solution.updated
        data["loss_after"] = solution.loss_after
    data["lr"] = solution.lr
    data["round"] = solution.round
    if solution.unrounded:
        data["unrounded"] = solution.unrounded
    return data


def render(solution: Solution, command: str, **_: Any) -> str:
    return json.dumps(as_data(solution, command), indent=2, ensure_ascii=False) + "\n"
