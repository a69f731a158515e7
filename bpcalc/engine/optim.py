"""Optimisers: an update made from the formulas of its record in ops/optimizers.py.

An optimiser has a state — the velocity, the moments, a sum of squares — and the step count t,
all 0 before the first step.  `State` holds it and `advance` takes one step, returning every value
on the way (each rule's result, each state before the step), which is what `step` prints.  Each
rule's formula is compiled once into a kernel by ops/kernels.py: on one param's floats (a worked
step) or, with `arrays`, on the dense engine's whole parameter vector (`bpcalc train`), where the
table's functions are numpy's.  The run's configuration may change the rules (`Config.update`:
the update added instead of subtracted, η left out…), which is how `check` models those mistakes
for every optimiser alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

from ..expr.tree import Expr
from ..ops.kernels import Kernel, formula_kernel
from ..ops.optimizers import KINDS, Optimiser, formulas
from ..problem import Optimizer
from .config import RuleChange

SGD = Optimizer("sgd")

Value = Any  # a float, or a numpy array of them: the kernels use only the table's functions

@dataclass(slots=True)
class State:
    """An optimiser's memory between steps: the step count and each kept value (all 0 at first)."""

    t: int = 0
    kept: dict[str, Value] = field(default_factory=dict)


class Move(NamedTuple):
    """One update with every value on the way: each rule's result (`values`, θ's too) and each
    kept state's value before the step (`before`), at step `t`."""

    old: Value
    gradient: Value
    new: Value
    values: dict[str, Value]
    before: dict[str, Value]
    t: int


def advance(opt: Optimizer, theta: Value, gradient: Value, lr: float, state: State,
            change: RuleChange | None = None, arrays: bool = False) -> Move:
    """One step of `opt` from `state` (updated in place): the new θ and how it was reached."""
    return stepper(opt, change, arrays)(theta, gradient, lr, state)


Stepper = Callable[[Value, Value, float, State], Move]


def stepper(opt: Optimizer, change: RuleChange | None = None, arrays: bool = False) -> Stepper:
    """advance() with `opt`, `change` and `arrays` fixed: its kernels and settings found once
    (a training run takes thousands of steps)."""
    record = opt.record
    settings = opt.settings
    # each kernel with the getter of its arguments (at least theta, g, lr and t: always a tuple)
    kernels = [(rule.target, kernel, itemgetter(*names)) for rule, (kernel, names) in
               zip(record.rules, _kernels(record, change, arrays))]
    kept = record.kept

    def step(theta: Value, gradient: Value, lr: float, state: State) -> Move:
        t = state.t = state.t + 1
        env: dict[str, Value] = {"theta": theta, "g": gradient, "lr": lr, "t": float(t), **settings}
        before: dict[str, Value] = {}
        if kept:
            before = {name: state.kept.get(name, 0.0) for name in kept}
            env.update(before)
        values: dict[str, Value] = {}
        for target, kernel, arguments in kernels:
            values[target] = env[target] = kernel(*arguments(env))
        for name in kept:
            state.kept[name] = values[name]
        return Move(theta, gradient, values["theta"], values, before, t)

    return step


@cache
def _kernels(record: Optimiser, change: RuleChange | None, arrays: bool) -> list[tuple[Kernel, tuple[str, ...]]]:
    """Each rule's formula (changed by `change`) as a kernel, with the names it takes in order."""
    values = None
    if arrays:
        from .dense import array_value

        values = array_value
    known = ["theta", "g", "lr", "t", *(h.name for h in record.hyper), *record.kept]
    made = []
    for rule, formula in zip(record.rules, rule_formulas(record, change)):
        names = tuple(known)
        made.append((formula_kernel(formula, names, values=values), names))
        if rule.target not in known:
            known.append(rule.target)
    return made


def rule_formulas(record: Optimiser, change: RuleChange | None = None) -> list[Expr]:
    """The record's formulas as trees, as `change` makes them."""
    made = formulas(record)
    return made if change is None else [change(rule.target, f) for rule, f in zip(record.rules, made)]


def first_steps(opt: Optimizer, params: dict[str, float], gradients: dict[str, float], lr: float,
                states: dict[str, State] | None = None, change: RuleChange | None = None) -> dict[str, Move]:
    """Each param's step of `opt` (what `step` shows): from its state in `states`, updated in
    place, or from zeros (the first step) when it has none there or `states` is None."""
    states = {} if states is None else states
    step = stepper(opt, change)  # its kernels and settings found once for every param
    return {name: step(old, gradients[name], lr, states.setdefault(name, State())) for name, old in params.items()}


def chosen(kind: str | None, in_file: Optimizer | None) -> Optimizer | None:
    """The optimiser of a run: `--optimizer KIND` (with the file's settings when the file names the
    same one), else the file's `optimizer:` (None: SGD)."""
    if kind is None:
        return in_file
    if in_file is not None and in_file.kind == kind:
        return in_file
    return Optimizer(kind)


def learning_rate(lr: float | None, problem_lr: float | None, opt: Optimizer | None) -> float:
    """η: --lr, else the file's `lr`, else the optimiser's own default (ops/optimizers.py)."""
    if lr is not None:
        return lr
    if problem_lr is not None:
        return problem_lr
    return (opt or SGD).record.lr


__all__ = ["KINDS", "SGD", "Move", "RuleChange", "State", "Stepper", "advance", "chosen", "first_steps",
           "learning_rate", "rule_formulas", "stepper"]
