"""The tape's integer codes for the op table's primitives, and what the engine knows of each code —
all read off the table: the engine compares ints, not strings, in its loops."""

from __future__ import annotations

from .formulas import lookup
from .table import TABLE

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
#: codes through which no gradient flows (stop): a finite difference holds their values
DETACHED_CODES = frozenset(CODES[p.name] for p in TABLE if p.detached and p.name in CODES)

