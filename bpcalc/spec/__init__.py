"""From a file to a checked `Problem`: YAML with source positions (yamldoc.py), then either file
form — expression files (expression.py) or network files, lowered to the same named graph
(network.py)."""

from __future__ import annotations

from ..errors import InputError
from ..problem import Problem
from .expression import expression_problem
from .network import network_problem
from .yamldoc import Doc, parse_yaml, read_text


def load(source: str, *, text: str | None = None) -> Problem:
    """Load a problem from a path ('-' for standard input), or from `text` shown as `source`."""
    if text is None:
        text, shown = read_text(source)
    else:
        shown = source
    return problem_from_doc(parse_yaml(text, shown))


def problem_from_doc(doc: Doc) -> Problem:
    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            "the file must be a mapping of keys (inputs:, params:, define: … or network: …)",
            doc.span(()), "see examples/ for both file forms",
        )
    problem = network_problem(doc) if "network" in data else expression_problem(doc)
    problem.text = doc.text
    return problem


__all__ = ["load", "problem_from_doc"]
