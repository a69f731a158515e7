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
from typing import NamedTuple

from .expr.tree import (
    Bin,
    Call,
    Expr,
    Name,
    Neg,
    Num,
    children,
    fold,
    name_positions,
    primitive,
    rebuild,
    substitute_names,
)
from .numbers import round_half_up
from .ops import FORWARD, ROUNDED, lookup, partial
from .ops.formulas import params
from .problem import Line

ZERO = Num(0.0)
ONE = Num(1.0)


#: the largest derivative written out, in nodes as printed: a larger one (a product of a hundred
#: factors differentiated, a function nested a hundred deep around a long sum) is shown by value
FORMULA_LIMIT = 1_000


class FormulaTooLarge(RecursionError):
    """A derivative too large to write out; like a formula nested too deeply to differentiate
    symbolically (RecursionError, which the trace already expects), it is shown by its value."""


def derivative(expr: Expr, wrt: str, self_name: str | None = None,
               known: dict[Expr, str] | None = None) -> Expr:
    """∂expr/∂wrt, simplified.  `self_name` names the line whose root `expr` is; `known` maps
    softmax components to the names of the lines that compute them (see `softmax_names`).
    Raises FormulaTooLarge for a formula of more than FORMULA_LIMIT nodes as printed."""
    shape = None if known else _shape(expr, self_name)
    if shape is None or wrt not in shape.number:
        return _derivative(expr, wrt, self_name, known)
    own = None if self_name is None else shape.number[self_name]  # a line's own name is written in
    key = (shape.key, shape.number[wrt], own)
    found = _SHAPES.get(key)
    if found is None:
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        numbered = _derivative(_numbered_tree(expr, shape.number), _numbered(shape.number[wrt]),
                               None if own is None else _numbered(own), None)
        found = _SHAPES[key] = (numbered, _number_of(numbered))
    numbered, name_number = found
    if type(numbered) is Num:
        return numbered
    names = shape.names
    if name_number is not None:
        return Name(names[name_number])
    return substitute_names(numbered, {_numbered(i): Name(name) for i, name in enumerate(names)})


# --- shapes: a line's tree with its names numbered -------------------------------------------------------
# Differentiating is the same work for every line of one shape (`v2: v1*a + b`, `v3: v2*a + b`, …):
# the derivative of the shape, its names numbered in order of first use, is found once and each
# line's own names written back.  A 100,000-line chain is differentiated three times, not 300,000.

#: the largest line, in nodes, whose shape is kept (a larger one is rarely repeated)
_SHAPE_NODES = 64
#: how many shapes' derivatives are kept
_SHAPES_KEPT = 10_000
#: (shape, number of the name differentiated by, number of the line's own name) -> the shape's
#: derivative, and the number of the name it is when it is a name alone (the commonest: ∂(w*x + b)/∂w = x)
_SHAPES: dict[tuple[tuple[object, ...], int, int | None], tuple[Expr, int | None]] = {}


def _numbered(i: int) -> str:
    return f"#{i}"  # never a name of a file: names are identifiers


def _number_of(e: Expr) -> int | None:
    return int(e.id[1:]) if type(e) is Name else None


class _Shape(NamedTuple):
    key: tuple[object, ...]  # the line's tree written out in order, names by number, positions dropped
    number: dict[str, int]  # each name (and the line's own) -> its number
    names: tuple[str, ...]  # the names in the order of their numbers


_last_shape: list[tuple[Expr, str | None, _Shape | None]] = []  # the last line's, by identity


def _shape(expr: Expr, self_name: str | None) -> _Shape | None:
    """The shape of a line (None: too large to keep).  The last one is remembered: a line is
    differentiated by each of its names in turn."""
    if _last_shape and _last_shape[0][0] is expr and _last_shape[0][1] == self_name:
        return _last_shape[0][2]
    number: dict[str, int] = {}
    key: list[object] = []
    stack = [expr]
    pop, push, write = stack.pop, stack.append, key.append
    shape: _Shape | None = None
    # each node written so that no two trees write the same: a name by its number (an int), a
    # number as float.hex (a string: 0 is not 0.0, and -0.0 not 0.0), an operator as itself, a
    # negation as "-u", a call as (function, component, arguments)
    while stack and len(key) <= _SHAPE_NODES:
        e = pop()
        kind = type(e)
        if kind is Name:
            write(number.setdefault(e.id, len(number)))  # type: ignore[union-attr]
        elif kind is Bin:
            write(e.op)  # type: ignore[union-attr]
            push(e.b)  # type: ignore[union-attr]
            push(e.a)  # type: ignore[union-attr]
        elif kind is Num:
            write(float(e.value).hex())  # type: ignore[union-attr]
        elif kind is Neg:
            write("-u")
            push(e.x)  # type: ignore[union-attr]
        else:
            write((e.fn, e.pick, len(e.args)))  # type: ignore[union-attr]
            stack.extend(reversed(e.args))  # type: ignore[union-attr]
    if not stack:
        if self_name is not None:
            number.setdefault(self_name, len(number))
        shape = _Shape(tuple(key), number, tuple(number))
    _last_shape[:] = [(expr, self_name, shape)]
    return shape


def _numbered_tree(expr: Expr, number: dict[str, int]) -> Expr:
    """`expr` with its names numbered, positions dropped: the shape differentiated once."""
    def leaf(node: Expr) -> Expr | None:
        if isinstance(node, Name):
            return Name(_numbered(number[node.id]))
        return Num(node.value) if isinstance(node, Num) else None

    return fold(expr, leaf, rebuild)


def _derivative(expr: Expr, wrt: str, self_name: str | None, known: dict[Expr, str] | None) -> Expr:
    raw = _d(expr, wrt, _Names(expr, self_name, known or {}, _containing(expr, wrt)))
    # unsimplified, a derivative is larger than it will be, but not by much: one far beyond the
    # limit is not simplified at all (that would cost the most for what is not shown)
    if _printed_size(raw, 5 * FORMULA_LIMIT) > 5 * FORMULA_LIMIT:
        raise FormulaTooLarge(f"∂/∂{wrt} has more than {FORMULA_LIMIT} nodes")
    found = simplify(raw)
    if _printed_size(found, FORMULA_LIMIT) > FORMULA_LIMIT:
        raise FormulaTooLarge(f"∂/∂{wrt} has more than {FORMULA_LIMIT} nodes")
    return found


def _printed_size(e: Expr, limit: int) -> int:
    """Nodes of `e` as a printer writes them (a shared subexpression once per use), counted up
    to a little past `limit`."""
    size = 0
    stack = [e]
    while stack and size <= limit:
        node = stack.pop()
        size += 1
        stack.extend(children(node))
    return size


# --- wide nodes: long sums and calls of many arguments ---------------------------------------------------

#: a +/- chain or a call with at least this many operands is indexed by name (see `_Wide`)
_WIDE = 16
#: how many indexed nodes are kept (each holds its expression, so its id stays its own)
_WIDE_KEPT = 50_000


class _Wide:
    """The operands of a long +/- chain (left-deep, as a sum is parsed and a network's weighted
    sum is made) or of a call with many arguments, and which operands use each name.  ∂/∂x then
    visits only the operands that use x: the derivatives of a 1,000-term sum with respect to
    each of its names cost linear time in all, not quadratic."""

    __slots__ = ("expr", "chain", "items", "ops", "where")

    def __init__(self, expr: Expr, chain: bool, items: list[Expr], ops: list[str]):
        self.expr, self.chain, self.items, self.ops = expr, chain, items, ops
        where: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            for name in name_positions(item):
                where.setdefault(name, []).append(i)
        self.where = where


#: id of a node -> (the node, kept alive so the id stays its own; its index, or None: not wide)
_wide_nodes: dict[int, tuple[Expr, _Wide | None]] = {}


def _wide(e: Expr) -> _Wide | None:
    """The index of a wide node, made on first use; None for a node that is not wide."""
    if isinstance(e, Call):
        if len(e.args) < _WIDE:
            return None
    elif not (isinstance(e, Bin) and e.op in ("+", "-")):
        return None
    known = _wide_nodes.get(id(e))
    if known is not None:
        return known[1]
    made: _Wide | None = None
    if isinstance(e, Call):
        made = _Wide(e, False, list(e.args), [])
    else:
        items: list[Expr] = []
        ops: list[str] = []
        cur: Expr = e
        while isinstance(cur, Bin) and cur.op in ("+", "-"):
            items.append(cur.b)
            ops.append(cur.op)
            cur = cur.a
        if len(items) + 1 >= _WIDE:
            items.append(cur)
            ops.append("")
            items.reverse()
            ops.reverse()
            made = _Wide(e, True, items, ops)
    if len(_wide_nodes) >= _WIDE_KEPT:
        _wide_nodes.clear()
    _wide_nodes[id(e)] = (e, made)
    return made


def _operands(e: Expr, name: str) -> list[Expr]:
    """The operands of `e` to look into for `name`: all of them, or a wide node's that use it."""
    wide = _wide(e) if isinstance(e, (Bin, Call)) else None
    if wide is None:
        return list(children(e))
    return [wide.items[i] for i in wide.where.get(name, ())]


def _containing(expr: Expr, name: str) -> set[int]:
    """The ids of the subexpressions that use `name`: one pass, looking into a wide node's
    operands only where they use the name."""
    has: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        e, done = stack.pop()
        if isinstance(e, Name):
            if e.id == name:
                has.add(id(e))
            continue
        if isinstance(e, Num):
            continue
        kids = _operands(e, name)
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

    __slots__ = ("root", "self_name", "known", "has", "made")

    def __init__(self, root: Expr, self_name: str | None, known: dict[Expr, str], has: set[int]):
        self.root, self.self_name, self.known, self.has = root, self_name, known, has
        self.made: dict[int, Expr] = {}  # shortened sums made while differentiating, by id (kept alive)

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


def _shortened(wide: _Wide, name: str, known: _Names) -> Expr:
    """A long sum with only the terms that use `name` (and its first term, or 0 in its place):
    its derivative is the whole sum's, since every term left out contributes 0 and every level
    left out a factor 1, which simplifies away."""
    used = wide.where.get(name, ())
    e: Expr = wide.items[0] if used and used[0] == 0 else ZERO
    for i in used:
        if i:
            e = Bin(wide.ops[i], e, wide.items[i])
            known.has.add(id(e))
            known.made[id(e)] = e
    return e


def _d(root: Expr, x: str, known: _Names) -> Expr:
    """The chain rule over the tree: Σ_i ∂e/∂arg_i · ∂arg_i/∂x, the partials from the table.
    A product keeps the textbook order f′g + fg′: each factor's derivative in its place.
    Iterative (a tree as deep as a long sum does not reach Python's recursion limit), and a long
    sum is looked into only where it uses x."""
    done: list[Expr] = []  # the derivatives of finished nodes, in order
    stack: list[tuple[Expr, list[int] | None]] = [(root, None)]
    while stack:
        e, used = stack.pop()
        if used is None:
            if isinstance(e, Num):
                done.append(ZERO)
                continue
            if isinstance(e, Name):
                done.append(ONE if e.id == x else ZERO)
                continue
            if not known.mentions(e):
                done.append(ZERO)
                continue
            wide = _wide(e) if id(e) not in known.made else None
            if wide is not None and wide.chain:
                # only the terms that use x: the first term alone is the first term's derivative
                stack.append((_shortened(wide, x, known), None))
                continue
            kids = children(e)
            if wide is not None and not wide.chain:
                used = list(wide.where.get(x, ()))
            else:
                used = [i for i, arg in enumerate(kids) if known.mentions(arg)]
            stack.append((e, used))
            stack.extend((kids[i], None) for i in reversed(used))
            continue
        d_args = done[len(done) - len(used):]
        del done[len(done) - len(used):]
        out = _named(e, known)
        terms: list[Expr] = []
        for i, d_arg in zip(used, d_args):
            if isinstance(e, Call) and e.fn == "softmax":
                sibling = None if i == e.pick else _named(Call("softmax", e.args, pick=i), known)
                local = local_partial(e, i, out, sibling)
            else:
                local = local_partial(e, i, out)  # type: ignore[arg-type]
            first = isinstance(e, Bin) and e.op == "*" and i == 0
            terms.append(Bin("*", d_arg, local) if first else Bin("*", local, d_arg))
        done.append(_sum(terms) if terms else ZERO)
    return done[0]


def _sum(terms: list[Expr]) -> Expr:
    out = terms[0]
    for t in terms[1:]:
        out = Bin("+", out, t)
    return out


# --- simplification ---------------------------------------------------------------------------------


def _num(e: Expr) -> float | None:
    return e.value if isinstance(e, Num) else None


def simplify(e: Expr) -> Expr:
    """Fold numbers, drop ×1, +0, **1, pull signs out of products: what a person writes.
    Bottom-up with a stack of its own: each node is simplified from its simplified operands, and
    once — a derivative shares the subexpressions of the line (the other factor of a product),
    and simplifying each occurrence again would cost the square of the line's length."""
    seen: dict[int, Expr] = {}  # id of a node (alive in `e`) -> its simplified form

    def once(node: Expr, kids: list[Expr]) -> Expr:
        made = seen[id(node)] = _simplified(node, kids)  # type: ignore[arg-type]
        return made

    return fold(e, lambda node: node if isinstance(node, (Num, Name)) else seen.get(id(node)), once)


def _simplified(e: Neg | Bin | Call, kids: list[Expr]) -> Expr:
    """One node, its operands already simplified (`kids`)."""
    if isinstance(e, Neg):
        x = kids[0]
        if isinstance(x, Num):
            return Num(-x.value)
        if isinstance(x, Neg):
            return x.x
        return Neg(x)
    if isinstance(e, Call):
        return Call(e.fn, tuple(kids), pick=e.pick)
    a, b = kids
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
    coefficient (signs included), so that t*(1/x) prints as t/x.  The coefficients multiply as
    the product nests, left operand first (so the same bits however deep it is)."""
    coefs: list[float] = []
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Num):
            coefs.append(node.value)
        elif isinstance(node, Neg):
            if expanded:
                coefs.append(-coefs.pop())
            else:
                stack.extend(((node, True), (node.x, False)))
        elif isinstance(node, Bin) and node.op == "*":
            if expanded:
                right = coefs.pop()
                coefs.append(coefs.pop() * right)
            else:
                stack.extend(((node, True), (node.b, False), (node.a, False)))
        elif isinstance(node, Bin) and node.op == "/" and isinstance(node.a, Num):
            dens.append(node.b)
            coefs.append(node.a.value)
        else:
            out.append(node)
            coefs.append(1.0)
    return coefs[0]


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
    def leaf(node: Expr) -> float | None:
        if isinstance(node, Num):
            return node.value
        return values[node.id] if isinstance(node, Name) else None

    def combine(node: Expr, args: list[float]) -> float:
        fn = primitive(node)  # type: ignore[arg-type]
        value = FORWARD[fn]
        v = value(node.pick, *args) if isinstance(node, Call) and lookup(fn).indexed else value(*args)
        if round_digits is not None and fn in ROUNDED:
            v = round_half_up(v, round_digits)
        return float(v)

    return fold(e, leaf, combine)
