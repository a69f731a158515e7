r"""`--format latex`: the rows of an amsmath `align*` (paste them inside `\begin{align*} …
\end{align*}`); step headings and sentences are `\intertext`.  `--standalone` wraps them in a
whole document that pdflatex compiles."""

from __future__ import annotations

from ..trace.steps import Trace
from . import Options
from .layout import Eq, Math, Segment, Table, layout
from .printers import LatexPrinter, latex_escape

#: a row longer than this (in LaTeX source characters) puts each `= part` on a line of its own
WRAP_AT = 220


def _text(segs: list[Segment]) -> str:
    """Text mode: words escaped, math in $…$."""
    return "".join(f"${s.text}$" if isinstance(s, Math) else latex_escape(s) for s in segs)


def _note(segs: list[Segment]) -> str:
    """Math mode: words in \\text{…}."""
    return "".join(s.text if isinstance(s, Math) else r"\text{" + latex_escape(s) + "}" for s in segs)


def _tabular(table: Table) -> str:
    """A tabular inside \\intertext, so it sits between the rows of the alignment."""
    n = len(table.header)
    align = (table.align or "l" * n).ljust(n, "l")
    lines = [rf"\begin{{tabular}}{{{align}}}", " & ".join(_text(c) for c in table.header) + r" \\ \hline"]
    lines += [" & ".join(_text(c) for c in row) + r" \\" for row in table.rows]
    return "\n".join([*lines, r"\end{tabular}"])


def body(trace: Trace, digits: int) -> list[str]:
    rows: list[str] = []
    for sec in layout(trace, LatexPrinter(digits)):
        rows.append(rf"\intertext{{\textbf{{Step {sec.number}. {_text(sec.title)}}}}}")
        for row in sec.rows:
            if isinstance(row, Table):
                rows.append(rf"\intertext{{{_tabular(row)}}}")
                continue
            if not isinstance(row, Eq):
                rows.append(rf"\intertext{{{_text(row.segments)}}}")
                continue
            rel = r"\leftarrow" if row.relation != "=" else "="
            note = rf" && {_note(row.note)}" if row.note else ""
            one = f"{row.lhs} &{rel} " + " = ".join(row.parts)
            if len(one) <= WRAP_AT:
                rows.append(f"{one}{note} \\\\")
            else:
                rows.append(f"{row.lhs} &{rel} {row.parts[0]} \\\\")
                rows.extend(f"&= {part} \\\\" for part in row.parts[1:-1])
                rows.append(f"&= {row.parts[-1]}{note} \\\\")
    if rows and rows[-1].endswith(" \\\\"):
        rows[-1] = rows[-1][:-3]
    return rows


def render(trace: Trace, options: Options) -> str:
    rows = body(trace, options.digits)
    if not options.standalone:
        head = [r"% bpcalc: the rows of an align* environment (amsmath); paste them inside",
                r"% \begin{align*} ... \end{align*}"]
        return "\n".join(head + rows) + "\n"
    title = latex_escape(f"bpcalc {trace.command} {trace.file}")
    doc = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{amsmath}",
        r"\usepackage[a4paper,landscape,margin=1.5cm]{geometry}",
        r"\allowdisplaybreaks",
        r"\begin{document}",
        rf"\section*{{{title}}}",
        r"\begin{align*}",
        *rows,
        r"\end{align*}",
        r"\end{document}",
    ]
    return "\n".join(doc) + "\n"
