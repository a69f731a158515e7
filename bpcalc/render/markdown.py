"""`--format markdown`: a heading per step, a list item per row, math in `$…$` (LaTeX that
GitHub renders).  Plain words are escaped so names like `out_o1` never turn into italics."""

from __future__ import annotations

import re

from ..trace.steps import Trace
from . import Options
from .layout import Eq, Math, Segment, layout
from .printers import LatexPrinter


def _words(s: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|$~])", r"\\\1", s)


def _segments(segs: list[Segment]) -> str:
    return "".join(f"${s.text}$" if isinstance(s, Math) else _words(s) for s in segs)


def render(trace: Trace, options: Options) -> str:
    out = [f"## bpcalc {trace.command}: {_words(trace.file)}", ""]
    for sec in layout(trace, LatexPrinter(options.digits)):
        out.append(f"### Step {sec.number}. {_segments(sec.title)}")
        out.append("")
        for row in sec.rows:
            if isinstance(row, Eq):
                rel = r"\leftarrow" if row.relation != "=" else "="
                math = f"{row.lhs} {rel} " + " = ".join(row.parts)
                note = f" {_segments(row.note)}" if row.note else ""
                out.append(f"- ${math}${note}")
            else:
                out.append(f"- {_segments(row.segments)}")
        out.append("")
    return "\n".join(out)
