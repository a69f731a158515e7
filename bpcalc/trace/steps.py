"""The trace's types: a worked solution as a list of typed steps (SPEC §4), and the solution as data.

    Given → Forward → Loss → Backward (seed 001's grad_table) → ChainRule → SGD → LossAfter

Every renderer formats a Trace and computes nothing; `build.py` makes it from an engine Solution.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from ..expr.tree import Expr


class Leaf(NamedTuple):
    name: str
    value: float
    role: str  # "input", "param" or "frozen"


class Given(NamedTuple):
    leaves: tuple[Leaf, ...]
    lr: float
    round: int | None


class Computed(NamedTuple):
    """One forward line: name = formula = numbers = value (unrounded: before --round)."""

    name: str
    formula: Expr
    numbers: Expr
    value: float
    unrounded: float | None
    places: int | None = None  # --round's decimal places, when `unrounded` is set


class Forward(NamedTuple):
    lines: tuple[Computed, ...]


class Loss(NamedTuple):
    line: Computed


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
    gate: str | None = None  # "add" or "mul": seed 000's gate rules for a single + or × node


class Term(NamedTuple):
    """One consumer's share of a gradient: ∂L/∂consumer · ∂consumer/∂name."""

    consumer: str
    upstream: float  # ∂L/∂consumer
    local: Local


class Seed(NamedTuple):
    """grad_table[output] = 1."""

    name: str


class Shortcut(NamedTuple):
    """The textbook identity the sum collapses to: ∂L/∂net = scale·(out − t) (SPEC: out − t)."""

    out: str
    target: str
    scale: float  # 1/N for the mean over N samples
    what: str  # "softmax with cross-entropy", "sigmoid with binary cross-entropy"
    formula: Expr
    numbers: Expr
    value: float


class NodeGradient(NamedTuple):
    """∂L/∂name = Σ over its consumers of ∂L/∂consumer · ∂consumer/∂name = value."""

    name: str
    value: float
    terms: tuple[Term, ...]
    shortcut: Shortcut | None = None


class Backward(NamedTuple):
    output: str
    entries: tuple[Seed | NodeGradient, ...]


class Path(NamedTuple):
    """One path from the output down to a name: its nodes (output first) and edge factors."""

    nodes: tuple[str, ...]
    factors: tuple[float, ...]
    value: float  # the product of the factors


class PathSum(NamedTuple):
    """∂L/∂target as each path's product, and (with several paths) their sum."""

    target: str
    paths: tuple[Path, ...]
    value: float  # the engine's gradient


class DeltaForm(NamedTuple):
    """Too many paths to write out: the per-node (δ) form, ∂L/∂target = Σ δ_consumer · local."""

    target: str
    paths: int
    factors: int
    max_paths: int
    gradient: NodeGradient


class ChainRule(NamedTuple):
    output: str
    entries: tuple[PathSum | DeltaForm, ...]
    per: str = "parameter"  # or "leaf" (a graph without params), "name" (--only)


class Update(NamedTuple):
    name: str
    old: float
    gradient: float
    new: float


class SGD(NamedTuple):
    output: str
    lr: float
    updates: tuple[Update, ...]


class LossAfter(NamedTuple):
    output: str
    value: float


Step = Given | Forward | Loss | Backward | ChainRule | SGD | LossAfter
STEP_KINDS: tuple[type, ...] = (Given, Forward, Loss, Backward, ChainRule, SGD, LossAfter)
ENTRY_KINDS: tuple[type, ...] = (Seed, NodeGradient, PathSum, DeltaForm)


class Result(NamedTuple):
    """The solution as data (SPEC §5): what `--format json` prints, full precision."""

    output: str
    loss: float
    values: Mapping[str, float]
    lr: float
    round: int | None
    gradients: Mapping[str, float] | None = None  # not from `forward`
    locals: tuple[Local, ...] = ()  # every line's derivative with respect to each name it uses
    unrounded: Mapping[str, float] = MappingProxyType({})
    updated: Mapping[str, float] | None = None  # `step` only
    loss_after: float | None = None


class Trace(NamedTuple):
    """A worked solution: its steps, in order, and the solution as data."""

    command: str
    output: str
    file: str
    steps: tuple[Step, ...]
    result: Result
