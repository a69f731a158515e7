"""Expressions: the tree, bpcalc's own parser, and the plain printer of the JSON `formula`."""

from .parser import Vocabulary, parse
from .tree import (
                   Bin,
                   Call,
                   Expr,
                   Name,
                   Neg,
                   Num,
                   children,
                   name_positions,
                   names_in,
                   primitive,
                   rebuild,
                   substitute_names,
                   to_text,
)

__all__ = ["Bin", "Call", "Expr", "Name", "Neg", "Num", "Vocabulary", "children", "name_positions",
           "names_in", "parse", "primitive", "rebuild", "substitute_names", "to_text"]
