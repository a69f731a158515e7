"""The op table and what is made from it.

`table.py` holds one record per primitive (values, partial-derivative formulas, rounding, kinks,
domain); `formulas.py` parses the formulas; `kernels.py` compiles them into the engine's numeric
functions.  Every other module reads primitives through here.
"""

from __future__ import annotations

from .formulas import USER, lookup, partial, value_formula
from .kernels import Kernel, partial_kernel, partial_value, partials, softmax_partials, value
from .table import BY_NAME, CANCELLED, TABLE, Case, DomainError, Primitive, cancelled, softmax_vector

#: the functions whose outputs `--round N` rounds: what one reads off a calculator
ROUNDED = frozenset(p.name for p in TABLE if p.rounds)

#: a layer's activations in a network file: name (or alias) -> the primitive; `linear` has none
ACTIVATIONS: dict[str, str] = {"linear": "linear", "identity": "linear"}
ACTIVATIONS.update({name: p.name for p in TABLE if p.activation for name in (p.name, *p.aliases)})


class _Values(dict[str, Kernel]):
    """name -> checked value function, for every primitive (made on first use)."""

    def __missing__(self, name: str) -> Kernel:
        fn = value(lookup(name))
        self[name] = fn
        return fn


#: op name -> the checked value function of its arguments
FORWARD = _Values()

__all__ = ["ACTIVATIONS", "BY_NAME", "CANCELLED", "Case", "DomainError", "FORWARD", "Primitive", "ROUNDED",
           "TABLE", "USER", "cancelled", "lookup", "partial", "partial_kernel", "partial_value", "partials",
           "softmax_partials", "softmax_vector", "value", "value_formula"]
