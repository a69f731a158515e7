"""Shared checks: central finite differences through the forward pass only, and a tolerance.

Central differences f'(x) ≈ (f(x+h) − f(x−h)) / 2h have truncation error h²·f'''/6 and rounding
error about ε·|f|/h (ε = 2.2e-16).  With h = 1e-5·max(1, |x|) both are below ~1e-10 relative to
the scale of f for the smooth functions used here, so a tolerance of 1e-6 (relative to
max(1, |f|, |f'|)) leaves two orders of margin while any wrong derivative formula (a missing
factor, a sign, σ' at net instead of out) is off by far more than that.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import bpcalc
from bpcalc.engine import compile_problem, forward

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FD_TOL = 1e-6


def output_at(problem: bpcalc.Problem, changes: dict[str, float], round: int | None = None) -> float:
    """The output's value with some leaves changed — the forward pass only, no derivatives."""
    inputs = {k: changes.get(k, v) for k, v in problem.inputs.items()}
    params = {k: changes.get(k, v) for k, v in problem.params.items()}
    changed = dataclasses.replace(problem, inputs=inputs, params=params)
    graph = compile_problem(changed)
    leaf_values = list(changed.leaves.values())
    vals, _ = forward(graph, changed, leaf_values, round)
    return vals[graph.root[graph.output]]


def central_difference(problem: bpcalc.Problem, name: str, round: int | None = None,
                       widen: float = 1.0) -> float:
    """(f(x+h) − f(x−h)) / 2h; `widen` scales h, to see whether the estimate itself is stable."""
    x = problem.leaves[name]
    h = 1e-5 * max(abs(x), 0.01) * widen
    up = output_at(problem, {name: x + h}, round)
    down = output_at(problem, {name: x - h}, round)
    return (up - down) / (2 * h)


def fd_close(engine: float, fd: float, scale: float = 1.0, tol: float = FD_TOL) -> bool:
    return math.isclose(engine, fd, rel_tol=tol, abs_tol=tol * max(1.0, abs(scale)))


def assert_gradients_match_fd(problem: bpcalc.Problem, names=None, round: int | None = None) -> dict:
    """Every leaf's engine gradient equals its central difference; returns the gradients."""
    sol = bpcalc.solve(problem, round=round)
    for name in names if names is not None else problem.leaves:
        fd = central_difference(problem, name, round)
        g = sol.gradients[name]
        assert fd_close(g, fd, scale=max(abs(sol.loss), abs(fd))), (name, g, fd)
    return sol.gradients


def expression(leaves: dict[str, float], lines: dict[str, str], params=(), **extra) -> bpcalc.Problem:
    """An expression file built from Python data; names in `params` go under params."""
    ins = {k: v for k, v in leaves.items() if k not in params}
    ps = {k: v for k, v in leaves.items() if k in params}
    text = []
    if ins:
        text.append("inputs: {" + ", ".join(f"{k}: {v!r}" for k, v in ins.items()) + "}")
    if ps:
        text.append("params: {" + ", ".join(f"{k}: {v!r}" for k, v in ps.items()) + "}")
    text.append("define:")
    text.extend(f"  {k}: {v}" for k, v in lines.items())
    text.extend(f"{k}: {v}" for k, v in extra.items())
    return bpcalc.loads("\n".join(text) + "\n")


def published(value: float, text: str) -> bool:
    """`value` agrees with a published number to the number of decimals it was published with."""
    places = len(text.split(".")[1]) if "." in text else 0
    return abs(value - float(text)) <= 0.5 * 10 ** -places + 1e-15


def rendered(fmt: str, solution, command: str, *, only=None, max_paths: int = 16, digits: int = 12,
             ascii: bool = False, standalone: bool = False, width: int = 1000, every_gradient: bool = False) -> str:
    """A solution's trace rendered in one format, as the command line does; text is laid out to
    `width` (wide by default, so that a test can look for a whole row on one line)."""
    from bpcalc.render import Options, render
    from bpcalc.trace import build

    trace = build(solution, command, only=only, max_paths=max_paths, every_gradient=every_gradient)
    return render(trace, fmt, Options(digits=digits, ascii=ascii, standalone=standalone, width=width))


def as_written(value: float) -> float:
    """What `step -o` writes for a value: the nearest decimal of at most 12 significant digits when
    it lies within 4 units in the last place (float noise on a short decimal), else the value."""
    if not math.isfinite(value) or value == 0.0:
        return value
    for digits in range(1, 13):
        candidate = float(f"{value:.{digits}g}")
        if abs(candidate - value) <= 4 * math.ulp(value):
            return candidate
    return value


def record_messages(monkeypatch) -> set[str]:
    """The msgids the renderers ask the message catalogue for from now on (the set fills as they do)."""
    from bpcalc.render import words

    asked: set[str] = set()
    real = words.translate

    def recording(lang: str, msgid: str, **params: object) -> str:
        asked.add(msgid)
        return real(lang, msgid, **params)

    monkeypatch.setattr(words, "translate", recording)
    return asked
