"""The solution as data (docs/output-formats.md) — what `--format json` prints, and what the steps share: each
line's local derivatives as formula = numbers = value.

`data_trace(solution, command)` is a trace without steps: the cheap one, for JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple

from ..engine import Solution
from ..expr.tree import Bin, Call, Expr, Name, Num, fold, rebuild, subexpressions
from ..ops import TABLE
from ..problem import Line
from ..symbolic import derivative, evaluate, softmax_names


class Case(NamedTuple):
    """Which case of a piecewise derivative applies: relu′ is 1 since net > 0."""

    fn: str  # step, leaky_step, sign, ismax, ismin
    args: tuple[Expr, ...]
    at: tuple[float, ...]  # the arguments' values
    pick: int  # ismax/ismin: which argument
    result: float


class Local(NamedTuple):
    """∂of/∂wrt = formula = numbers = value.  `formula` is None when it cannot be written out
    (an expression too deeply nested to differentiate symbolically); the value is the engine's."""

    of: str
    wrt: str
    formula: Expr | None
    numbers: Expr | None
    value: float
    cases: tuple[Case, ...] = ()
    gate: str | None = None  # "add" or "mul": the gate rules for a single + or × node


class Jacobian(NamedTuple):
    """Several outputs (`output: [o1, o2]`): ∂output/∂name for each output and every name, and
    the matrix's columns (the inputs and params)."""

    outputs: tuple[str, ...]
    columns: tuple[str, ...]
    gradients: Mapping[str, Mapping[str, float]]  # output -> name -> ∂output/∂name

    @property
    def matrix(self) -> list[list[float]]:
        return [[self.gradients[o][c] for c in self.columns] for o in self.outputs]


def jacobian_of(solution: Solution) -> Jacobian:
    return Jacobian(solution.outputs, tuple(solution.problem.leaves),
                    {o: solution.gradients_of(o) for o in solution.outputs})


class Stepped(NamedTuple):
    """One iteration of `step --steps N` as data: its loss, gradients and updates, and the
    optimiser's values after it (each rule's but θ's — velocity v; m, v, m̂, v̂ — by name, then
    param) at its step number t."""

    iteration: int
    loss: float
    gradients: Mapping[str, float]
    updated: Mapping[str, float]
    loss_after: float | None
    t: int
    state: Mapping[str, Mapping[str, float]]


def stepped(iteration: int, solution: Solution) -> Stepped:
    moves = solution.moves or {}
    state: dict[str, dict[str, float]] = {}
    for name, move in moves.items():
        for rule, value in move.values.items():
            if rule != "theta":
                state.setdefault(rule, {})[name] = float(value)
    t = max((m.t for m in moves.values()), default=iteration)
    return Stepped(iteration, solution.loss, {p: solution.gradients[p] for p in solution.problem.params},
                   solution.updated or {}, solution.loss_after, t, state)


class Result(NamedTuple):
    """The solution as data (docs/output-formats.md): what `--format json` prints, full precision."""

    output: str
    loss: float
    values: Mapping[str, float]
    lr: float
    round: int | None
    gradients: Mapping[str, float] | None = None  # not from `forward`
    locals: Sequence[Local] = ()  # every line's derivative with respect to each name it uses
    unrounded: Mapping[str, float] = MappingProxyType({})
    updated: Mapping[str, float] | None = None  # `step` only
    loss_after: float | None = None
    jacobian: Jacobian | None = None  # several outputs, not from `forward`
    outputs: tuple[str, ...] = ()  # several outputs: all of them (`output` is the first)
    iterations: tuple[Stepped, ...] = ()  # step --steps N: each iteration (the fields above: the first)


class Trace(NamedTuple):
    """A worked solution: its steps, in order, and the solution as data."""

    command: str
    output: str
    file: str
    steps: tuple[Any, ...]  # the step types of steps.py (which imports this module)
    result: Result


#: functions that appear only in derivatives and pick a case: their numbers form is the case's value
CASE_FUNCTIONS = frozenset(p.name for p in TABLE if p.case is not None)

def substitute(e: Expr, values: dict[str, float], round_digits: int | None = None) -> Expr:
    """The formula with every name replaced by its value, and each derivative-only case function
    (relu′'s step, …) by the number it takes.  Iterative: deep sums do not recurse."""
    def leaf(node: Expr) -> Expr | None:
        if isinstance(node, Num):
            return node
        if isinstance(node, Name):
            return Num(values[node.id])
        if isinstance(node, Call) and node.fn in CASE_FUNCTIONS:
            return Num(evaluate(node, values, round_digits))
        return None

    return fold(e, leaf, rebuild)


def _cases(formula: Expr, values: dict[str, float], round_digits: int | None) -> tuple[Case, ...]:
    cases = []
    for node in subexpressions(formula):
        if isinstance(node, Call) and node.fn in CASE_FUNCTIONS:
            at = tuple(evaluate(a, values, round_digits) for a in node.args)
            cases.append(Case(node.fn, node.args, at, node.pick, evaluate(node, values, round_digits)))
    return tuple(reversed(cases))


def _gate(line: Line, wrt: str) -> str | None:
    """The gate rules apply to a line that is one + or × of two different operands."""
    e = line.expr
    if not (isinstance(e, Bin) and e.op in ("+", "*")):
        return None
    if not all(isinstance(x, (Name, Num)) for x in (e.a, e.b)) or e.a == e.b:
        return None
    return "add" if e.op == "+" else "mul"


class Locals:
    """Local derivative formulas with their numbers, each written once, with the softmax siblings'
    names known."""

    def __init__(self, solution: Solution):
        self.solution = solution
        self.lines = {line.name: line for line in solution.problem.lines}
        self.known = softmax_names(solution.problem.lines)
        self.made: dict[tuple[str, str], Local] = {}

    @cached_property
    def value(self) -> dict[tuple[str, str], float]:
        return {(of, wrt): d for of, parts in self.solution.local.items() for wrt, d in parts}

    def get(self, of: str, wrt: str) -> Local:
        made = self.made.get((of, wrt))
        if made is None:
            made = self.made[(of, wrt)] = self._make(of, wrt)
        return made

    def _make(self, of: str, wrt: str) -> Local:
        sol = self.solution
        line = self.lines[of]
        value = self.value[(of, wrt)]
        try:
            formula = derivative(line.expr, wrt, line.name, self.known)
            numbers = substitute(formula, sol.values, sol.round)
            cases = _cases(formula, sol.values, sol.round)
        except RecursionError:  # a formula nested hundreds deep: the value alone is shown
            return Local(of, wrt, None, None, value)
        return Local(of, wrt, formula, numbers, value, cases, _gate(line, wrt))

    def every(self) -> tuple[Local, ...]:
        """Each line's derivative with respect to each name it uses, the lines in order."""
        return tuple(self.get(line.name, wrt) for line in self.solution.problem.lines
                     for wrt, _ in self.solution.local.get(line.name, ()))


def formulas_only(solution: Solution) -> tuple[Local, ...]:
    """Each line's derivative with respect to each name it uses, as the data gives it: the formula
    and the engine's value, no numbers; each made once here, so nothing is kept to be asked for
    again."""
    known = softmax_names(solution.problem.lines)
    made: list[Local] = []
    for line in solution.problem.lines:
        for wrt, value in solution.local.get(line.name, ()):
            try:
                formula: Expr | None = derivative(line.expr, wrt, line.name, known)
            except RecursionError:  # a formula nested hundreds deep: the value alone is shown
                formula = None
            made.append(Local(line.name, wrt, formula, None, value))
    return tuple(made)


def result_of(solution: Solution, command: str, locals_: Sequence[Local] = ()) -> Result:
    stepped = command == "step" and solution.updated is not None
    several = len(solution.outputs) > 1 and command != "forward"
    return Result(solution.output, solution.loss, solution.values, solution.lr, solution.round,
                  solution.gradients if command != "forward" else None, locals_, solution.unrounded,
                  solution.updated if stepped else None, solution.loss_after if stepped else None,
                  jacobian_of(solution) if several else None,
                  solution.outputs if len(solution.outputs) > 1 else ())


def data_trace(solution: Solution, command: str) -> Trace:
    """The solution as data alone (no steps; local derivatives without their numbers)."""
    with_formulas = formulas_only(solution) if command != "forward" else ()
    return Trace(command, solution.output, solution.problem.file, (), result_of(solution, command, with_formulas))
