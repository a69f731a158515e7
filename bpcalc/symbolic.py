"""Symbolic local derivatives, simplified as a person writes them.

`derivative(line, wrt)` differentiates one line's expression with respect to one name it uses.
Where the line is itself an activation, its derivative is written with the line's own name, as
the worked examples do: ∂y_o/∂z_o = y_o*(1 - y_o), not σ(z_o)(1 − σ(z_o)).

Derivative-only functions that appear in formulas:
  step(u)          1 if u > 0 else 0                 (relu′)
  leaky_step(u, a) 1 if u > 0 else a                 (leaky_relu′)
  sign(u)          1, 0 or −1                        (abs′)
  ismax_k(a, b, …) 1 if argument k is the first extreme, else 0   (max′ and min′)
"""

from __future__ import annotations

import math

from .expr import Bin, Call, Expr, Name, Neg, Num
from .ops import FORWARD, ROUNDED, softmax_vector
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
        children: tuple[Expr, ...] = (
            (e.x,) if isinstance(e, Neg) else (e.a, e.b) if isinstance(e, Bin)
            else e.args if isinstance(e, Call) else ()
        )
        if not done:
            stack.append((e, True))
            stack.extend((c, False) for c in children)
        elif any(id(c) in has for c in children):
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


def _d(e: Expr, x: str, known: _Names) -> Expr:
    if isinstance(e, Num):
        return ZERO
    if isinstance(e, Name):
        return ONE if e.id == x else ZERO
    if not known.mentions(e):
        return ZERO
    if isinstance(e, Neg):
        return Neg(_d(e.x, x, known))
    if isinstance(e, Bin):
        a, b = e.a, e.b
        da, db = _d(a, x, known), _d(b, x, known)
        if e.op == "+":
            return Bin("+", da, db)
        if e.op == "-":
            return Bin("-", da, db)
        if e.op == "*":
            return Bin("+", Bin("*", da, b), Bin("*", a, db))
        if e.op == "/":
            return Bin("-", Bin("/", da, b), Bin("/", Bin("*", a, db), Bin("**", b, Num(2.0))))
        # a ** b
        if not known.mentions(b):
            return Bin("*", Bin("*", b, Bin("**", a, Bin("-", b, ONE))), da)
        return Bin("*", _named(e, known),
                   Bin("+", Bin("*", db, Call("log", (a,))), Bin("/", Bin("*", b, da), a)))
    assert isinstance(e, Call)
    s = _named(e, known)
    args = e.args
    if e.fn == "softmax":
        terms: list[Expr] = []
        k = e.index
        for j, arg in enumerate(args):
            dj = _d(arg, x, known)
            sj = _named(Call("softmax", args, index=j), known)
            local = Bin("*", s, Bin("-", ONE, s)) if j == k else Neg(Bin("*", s, sj))
            terms.append(Bin("*", local, dj))
        return _sum(terms)
    if e.fn in ("max", "min"):
        terms = [Bin("*", Call("ismax" if e.fn == "max" else "ismin", args, index=j), _d(a, x, known))
                 for j, a in enumerate(args)]
        return _sum(terms)
    u = args[0]
    du = _d(u, x, known)
    fn = e.fn
    if fn == "leaky_relu":
        slope = args[1] if len(args) > 1 else Num(0.01)
        d_u = Bin("*", Call("leaky_step", (u, slope)), du)
        if len(args) > 1 and known.mentions(args[1]):
            d_slope = Bin("*", Call("min", (u, ZERO)), _d(args[1], x, known))
            return Bin("+", d_u, d_slope)
        return d_u
    outer: Expr
    if fn == "sigmoid":
        outer = Bin("*", s, Bin("-", ONE, s))
    elif fn == "tanh":
        outer = Bin("-", ONE, Bin("**", s, Num(2.0)))
    elif fn == "relu":
        outer = Call("step", (u,))
    elif fn == "exp":
        outer = s
    elif fn == "log":
        return simplify(Bin("/", du, u))
    elif fn == "sqrt":
        return simplify(Bin("/", du, Bin("*", Num(2.0), s)))
    elif fn == "abs":
        outer = Call("sign", (u,))
    elif fn == "sin":
        outer = Call("cos", (u,))
    elif fn == "cos":
        outer = Neg(Call("sin", (u,)))
    elif fn == "softplus":
        outer = Call("sigmoid", (u,))
    else:
        raise KeyError(f"no symbolic derivative for function {fn!r}")
    return Bin("*", outer, du)


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
        return Call(e.fn, tuple(simplify(a) for a in e.args), index=e.index)
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
    """The value of a formula at these values, rounding activations as the engine does."""
    from .engine import round_half_up

    if isinstance(e, Num):
        return e.value
    if isinstance(e, Name):
        return values[e.id]
    if isinstance(e, Neg):
        return -evaluate(e.x, values, round_digits)
    if isinstance(e, Bin):
        a = evaluate(e.a, values, round_digits)
        b = evaluate(e.b, values, round_digits)
        return FORWARD[e.op](a, b)
    args = [evaluate(a, values, round_digits) for a in e.args]
    fn = e.fn
    if fn == "step":
        return 1.0 if args[0] > 0 else 0.0
    if fn == "leaky_step":
        return 1.0 if args[0] > 0 else args[1]
    if fn == "sign":
        return 1.0 if args[0] > 0 else (-1.0 if args[0] < 0 else 0.0)
    if fn in ("ismax", "ismin"):
        extreme = max(args) if fn == "ismax" else min(args)
        return 1.0 if args.index(extreme) == e.index else 0.0
    if fn == "softmax":
        v = softmax_vector(args)[e.index]
    else:
        v = FORWARD[fn](*args)
    if round_digits is not None and fn in ROUNDED:
        v = round_half_up(v, round_digits)
    return v
