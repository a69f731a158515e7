"""`--format markdown`: a heading per step, a list item per row, math in `$…$` (LaTeX that
GitHub renders).  Plain words are escaped so names like `out_o1` never turn into italics."""

from __future__ import annotations

import re

from .. import markup
from ..trace.steps import Trace
from . import Options
from .latex import matrix_part
from .layout import Eq, Math, MatrixEq, Segment, Table, heading, layout
from .printers import LatexPrinter


def _words(s: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|$~])", r"\\\1", s)


def _segments(segs: list[Segment]) -> str:
    return "".join(f"${s.text}$" if isinstance(s, Math) else _words(s) for s in segs)


def _table(table: Table) -> list[str]:
    n = len(table.header)
    align = (table.align or "l" * n).ljust(n, "l")
    cell = [_segments(c).replace("|", "\\|") for c in table.header]
    out = ["", "| " + " | ".join(cell) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(_segments(c).replace("|", "\\|") for c in row) + " |" for row in table.rows]
    return out + [""]


def render(trace: Trace, options: Options) -> str:
    out = [f"## bpcalc {trace.command}: {markup.markdown(trace.file)}", ""]  # as bpcalc/markup.py writes it
    printer = LatexPrinter(options.digits, lang=options.lang)
    for sec in layout(trace, printer):
        out.append(f"### {heading(sec, '. ', _segments(sec.title), options.lang)}")
        out.append("")
        for row in sec.rows:
            if isinstance(row, Eq):
                rel = r"\leftarrow" if row.relation != "=" else "="
                math = f"{row.lhs} {rel} " + " = ".join(row.parts)
                note = f" {_segments(row.note)}" if row.note else ""
                out.append(f"- ${math}${note}")
            elif isinstance(row, Table):
                out.extend(_table(row))
            elif isinstance(row, MatrixEq):
                math = f"{row.lhs} = " + " = ".join(matrix_part(part, printer) for part in row.parts)
                note = f" {_segments(row.note)}" if row.note else ""
                out.append(f"- ${math}${note}")
            else:
                out.append(f"- {_segments(row.segments)}")
        out.append("")
    return "\n".join(out)
