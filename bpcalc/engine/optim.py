"""Optimisers: plain SGD, SGD with momentum and Adam, as torch.optim defines them.

    sgd        θ ← θ − η·g
    momentum   v ← μ·v + g;  θ ← θ − η·v                       (torch.optim.SGD, momentum=μ)
    adam       m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
               m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ);  θ ← θ − η·m̂/(√v̂ + ε)   (torch.optim.Adam)

Unlike the engine Config's `update` rule (old, gradient, η → new), an optimiser has a state: the
velocity, or the moments and the step count t, starting at 0.  `State` holds it and `advance`
takes one step, returning every intermediate value so that `step` can print the worked lines.
The arithmetic is written once with operators only, so the same code runs on one param's floats
(the worked step; `math.sqrt`) and on the dense engine's whole parameter vector (`numpy.sqrt`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..problem import Optimizer

SGD = Optimizer("sgd")
KINDS = ("sgd", "momentum", "adam")

Value = Any  # a float, or a numpy array of them: the code below uses only operators and `sqrt`


@dataclass(slots=True)
class State:
    """An optimiser's memory between steps: all 0 before the first step."""

    t: int = 0  # steps taken
    velocity: Value = 0.0  # momentum's v
    m: Value = 0.0  # Adam's first moment
    v: Value = 0.0  # Adam's second moment


class Move(NamedTuple):
    """One update with every value on the way: what the worked lines print.  For SGD only `old`,
    `gradient` and `new`; for momentum also the velocity before and after; for Adam the moments
    before and after, their bias-corrected forms m̂ and v̂, and the step number t."""

    old: Value
    gradient: Value
    new: Value
    velocity_before: Value = 0.0
    velocity: Value = 0.0
    m_before: Value = 0.0
    v_before: Value = 0.0
    m: Value = 0.0
    v: Value = 0.0
    m_hat: Value = 0.0
    v_hat: Value = 0.0
    t: int = 0


def advance(opt: Optimizer, theta: Value, gradient: Value, lr: float, state: State,
            sqrt: Callable[[Value], Value] = math.sqrt) -> Move:
    """One step of `opt` from `state` (updated in place): the new θ and how it was reached."""
    state.t += 1
    if opt.kind == "sgd":
        return Move(theta, gradient, theta - lr * gradient, t=state.t)
    if opt.kind == "momentum":
        before = state.velocity
        velocity = state.velocity = opt.momentum * before + gradient
        return Move(theta, gradient, theta - lr * velocity, before, velocity, t=state.t)
    if opt.kind == "adam":
        m_before, v_before = state.m, state.v
        m = state.m = opt.beta1 * m_before + (1 - opt.beta1) * gradient
        v = state.v = opt.beta2 * v_before + (1 - opt.beta2) * (gradient * gradient)
        m_hat = m / (1 - opt.beta1 ** state.t)
        v_hat = v / (1 - opt.beta2 ** state.t)
        new = theta - lr * m_hat / (sqrt(v_hat) + opt.eps)
        return Move(theta, gradient, new, m_before=m_before, v_before=v_before, m=m, v=v, m_hat=m_hat,
                    v_hat=v_hat, t=state.t)
    raise ValueError(f"unknown optimizer {opt.kind!r}; optimizers: {', '.join(KINDS)}")


def first_steps(opt: Optimizer, params: dict[str, float], gradients: dict[str, float], lr: float,
                states: dict[str, State] | None = None) -> dict[str, Move]:
    """Each param's step of `opt` (what `step` shows): from its state in `states`, updated in
    place, or from zeros (the first step) when it has none there or `states` is None."""
    states = {} if states is None else states
    return {name: advance(opt, old, gradients[name], lr, states.setdefault(name, State()))
            for name, old in params.items()}


def chosen(kind: str | None, in_file: Optimizer | None) -> Optimizer | None:
    """The optimiser of a run: `--optimizer KIND` (with the file's settings when the file names the
    same one), else the file's `optimizer:` (None: SGD)."""
    if kind is None:
        return in_file
    if in_file is not None and in_file.kind == kind:
        return in_file
    return Optimizer(kind)


def settings(opt: Optimizer) -> dict[str, float]:
    """The hyper-parameters `opt` uses, by name (for the report and JSON)."""
    if opt.kind == "momentum":
        return {"momentum": opt.momentum}
    if opt.kind == "adam":
        return {"beta1": opt.beta1, "beta2": opt.beta2, "eps": opt.eps}
    return {}


__all__ = ["KINDS", "SGD", "Move", "State", "advance", "chosen", "first_steps", "settings"]
