"""The op table's formulas as expression trees, and the vocabularies that parse them.

Each record's formulas are parsed once, by bpcalc's own parser, with the table's own names as the
vocabulary.  `partial(p, i, n)` is ∂out/∂(argument i) of primitive `p` called with `n`
arguments, as a tree over the placeholder names `params[…]` and `out` (and `other` for a vector
primitive's off-diagonal entry); symbolic differentiation and the numeric kernels both start here.
"""

from __future__ import annotations

from functools import cache

from ..expr.parser import Vocabulary, parse
from ..expr.tree import Bin, Call, Expr, Name, Neg, Num
from .table import BY_NAME, TABLE, Primitive

#: the functions an expression file may call
USER = Vocabulary(
    {p.name: p.arity for p in TABLE if p.kind == "function"},
    {alias: p.name for p in TABLE if p.kind == "function" for alias in p.aliases},
)

#: every function the table's own formulas may call (helpers included)
_OWN = Vocabulary({p.name: p.arity for p in TABLE if p.kind != "operator"}, {})


def params(p: Primitive, n: int) -> tuple[str, ...]:
    """The placeholder names of `n` arguments of `p`: its params, or x1 … xn when variadic."""
    if p.variadic:
        return tuple(f"x{i + 1}" for i in range(n))
    return p.params[:n]


@cache
def _parsed(text: str) -> Expr:
    return parse(text, _OWN)


def partial(p: Primitive, i: int, n: int) -> Expr:
    """∂out/∂(argument i) for a call of `p` with `n` arguments, over `params(p, n)` and `out`.

    Arguments left out take their defaults (leaky_relu's slope).  For a vector primitive, i == 0
    is the diagonal entry and i == 1 the off-diagonal one (over `out` and `other`)."""
    return _partial(p.name, i, n)


@cache
def _partial(name: str, i: int, n: int) -> Expr:
    p = BY_NAME[name]
    if p.each_partial is not None:
        return Call(p.each_partial, tuple(Name(x) for x in params(p, n)), pick=i)
    if not p.partials:
        raise KeyError(f"no derivative for primitive {p.name!r}")
    formula = _parsed(p.partials[i])
    if n < len(p.params) and p.kind != "vector":
        from ..expr.tree import substitute_names

        missing = p.params[n:]
        defaults = p.defaults[len(p.defaults) - len(missing):]
        formula = substitute_names(formula, {x: Num(v) for x, v in zip(missing, defaults)})
    return formula


@cache
def user_formula(text: str) -> Expr:
    """A formula of bpcalc's own tables over the functions a file may call (a loss's term), as a
    tree with no positions in any text (the lines made from it have their own)."""
    return _unplaced(parse(text, USER))


def _unplaced(e: Expr) -> Expr:
    if isinstance(e, Call):
        return Call(e.fn, tuple(_unplaced(a) for a in e.args), 0, e.pick)
    if isinstance(e, Bin):
        return Bin(e.op, _unplaced(e.a), _unplaced(e.b))
    if isinstance(e, Neg):
        return Neg(_unplaced(e.x))
    return Num(e.value) if isinstance(e, Num) else Name(e.id)


def value_formula(p: Primitive) -> Expr | None:
    """The value as a formula over the params, for the operators the engine inlines."""
    return _parsed(p.formula) if p.formula is not None else None


def lookup(name: str) -> Primitive:
    """The record of a primitive; a name the table lacks is a KeyError that names it."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no primitive {name!r} in the op table") from None
