"""Symbolic local derivatives, simplified as a person writes them.

`derivative(line, wrt)` differentiates one line's expression with respect to one name it uses, by
the chain rule over its tree, each primitive's partials taken from the op table's formulas.  Where
the line is itself an activation, its derivative is written with the line's own name, as the
worked examples do: ∂y_o/∂z_o = y_o*(1 - y_o), not σ(z_o)(1 − σ(z_o)).

Derivative-only functions that appear in formulas (the table's helpers):
  step(u)          1 if u > 0 else 0                 (relu′)
  leaky_step(u, a) 1 if u > 0 else a                 (leaky_relu′, elu′)
  sign(u)          1, 0 or −1                        (abs′)
  ismax_k(a, b, …) 1 if argument k is the first extreme, else 0   (max′ and min′)
  Phi(u), phi(u)   the standard normal distribution function and density (gelu′)
"""

from __future__ import annotations

import math

from .expr.tree import Bin, Call, Expr, Name, Neg, Num, children, primitive, substitute_names
from .numbers import round_half_up
from .ops import FORWARD, ROUNDED, lookup, partial
from .ops.formulas import params
from .problem import Line

ZERO = Num(0.0)
ONE = Num(1.0)


def derivative(expr: Expr, wrt: str, self_name: str | None = None,
               known: dict[Expr, str] | None = None) -> Expr:
    """∂expr/∂wrt, simplified.  `self_name` names the line whose root `expr` is; `known` maps
    softmax components to the names of the lines that compute them (see `softmax_names`)."""
    return simplify(_d(expr, wrt, _Names(expr, self_name, known or {}, _containing(expr, wrt))))


def _containing(expr: Expr, name: str) -> set[int]:
    """The ids of the subexpressions that use `name`: one pass, so a wide sum stays linear."""
    has: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        e, done = stack.pop()
        if isinstance(e, Name):
            if e.id == name:
                has.add(id(e))
            continue
        kids = children(e)
        if not done:
            stack.append((e, True))
            stack.extend((c, False) for c in kids)
        elif any(id(c) in has for c in kids):
            has.add(id(e))
    return has


def softmax_names(lines: list[Line]) -> dict[Expr, str]:
    """The lines that are one softmax component, by expression: a softmax's siblings by name."""
    return {ln.expr: ln.name for ln in lines if isinstance(ln.expr, Call) and ln.expr.fn == "softmax"}


class _Names:
    """Which subexpressions are written by a line's name: the root itself, and softmax siblings.
    The root is recognised by identity, so no deep tree is ever hashed."""

    __slots__ = ("root", "self_name", "known", "has")

    def __init__(self, root: Expr, self_name: str | None, known: dict[Expr, str], has: set[int]):
        self.root, self.self_name, self.known, self.has = root, self_name, known, has

    def mentions(self, e: Expr) -> bool:
        """Whether `e` (a part of the root expression) uses the name differentiated by."""
        return id(e) in self.has

    def get(self, e: Expr) -> str | None:
        if e is self.root and self.self_name is not None:
            return self.self_name
        if isinstance(e, Call) and e.fn == "softmax":
            return self.known.get(e)
        return None


def _named(e: Expr, known: _Names) -> Expr:
    name = known.get(e)
    return Name(name) if name is not None else e


def local_partial(e: Neg | Bin | Call, i: int, out: Expr, sibling: Expr | None = None) -> Expr:
    """∂e/∂(argument i of e) from the op table: its formula with the arguments and the output
    written in.  For softmax, `sibling` is component i's own output (None: i is e's component)."""
    p = lookup(primitive(e))
    args = children(e)
    if p.kind == "vector":
        if sibling is None:
            return substitute_names(partial(p, 0, len(args)), {"out": out})
        return substitute_names(partial(p, 1, len(args)), {"out": out, "other": sibling})
    mapping: dict[str, Expr] = dict(zip(params(p, len(args)), args))
    mapping["out"] = out
    return substitute_names(partial(p, i, len(args)), mapping)


def _d(e: Expr, x: str, known: _Names) -> Expr:
    """The chain rule over the tree: Σ_i ∂e/∂arg_i · ∂arg_i/∂x, the partials from the table.
    A product keeps the textbook order f′g + fg′: each factor's derivative in its place."""
    if isinstance(e, Num):
        return ZERO
    if isinstance(e, Name):
        return ONE if e.id == x else ZERO
    if not known.mentions(e):
        return ZERO
    out = _named(e, known)
    terms: list[Expr] = []
    for i, arg in enumerate(children(e)):
        if not known.mentions(arg):
            continue
        d_arg = _d(arg, x, known)
        if isinstance(e, Call) and e.fn == "softmax":
            sibling = None if i == e.pick else _named(Call("softmax", e.args, pick=i), known)
            local = local_partial(e, i, out, sibling)
        else:
            local = local_partial(e, i, out)
        first = isinstance(e, Bin) and e.op == "*" and i == 0
        terms.append(Bin("*", d_arg, local) if first else Bin("*", local, d_arg))
    return _sum(terms) if terms else ZERO


def _sum(terms: list[Expr]) -> Expr:
    out = terms[0]
    for t in terms[1:]:
        out = Bin("+", out, t)
    return out


# --- simplification ---------------------------------------------------------------------------------


def _num(e: Expr) -> float | None:
    return e.value if isinstance(e, Num) else None


def simplify(e: Expr) -> Expr:
    """Fold numbers, drop ×1, +0, **1, pull signs out of products: what a person writes."""
    if isinstance(e, (Num, Name)):
        return e
    if isinstance(e, Neg):
        x = simplify(e.x)
        if isinstance(x, Num):
            return Num(-x.value)
        if isinstance(x, Neg):
            return x.x
        return Neg(x)
    if isinstance(e, Call):
        return Call(e.fn, tuple(simplify(a) for a in e.args), pick=e.pick)
    a, b = simplify(e.a), simplify(e.b)
    na, nb = _num(a), _num(b)
    if e.op == "+":
        if na == 0:
            return b
        if nb == 0:
            return a
        if na is not None and nb is not None:
            return Num(na + nb)
        if isinstance(b, Neg):
            return Bin("-", a, b.x)
        if nb is not None and nb < 0:
            return Bin("-", a, Num(-nb))
        return Bin("+", a, b)
    if e.op == "-":
        if nb == 0:
            return a
        if na == 0:
            return simplify(Neg(b))
        if na is not None and nb is not None:
            return Num(na - nb)
        if isinstance(b, Neg):
            return Bin("+", a, b.x)
        return Bin("-", a, b)
    if e.op == "*":
        return _product(a, b)
    if e.op == "/":
        if na == 0:
            return ZERO
        if nb == 1:
            return a
        if na is not None and nb is not None and nb != 0:
            return Num(na / nb)
        if nb is not None and nb != 0:  # 2*(t - y)/2 -> t - y, when the numbers divide evenly
            factors: list[Expr] = []
            dens: list[Expr] = []
            coef = _factors(a, factors, dens)
            if (coef / nb).is_integer():
                return _assemble(coef / nb, factors, dens)
        if isinstance(a, Neg):
            return simplify(Neg(Bin("/", a.x, b)))
        return Bin("/", a, b)
    # **
    if nb == 1:
        return a
    if nb == 0:
        return ONE
    if na is not None and nb is not None:
        try:
            return Num(math.pow(na, nb))
        except (OverflowError, ValueError, ZeroDivisionError):
            return Bin("**", a, b)
    return Bin("**", a, b)


def _factors(e: Expr, out: list[Expr], dens: list[Expr]) -> float:
    """Flatten a product into `out` (and `c/d` factors into `dens`), returning the numeric
    coefficient (signs included), so that t*(1/x) prints as t/x."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Neg):
        return -_factors(e.x, out, dens)
    if isinstance(e, Bin) and e.op == "*":
        return _factors(e.a, out, dens) * _factors(e.b, out, dens)
    if isinstance(e, Bin) and e.op == "/" and isinstance(e.a, Num):
        dens.append(e.b)
        return e.a.value
    out.append(e)
    return 1.0


def _product(a: Expr, b: Expr) -> Expr:
    factors: list[Expr] = []
    dens: list[Expr] = []
    coef = _factors(a, factors, dens) * _factors(b, factors, dens)
    return _assemble(coef, factors, dens)


def _chain(factors: list[Expr]) -> Expr:
    body = factors[0]
    for f in factors[1:]:
        body = Bin("*", body, f)
    return body


def _assemble(coef: float, factors: list[Expr], dens: list[Expr]) -> Expr:
    if coef == 0:
        return ZERO
    if not factors and not dens:
        return Num(coef)
    if factors:
        body = _chain(factors)
    else:  # only a denominator: the coefficient's size goes on top, 2/x rather than 2*1/x
        body, coef = Num(abs(coef)), (1.0 if coef > 0 else -1.0)
    if dens:
        body = Bin("/", body, _chain(dens))
    if coef == 1:
        return body
    if coef == -1:
        return Neg(body)
    if coef < 0:
        return Neg(Bin("*", Num(-coef), body))
    return Bin("*", Num(coef), body)


# --- evaluation (for the numbers substituted into a formula, and for tests) ---------------------------


def evaluate(e: Expr, values: dict[str, float], round_digits: int | None = None) -> float:
    """The value of a formula at these values, from the op table's value functions, rounding
    activations as the engine does."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Name):
        return values[e.id]
    fn = primitive(e)
    args = [evaluate(a, values, round_digits) for a in children(e)]
    p = lookup(fn)
    value = FORWARD[fn]
    v = value(e.pick, *args) if isinstance(e, Call) and p.indexed else value(*args)
    if round_digits is not None and fn in ROUNDED:
        v = round_half_up(v, round_digits)
    return float(v)
