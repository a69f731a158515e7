"""A problem file as plain data — the mapping YAML reads it as, with nothing else — and back.

A course platform runs bpcalc's grader where PyYAML is not installed (PrairieLearn's question
runtime: docs/course-kit.md), so a variant travels there as JSON: the plain dict of its file, read
here by the same code as a YAML file (reading/network.py, reading/expression.py), without
importing yaml.  What a plain dict cannot say — where a value was written, how a number was
spelt — only changes where a message points (the top of the file).

    data = plain_data(text, "v07")            # at kit time, where YAML is read
    problem = problem_from_data(data, "v07")  # anywhere: json.loads(…) gives the same dict
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import InputError, Span
from ..problem import Problem


def plain_data(text: str, file: str) -> dict[str, Any]:
    """A problem file's text as the plain dict it reads as (YAML: imported here), checked to be
    JSON as it is: string keys, finite numbers, and nothing JSON would change."""
    from .yamldoc import parse_yaml

    doc = parse_yaml(text, file)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError("the file must be a mapping of keys", Span(file), "bpcalc examples lists files of both forms")
    _json_as_is(data, file)
    return data


def problem_from_data(data: Any, file: str) -> Problem:
    """The problem a plain dict (a JSON file's, or plain_data's) describes, read without YAML."""
    from . import problem_from_doc
    from .yamldoc import Doc

    if not isinstance(data, dict):
        raise InputError("a problem as data is a mapping of keys (inputs:, params:, define: … or network: …)",
                         Span(file), "write the dict plain_data gives")
    _json_as_is(data, file)
    # the text: what the file's size limits are measured on (reading/common.py's Budget)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return problem_from_doc(Doc(file, data, text))


def _json_as_is(value: Any, file: str, depth: int = 0) -> None:
    """Nothing JSON cannot hold as it is: a key that is not text, a number that is not finite, a
    value that is not plain data."""
    if depth > 64:
        raise InputError("the problem's data is nested too deeply", Span(file), "a problem file nests a few levels")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"a key of the problem's data is not text: {key!r}", Span(file),
                                 "quote the key in the file")
            _json_as_is(item, file, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _json_as_is(item, file, depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise InputError("the problem's data holds a number that is not finite", Span(file), "write a finite number")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise InputError(f"the problem's data holds {type(value).__name__}, not plain data", Span(file),
                         "write numbers, text, lists and mappings")


__all__ = ["plain_data", "problem_from_data"]
