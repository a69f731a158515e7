"""The steps of a worked solution (SPEC §4), each a typed record:

    Given → Forward → Loss → Backward (seed 001's grad_table) → ChainRule → SGD → LossAfter

Every renderer formats a Trace and computes nothing; `builder.py` makes it from an engine Solution.
The solution as data (Result, and the Local derivatives both use) is in `data.py`.
"""

from __future__ import annotations

from typing import NamedTuple

from ..expr.tree import Expr
from .data import Case, Jacobian, Local, Result, Trace


class Leaf(NamedTuple):
    name: str
    value: float
    role: str  # "input", "param" or "frozen"


class Given(NamedTuple):
    leaves: tuple[Leaf, ...]
    lr: float | None  # only where an update is made
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
    """The output's line: a loss when there is something to learn (params, a network), else the
    computation's output (seed 000's pay)."""

    line: Computed
    is_loss: bool = True


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
    """Each node once, output first; ties in the file's order.  `given`: the gradients of the
    inputs, targets and frozen params, which nothing updates, in a block of their own."""

    output: str
    entries: tuple[Seed | NodeGradient, ...]
    given: tuple[NodeGradient, ...] = ()
    zeroed_by_rounding: int | None = None  # --round N left every param's gradient exactly 0


class Path(NamedTuple):
    """One path from the output down to a name: its nodes (output first) and edge factors."""

    nodes: tuple[str, ...]
    factors: tuple[float, ...]
    value: float  # the product of the factors


class PathSum(NamedTuple):
    """∂L/∂target as each path's product, and (with several paths) their sum.  Paths with a
    factor that is exactly 0 are left out: `left_out` of them, through the edges `zeros`."""

    target: str
    paths: tuple[Path, ...]
    value: float  # the engine's gradient
    left_out: int = 0
    zeros: tuple[tuple[str, str], ...] = ()  # (line, name it uses) whose local derivative is 0


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
    nothing: str | None = None  # why nothing is updated: "no params", "all frozen"


class LossAfter(NamedTuple):
    output: str
    value: float


# --- several outputs, and a gradient check (reports made of a table) ----------------------------------


class JacobianMatrix(NamedTuple):
    """Several outputs: the matrix ∂(output i)/∂(input or param k), each entry the last line of
    output i's backward pass for that name (seed 001's Jacobian)."""

    jacobian: Jacobian
    values: tuple[float, ...]  # each output's value


class GradientCheck(NamedTuple):
    """One gradient beside its central-difference estimate (f(x + h) − f(x − h)) / 2h."""

    output: str
    name: str
    gradient: float  # the backward pass's
    estimate: float
    h: float
    abs_error: float
    rel_error: float
    ok: bool | None  # None: the estimate means nothing here (see `note`)
    note: str | None = None  # "kink" or "rounded"


class GradCheck(NamedTuple):
    """`gradcheck`: every gradient checked; ok when |gradient − estimate| ≤ tol·max(|gradient|,
    |estimate|) or below the estimate's own round-off."""

    outputs: tuple[str, ...]
    eps: float
    tol: float
    checks: tuple[GradientCheck, ...]
    left_out: str | None = None  # why some names were not checked

    @property
    def mismatches(self) -> int:
        return sum(c.ok is False for c in self.checks)

    def as_data(self) -> dict[str, object]:
        """What `--format json` adds: the checks as records."""
        def number(x: float) -> float | None:  # JSON has no NaN: an estimate that failed is null
            return x if x == x else None

        return {"eps": self.eps, "tol": self.tol, "mismatches": self.mismatches,
                "checks": [{"output": c.output, "name": c.name, "gradient": c.gradient,
                            "estimate": number(c.estimate), "h": c.h, "abs_error": number(c.abs_error),
                            "rel_error": number(c.rel_error), "ok": c.ok, "note": c.note} for c in self.checks],
                **({"left_out": self.left_out} if self.left_out else {})}


Step = Given | Forward | Loss | Backward | ChainRule | SGD | LossAfter | JacobianMatrix | GradCheck
STEP_KINDS: tuple[type, ...] = (Given, Forward, Loss, Backward, ChainRule, SGD, LossAfter, JacobianMatrix,
                                GradCheck)
ENTRY_KINDS: tuple[type, ...] = (Seed, NodeGradient, PathSum, DeltaForm)


__all__ = ["ENTRY_KINDS", "STEP_KINDS", "Case", "Local", "Result", "Step", "Trace"]
