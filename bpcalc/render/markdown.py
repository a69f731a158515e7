"""`--format markdown`: a heading per step, a list item per row, math in `$…$` (LaTeX that
GitHub renders).  Plain words are escaped so names like `out_o1` never turn into italics."""

from __future__ import annotations

import re
from typing import Any

from ..engine import Solution
from ..printers import LatexPrinter
from ..trace import build
from .layout import Eq, Math, Segment, layout


def _words(s: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|$~])", r"\\\1", s)


def _segments(segs: list[Segment]) -> str:
    return "".join(f"${s.text}$" if isinstance(s, Math) else _words(s) for s in segs)


def render(solution: Solution, command: str, *, digits: int = 12, only: list[str] | None = None,
           max_paths: int = 16, **_: Any) -> str:
    trace = build(solution, command, only=only, max_paths=max_paths)
    out = [f"## bpcalc {command}: {_words(solution.problem.file)}", ""]
    for sec in layout(trace, LatexPrinter(digits)):
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
