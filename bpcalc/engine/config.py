"""How a solve may differ from the textbook one — the hook through which `check` models a
student's mistakes as real variants of the computation, and `gradcheck` a planted bug.

    Config()                                             the textbook computation
    Config(partials={"sigmoid": ("x*(1 - x)",)})         σ′ taken at net instead of out
    Config(partials={"sigmoid": ("1",)}, at={"out_h1"})  σ′ left out, in one line only
    Config(edges={("net_o2", "out_h1"): 0.0})            the path through net_o2 left out
    Config(edges={("net_o1", "out_h1"): 0.45})           a local derivative taken as another number
    Config(pins={"out_o1": 0.75})                        a forward value fixed (a student's own)
    Config(gradient_pins={"out_o1": 0.74})               a gradient fixed (a student's own)
    Config(update=added)                                 the update added instead of subtracted
    Config(update=without_lr)                            η left out of the update
    Config(round=2)                                      activations rounded to 2 places as computed
    Config(frozen=frozenset({"b1"}))                     a param left as it was
    Config(lines={"E": parse("(t - y)**2", USER)})       a line computed from another formula

A replaced partial is a formula over the primitive's argument names and `out`, like the op
table's own, and goes through the same kernels.  `update` changes the optimiser's rules
(ops/optimizers.py) as formulas, so it means the same for SGD, momentum, Adam, RMSProp and AdaGrad:
it is given each rule's target and formula and returns the formula to use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from ..expr.parser import Vocabulary, parse
from ..expr.tree import Bin, Expr, Name, Num, names_in, substitute_names
from ..ops import TABLE, lookup
from ..ops.formulas import params
from ..ops.kernels import Kernel, formula_kernel

#: (rule target, its formula) -> the formula to use instead (engine/optim.py)
RuleChange = Callable[[str, Expr], Expr]


def added(target: str, formula: Expr) -> Expr:
    """θ + step instead of θ − step: the update added."""
    if target == "theta" and isinstance(formula, Bin) and formula.op == "-":
        return Bin("+", formula.a, formula.b)
    return formula


def without_lr(target: str, formula: Expr) -> Expr:
    """η left out: the step taken as if η were 1."""
    return substitute_names(formula, {"lr": Num(1.0)})


def lr_twice(target: str, formula: Expr) -> Expr:
    """η applied twice: η² where η belongs."""
    return substitute_names(formula, {"lr": Bin("*", Name("lr"), Name("lr"))})


_FORMULAS = Vocabulary({p.name: p.arity for p in TABLE if p.kind != "operator"}, {})


@dataclass(eq=False)
class Config:
    """A variant of the computation; the default is the textbook one.  Not changed once made."""

    # primitive name -> replacement formulas of its partials, one per argument
    partials: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the lines where `partials` apply (None: everywhere)
    at: frozenset[str] | None = None
    # (line, name it uses) -> the local derivative to take instead (0.0 leaves the edge out)
    edges: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # (line, name it uses) -> a factor the local derivative is multiplied by
    edge_scales: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # name -> a forward value to use instead of the computed one
    pins: Mapping[str, float] = field(default_factory=dict)
    # name -> ∂output/∂name to use instead of the computed one
    gradient_pins: Mapping[str, float] = field(default_factory=dict)
    # the optimiser's rules as this run computes them (None: as ops/optimizers.py writes them) …
    update: RuleChange | None = None
    # … for these params only (None: every param)
    update_at: frozenset[str] | None = None
    # --round for this run (None: the run's own)
    round: int | None = None
    # params the update leaves as they are, besides the file's frozen ones
    frozen: frozenset[str] = frozenset()
    # line -> the formula it is computed from instead of its own
    lines: Mapping[str, Expr] = field(default_factory=dict)

    @property
    def textbook(self) -> bool:
        return not (self.partials or self.edges or self.edge_scales or self.pins or self.gradient_pins
                    or self.update or self.round is not None or self.frozen or self.lines)

    def kernel(self, name: str, i: int, n: int) -> Kernel | None:
        """The replaced partial of primitive `name` with respect to argument i of n (None: the op
        table's).  A variadic primitive's one formula stands for every argument (max's "1": the
        gradient to every input); a vector primitive's are its diagonal and off-diagonal ones."""
        formulas = self.partials.get(name)
        if formulas is None:
            return None
        p = lookup(name)
        k = min(i, len(formulas) - 1) if p.variadic and p.kind != "vector" else i
        return _replaced(name, formulas[k], n)


@cache
def _replaced(name: str, formula_text: str, n: int) -> Kernel:
    p = lookup(name)
    names = ("out", "other") if p.kind == "vector" else (*params(p, n), "out")
    formula = parse(formula_text, _FORMULAS)
    stray = [x for x in names_in(formula) if x not in names]
    if stray:
        allowed = ", ".join(x for x in names if x != "out")
        raise ValueError(f"a partial of {name} may use {allowed} and out, not {stray[0]}")
    return formula_kernel(formula, names)


TEXTBOOK = Config()
