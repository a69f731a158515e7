"""`--format csv` (check): a gradebook, one row per answers file, for a spreadsheet.

Every cell is `markup.csv_cell`: a file's name with a line break in it cannot split its row, and a
cell that a spreadsheet would run as a formula (a file named `=HYPERLINK(…)`) stays text."""

from __future__ import annotations

import csv
import io

from ..markup import csv_cell
from ..trace.steps import ClassGrading, Trace
from . import Options


def render(trace: Trace, options: Options) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for step in trace.steps:
        if isinstance(step, ClassGrading):
            writer.writerows([[csv_cell(c) for c in row] for row in step.gradebook()])
    return out.getvalue()
