"""The op table and what is made from it, and the other tables of the domain.

`table.py` holds one record per primitive (values, partial-derivative formulas, rounding, kinks,
domain); `formulas.py` parses the formulas; `kernels.py` compiles them into the engine's numeric
functions; `codes.py` numbers them for the engine's tape.  `optimizers.py` holds one record per
optimiser, `losses.py` one per loss and output-layer shortcut.  Every other module reads them
through here.  The names are made on first use, so that importing a table costs only that table
(the command line reads the optimisers' names before anything is solved).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .formulas import USER, lookup, partial, value_formula
    from .kernels import Kernel, partial_kernel, partial_value, partials, softmax_partials, value
    from .table import BY_NAME, CANCELLED, TABLE, Case, DomainError, Primitive, cancelled, softmax_vector

    ROUNDED: frozenset[str]
    ACTIVATIONS: dict[str, str]
    FORWARD: dict[str, Kernel]

_LAZY = {
    "USER": ".formulas", "lookup": ".formulas", "partial": ".formulas", "value_formula": ".formulas",
    "Kernel": ".kernels", "partial_kernel": ".kernels", "partial_value": ".kernels", "partials": ".kernels",
    "softmax_partials": ".kernels", "value": ".kernels",
    "BY_NAME": ".table", "CANCELLED": ".table", "TABLE": ".table", "Case": ".table", "DomainError": ".table",
    "Primitive": ".table", "cancelled": ".table", "softmax_vector": ".table",
}


def _made(name: str) -> Any:
    from .kernels import Kernel, value
    from .table import TABLE

    if name == "ROUNDED":  # the functions whose outputs `--round N` rounds: what one reads off a calculator
        return frozenset(p.name for p in TABLE if p.rounds)
    if name == "ACTIVATIONS":  # a layer's activations in a network file: name (or alias) -> the primitive
        activations = {"linear": "linear", "identity": "linear"}  # `linear` has none
        activations.update({n: p.name for p in TABLE if p.activation for n in (p.name, *p.aliases)})
        return activations

    class Values(dict[str, Kernel]):
        """name -> checked value function, for every primitive (made on first use)."""

        def __missing__(self, key: str) -> Kernel:
            from .formulas import lookup

            fn = self[key] = value(lookup(key))
            return fn

    return Values()  # FORWARD: op name -> the checked value function of its arguments


def __getattr__(name: str) -> Any:
    import importlib

    if name in ("ROUNDED", "ACTIVATIONS", "FORWARD"):
        made = globals()[name] = _made(name)
        return made
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bpcalc.ops' has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


__all__ = ["ACTIVATIONS", "BY_NAME", "CANCELLED", "Case", "DomainError", "FORWARD", "Primitive", "ROUNDED",
           "TABLE", "USER", "cancelled", "lookup", "partial", "partial_kernel", "partial_value", "partials",
           "softmax_partials", "softmax_vector", "value", "value_formula"]
