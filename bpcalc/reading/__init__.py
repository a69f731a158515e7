"""From a file to a checked `Problem`: YAML with source positions (yamldoc.py), then either file
form — expression files (expression.py) or network files, lowered to the same named graph
(network.py)."""

from __future__ import annotations

from ..errors import InputError
from ..problem import Problem
from .expression import expression_problem
from .network import network_problem
from .yamldoc import Doc, parse_yaml, read_text


def load(source: str, *, text: str | None = None, unshown: bool = False, graph: bool = True) -> Problem:
    """Load a problem from a path ('-' for standard input), or from `text` shown as `source`.
    `unshown`: the problem will not be worked step by step (train, the Python API), so it may be
    as large as memory allows, not only as large as a worked solution can be shown.  `graph`
    False: a network file's layers alone, without its named scalar graph (what `train` needs)."""
    if text is None:
        text, shown = read_text(source)
    else:
        shown = source
    return problem_from_doc(parse_yaml(text, shown), unshown=unshown, graph=graph)


def problem_from_doc(doc: Doc, *, unshown: bool = False, graph: bool = True) -> Problem:
    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            "the file must be a mapping of keys (inputs:, params:, define: … or network: …)",
            doc.span(()), "bpcalc examples lists files of both forms",
        )
    _not_a_template(doc)
    problem = network_problem(doc, unshown, graph) if "network" in data else expression_problem(doc, unshown)
    problem.text = doc.text
    return problem


def _not_a_template(doc: Doc) -> None:
    """A homework template (docs/course-kit.md) given where a problem goes: a range to draw from
    stands where a number goes.  Said as such, with the command that makes problems from it."""
    from ..errors import printable
    from .common import shown
    from .schema import is_range

    for block in ("inputs", "params"):
        values = doc.data.get(block)
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            if is_range(value):
                raise InputError(f"'{printable(str(name))}' must be a number, not {shown(doc, (block, name), value)} "
                                 "(a range to draw from: this file is a template for bpcalc variants, not a "
                                 "problem)", doc.span((block, name)),
                                 f"make problems from it: bpcalc variants {printable(doc.file)} --count 1 -o variants "
                                 "(docs/course-kit.md); or write a number here")


__all__ = ["load", "problem_from_doc"]
