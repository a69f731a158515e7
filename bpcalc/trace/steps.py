"""The steps of a worked solution (SPEC §4), each a typed record:

    Given → Forward → Loss → Backward (seed 001's grad_table) → ChainRule → SGD → LossAfter

Every renderer formats a Trace and computes nothing; `builder.py` makes it from an engine Solution.
The solution as data (Result, and the Local derivatives both use) is in `data.py`.
"""

from __future__ import annotations

from typing import NamedTuple

from ..expr.tree import Expr
from .data import Case, Local, Result, Trace


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


# --- momentum and Adam updates (`step` with `optimizer:`), and the report of `bpcalc train` -----------


class MomentumUpdate(NamedTuple):
    """v ← μ·v + ∂L/∂θ, then θ ← θ − η·v, for one param."""

    name: str
    old: float
    gradient: float
    velocity_before: float
    velocity: float
    new: float


class Momentum(NamedTuple):
    output: str
    lr: float
    momentum: float
    updates: tuple[MomentumUpdate, ...]


class AdamUpdate(NamedTuple):
    """The moments, their bias-corrected forms, then θ ← θ − η·m̂/(√v̂ + ε), for one param."""

    name: str
    old: float
    gradient: float
    m_before: float
    v_before: float
    m: float
    v: float
    m_hat: float
    v_hat: float
    new: float


class Adam(NamedTuple):
    output: str
    lr: float
    beta1: float
    beta2: float
    eps: float
    t: int
    updates: tuple[AdamUpdate, ...]


class Training(NamedTuple):
    """What was trained and how: engine, optimiser with its settings, η, steps, batches."""

    engine: str  # "dense" or "scalar"
    optimizer: str
    settings: tuple[tuple[str, float], ...]
    lr: float
    steps: int  # asked for
    done: int  # taken
    samples: int
    batch_size: int
    shuffle: bool
    seed: int
    epochs: float
    interrupted: bool


class History(NamedTuple):
    """The loss over all samples every `every` steps: (step, epochs done, loss)."""

    output: str
    every: int
    rows: tuple[tuple[int, float, float], ...]
    batched: bool  # mini-batches: the epoch column means something


class Curve(NamedTuple):
    """The loss curve: (step, loss) at evenly spaced steps, drawn on a log scale."""

    output: str
    points: tuple[tuple[int, float], ...]


class Trained(NamedTuple):
    """The params reached and the loss before and after."""

    output: str
    params: tuple[tuple[str, float, float], ...]  # (name, before, after)
    loss: float
    loss_after: float
    written: str | None  # the file `-o` wrote


Step = Given | Forward | Loss | Backward | ChainRule | SGD | LossAfter | Momentum | Adam | Training | History | Curve \
    | Trained
STEP_KINDS: tuple[type, ...] = (Given, Forward, Loss, Backward, ChainRule, SGD, LossAfter, Momentum, Adam, Training,
                                History, Curve, Trained)
ENTRY_KINDS: tuple[type, ...] = (Seed, NodeGradient, PathSum, DeltaForm)


__all__ = ["ENTRY_KINDS", "STEP_KINDS", "Case", "Local", "Result", "Step", "Trace"]
