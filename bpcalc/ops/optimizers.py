"""The optimisers: one record each, like the op table's primitives.

A record holds the optimiser's hyper-parameters (with torch.optim's defaults and the range a file
may set), its default learning rate, and its update as formulas in the order they are computed.
Both the engine's update (engine/optim.py: one param's floats in a worked step, the whole
parameter vector in `bpcalc train`) and the printed worked lines (render/layout.py) are made from
these formulas, so an update is written here and nowhere else.

    sgd       θ ← θ − η·g                                              torch.optim.SGD
    momentum  v ← μ·v + g;  θ ← θ − η·v                                torch.optim.SGD(momentum=μ)
    adam      m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
              m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ);  θ ← θ − η·m̂/(√v̂ + ε)  torch.optim.Adam
    rmsprop   v ← α·v + (1 − α)·g²;  θ ← θ − η·g/(√v + ε)              torch.optim.RMSprop
    adagrad   s ← s + g²;  θ ← θ − η·g/(√s + ε)                        torch.optim.Adagrad

In a formula `theta` is the param θ, `g` its gradient ∂L/∂θ, `lr` the learning rate η, `t` the
step number (1 on the first step), and a hyper-parameter or an earlier rule's result goes by its
name.  A rule whose result is `kept` is the optimiser's state for the next step; it starts at 0.
A derived value named `<letter>hat` (mhat) is written with a hat on its letter (m̂).  The last rule
is θ's: θ minus the step, which is what the mistakes of an update change (engine/config.py).

To add an optimiser, add its record to OPTIMISERS (and its name to docs/training.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..expr.tree import Expr


class Hyper(NamedTuple):
    """A hyper-parameter: its key in a file's `optimizer:` mapping, torch.optim's default, the range
    a file may give it (low ≤ x < high; `high` None: any x > low), and how formulas write it."""

    name: str
    default: float
    low: float
    high: float | None
    letter: str  # μ, β, ε, α
    sub: str = ""  # β₁'s 1
    latex: str = ""  # \mu, \beta, \varepsilon

    def allows(self, x: float) -> bool:
        return (self.low <= x if self.high is not None else self.low < x) and (self.high is None or x < self.high)


class Rule(NamedTuple):
    target: str  # theta, or the name of what the rule computes (v, m, mhat)
    formula: str
    kept: bool = False  # the optimiser's state, carried to the next step


class Optimiser(NamedTuple):
    name: str
    title: str  # the worked step's heading: "Adam update"
    lr: float  # the learning rate when neither --lr nor the file gives one
    hyper: tuple[Hyper, ...]
    rules: tuple[Rule, ...]
    heading: tuple[str, ...]  # the rules the step's heading writes out
    describe: str
    state: tuple[str, str] = ("", "")  # the kept values said at the first step, and at a later one

    @property
    def kept(self) -> tuple[str, ...]:
        return tuple(r.target for r in self.rules if r.kept)


_UNIT = (0.0, 1.0)  # 0 ≤ x < 1
_EPS = Hyper("eps", 1e-8, 0.0, None, "ε", latex=r"\varepsilon")

OPTIMISERS: tuple[Optimiser, ...] = (
    Optimiser("sgd", "SGD update", 0.5, (), (Rule("theta", "theta - lr*g"),), ("theta",),
              "plain gradient descent: θ ← θ − η·∂L/∂θ"),
    Optimiser("momentum", "Momentum update", 0.5, (Hyper("momentum", 0.9, *_UNIT, "μ", latex=r"\mu"),),
              (Rule("v", "momentum*v + g", kept=True), Rule("theta", "theta - lr*v")), ("v", "theta"),
              "SGD with momentum, as torch.optim.SGD(momentum=μ): the velocity v sums the gradients",
              ("each velocity v starts at 0", "each velocity v from the step before")),
    Optimiser("adam", "Adam update", 0.5,
              (Hyper("beta1", 0.9, *_UNIT, "β", "1", r"\beta"), Hyper("beta2", 0.999, *_UNIT, "β", "2", r"\beta"),
               _EPS),
              (Rule("m", "beta1*m + (1 - beta1)*g", kept=True), Rule("v", "beta2*v + (1 - beta2)*g**2", kept=True),
               Rule("mhat", "m/(1 - beta1**t)"), Rule("vhat", "v/(1 - beta2**t)"),
               Rule("theta", "theta - lr*mhat/(sqrt(vhat) + eps)")), ("theta",),
              "Adam, as torch.optim.Adam: moments m and v with their bias corrections m̂ and v̂",
              ("the moments m and v start at 0", "the moments m and v from the step before")),
    Optimiser("rmsprop", "RMSProp update", 0.01, (Hyper("alpha", 0.99, *_UNIT, "α", latex=r"\alpha"), _EPS),
              (Rule("v", "alpha*v + (1 - alpha)*g**2", kept=True), Rule("theta", "theta - lr*g/(sqrt(v) + eps)")),
              ("v", "theta"), "RMSProp, as torch.optim.RMSprop: a running mean v of the squared gradients",
              ("each mean square v starts at 0", "each mean square v from the step before")),
    Optimiser("adagrad", "AdaGrad update", 0.01, (_EPS._replace(default=1e-10),),
              (Rule("s", "s + g**2", kept=True), Rule("theta", "theta - lr*g/(sqrt(s) + eps)")), ("s", "theta"),
              "AdaGrad, as torch.optim.Adagrad: the sum s of the squared gradients",
              ("each sum of squares s starts at 0", "each sum of squares s from the step before")),
)

BY_NAME: dict[str, Optimiser] = {o.name: o for o in OPTIMISERS}
KINDS = tuple(BY_NAME)


def default_rates() -> str:
    """The records' default learning rates in words, for help texts: "0.5; 0.01 for rmsprop, adagrad"."""
    by_rate: dict[float, list[str]] = {}
    for o in OPTIMISERS:
        by_rate.setdefault(o.lr, []).append(o.name)
    common, *others = sorted(by_rate, key=lambda r: -len(by_rate[r]))
    return "; ".join([f"{common:g}", *(f"{r:g} for {', '.join(by_rate[r])}" for r in others)])


def formulas(record: Optimiser) -> list[Expr]:
    """The record's rules as formula trees, in order."""
    from .formulas import _parsed

    return [_parsed(rule.formula) for rule in record.rules]


def optimiser(kind: str) -> Optimiser:
    """The record of an optimiser; an unknown one is a KeyError that names the known ones."""
    try:
        return BY_NAME[kind]
    except KeyError:
        raise KeyError(f"unknown optimizer {kind!r}; optimizers: {', '.join(KINDS)}") from None


__all__ = ["BY_NAME", "KINDS", "OPTIMISERS", "Hyper", "Optimiser", "Rule", "default_rates", "formulas", "optimiser"]
