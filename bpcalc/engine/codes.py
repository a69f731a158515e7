"""The tape's integer codes for the op table's primitives, and what the engine knows of each code —
all read off the table: the engine compares ints, not strings, in its loops."""

from __future__ import annotations

from ..expr.tree import Expr, Name, Num
from ..ops import TABLE, lookup, partial

#: code -> primitive name; the table's order, so the inlined operators come first
NAMES: list[str] = [p.name for p in TABLE if p.kind != "helper"]
CODES: dict[str, int] = {name: code for code, name in enumerate(NAMES)}

#: tape codes beyond the primitives: a leaf's value, a constant
LEAF = -2
CONST = -1

#: the operators whose value is a formula: the forward loop inlines them (codes 0 … INLINE - 1)
INLINE = sum(1 for name in NAMES if lookup(name).formula is not None)
assert all(lookup(NAMES[c]).formula is not None for c in range(INLINE)), "inlined operators first"

#: codes whose output --round rounds, and whose value takes a component index first (softmax)
ROUNDED_CODES = frozenset(CODES[p.name] for p in TABLE if p.rounds and p.name in CODES)
INDEXED_CODES = frozenset(CODES[p.name] for p in TABLE if p.indexed and p.name in CODES)
VECTOR_CODES = frozenset(CODES[p.name] for p in TABLE if p.kind == "vector")


def _is_sum(name: str) -> bool:
    """Every partial is exactly 1 (a + b): it hands its adjoint on unchanged."""
    p = lookup(name)
    return p.kind == "operator" and len(p.params) == 2 and all(
        _is_number(partial(p, i, 2), 1.0) for i in range(2))


def _is_product(name: str) -> bool:
    """The partial with respect to each argument is the other argument (a · b)."""
    p = lookup(name)
    return p.kind == "operator" and len(p.params) == 2 and not p.variadic and (
        _is_name(partial(p, 0, 2), p.params[1]) and _is_name(partial(p, 1, 2), p.params[0]))


def _is_number(e: Expr, value: float) -> bool:
    return isinstance(e, Num) and e.value == value


def _is_name(e: Expr, name: str) -> bool:
    return isinstance(e, Name) and e.id == name


#: the operators of the closed-form local partials (see graph._affine_partners)
SUM_CODES = frozenset(CODES[n] for n in NAMES if _is_sum(n))
PRODUCT_CODES = frozenset(CODES[n] for n in NAMES if _is_product(n))
