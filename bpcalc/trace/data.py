"""The solution as data (docs/output-formats.md) — what `--format json` prints, and what the steps share: each
line's local derivatives as formula = numbers = value.

`data_trace(solution, command)` is a trace without steps: the cheap one, for JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple, overload

from ..engine import Graph, Solution
from ..engine.codes import CONST
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
    """Local derivative formulas, each written once, with the softmax siblings' names known."""

    def __init__(self, solution: Solution, with_numbers: bool = True):
        self.solution = solution
        self.with_numbers = with_numbers
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
            formula = affine_partial(sol, of, wrt) or derivative(line.expr, wrt, line.name, self.known)
            if not self.with_numbers:
                return Local(of, wrt, formula, None, value)
            numbers = substitute(formula, sol.values, sol.round)
            cases = _cases(formula, sol.values, sol.round)
        except RecursionError:  # a formula nested hundreds deep: the value alone is shown
            return Local(of, wrt, None, None, value)
        return Local(of, wrt, formula, numbers, value, cases, _gate(line, wrt))

    def every(self) -> tuple[Local, ...]:
        """Each line's derivative with respect to each name it uses, the lines in order."""
        return tuple(self.get(line.name, wrt) for line in self.solution.problem.lines
                     for wrt, _ in self.solution.local.get(line.name, ()))


class LocalRecords(Sequence[Local]):
    """Every line's Local records without their numbers (what `--format json` writes), made as
    they are read: a 100,000-line file has 300,000 of them, and the JSON writer reads each once,
    as a plain row (`rows`).  The records of a plain sum of products (`v*a + b`) are read off the
    engine's closed form (graph._affine_partners), the others differentiated (Locals.get)."""

    __slots__ = ("locals", "_all")

    def __init__(self, solution: Solution):
        self.locals = Locals(solution, with_numbers=False)
        self._all: tuple[Local, ...] | None = None

    def rows(self) -> Iterator[tuple[str, str, Expr | None, float]]:
        """(of, wrt, formula, value) of each record, the lines in order."""
        sol = self.locals.solution
        graph = sol.graph
        partials = sol.partials
        if not partials:
            return
        partners, wrapper, start, uses = graph.partners, graph.wrapper, graph.start, graph.uses
        one, roots, names, op, const = len(graph.op), graph.node_of_root, graph.names, graph.op, graph.const
        get = self.locals.get
        new = tuple.__new__  # a Name without NamedTuple's __new__ (300,000 of them in a large file)
        for node, line in enumerate(sol.problem.lines, graph.n_leaves):  # (lines are numbered after the leaves)
            name = line.name
            factors = partners[node]
            if factors is None or wrapper[node] >= 0:
                for u in uses[node]:
                    made = get(name, names[u])
                    yield name, made.wrt, made.formula, made.value
                continue
            first = start[node]
            for u, value, factor in zip(uses[node], partials[node] or (), factors):  # as _factor() finds it
                if factor >= one:
                    formula: Expr = _ONE
                elif factor < first and factor in roots:
                    formula = new(Name, (names[roots[factor]], 0))
                elif op[factor] == CONST:
                    formula = Num(const[factor])
                else:
                    made = get(name, names[u])
                    yield name, made.wrt, made.formula, made.value
                    continue
                yield name, names[u], formula, value

    def __iter__(self) -> Iterator[Local]:
        for of, wrt, formula, value in self.rows():
            yield Local(of, wrt, formula, None, value)

    def _every(self) -> tuple[Local, ...]:
        if self._all is None:
            self._all = tuple(iter(self))  # (tuple(self) would ask len(self) first)
        return self._all

    def __len__(self) -> int:
        return len(self._every())

    @overload
    def __getitem__(self, i: int) -> Local: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Local, ...]: ...

    def __getitem__(self, i: int | slice) -> Local | tuple[Local, ...]:
        return self._every()[i]


def affine_partial(solution: Solution, of: str, wrt: str) -> Expr | None:
    """∂of/∂wrt of a line that is a plain sum of products (`v*a + b`, `w1*x1 + w2*x2 + b`), read off
    the engine's closed form (graph._affine_partners): the factor beside wrt — another name, a
    number, or 1 for wrt alone — which is what `symbolic.derivative` simplifies such a line's
    derivative to, found without differentiating (a 100,000-line file has 300,000 of them)."""
    graph = solution.graph
    node = graph.index[of]
    factors = graph.partners[node]
    if factors is None or graph.wrapper[node] >= 0:  # not such a line, or inside a function
        return None
    return _factor(graph, factors[graph.uses[node].index(graph.index[wrt])], graph.start[node])


def _factor(graph: Graph, factor: int, first: int) -> Expr | None:
    """The factor at tape index `factor` as a formula: 1 (ONE), a name (a node before the line's
    own run of the tape), or a number."""
    if factor >= len(graph.op):
        return _ONE
    named = graph.node_of_root.get(factor)
    if named is not None and factor < first:
        return Name(graph.names[named])
    if graph.op[factor] == CONST:
        return Num(graph.const[factor])
    return None


_ONE = Num(1.0)


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
    with_formulas = LocalRecords(solution) if command != "forward" else ()
    return Trace(command, solution.output, solution.problem.file, (), result_of(solution, command, with_formulas))
