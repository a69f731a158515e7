"""`--format csv` (check): a gradebook, one row per answers file, for a spreadsheet.

A cell that a spreadsheet would run as a formula (a file named `=HYPERLINK(…)`) starts with a `'`,
so it stays text."""

from __future__ import annotations

import csv
import io

from ..trace.steps import ClassGrading, Trace
from . import Options

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def render(trace: Trace, options: Options) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for step in trace.steps:
        if isinstance(step, ClassGrading):
            writer.writerows([[_cell(c) for c in row] for row in step.gradebook()])
    return out.getvalue()
