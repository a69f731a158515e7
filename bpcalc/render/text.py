"""`--format text`: plain Unicode lines (ASCII with `--ascii`), no escape codes ever.

Within a step the `=` signs line up in columns (lhs = formula = numbers = value), as in SPEC §4;
a cell too wide for its column is written out in full and the rest of that row moves over.
`lines()` yields each line as spans tagged with what they show, so `rich` can colour the same
layout.
"""

from __future__ import annotations

from collections.abc import Callable

from ..trace.steps import Trace
from . import Options
from .layout import Eq, Math, Section, Segment, Table, layout
from .printers import printer_for

#: cells wider than this do not widen their column
COLUMN_CAP = 40
#: a row longer than this puts each `= part` on a line of its own
WRAP_AT = 140

_ASCII = str.maketrans({"∂": "d", "×": "*", "·": "*", "−": "-", "≤": "<=", "←": "<-", "…": "...", "─": "-",
                        "²": "^2", "³": "^3", "√": "sqrt"})
_ASCII_WORDS = {"σ": "sigmoid", "η": "eta", "θ": "theta", "Σ": "sum", "δ": "delta"}

Span = tuple[str, str | None]  # (text, style): style is heading, value, gradient, local, update, note
Fix = Callable[[str], str]  # to_ascii, or leave the text as it is


def to_ascii(s: str) -> str:
    for k, v in _ASCII_WORDS.items():
        s = s.replace(k, v)
    return s.translate(_ASCII)


def _segments(segs: list[Segment]) -> str:
    return "".join(s.text if isinstance(s, Math) else s for s in segs)


def lines(sections: list[Section], ascii: bool = False) -> list[list[Span]]:
    fix: Fix = to_ascii if ascii else str
    out: list[list[Span]] = []
    for sec in sections:
        if out:
            out.append([])
        out.append([(fix(f"Step {sec.number}  {_segments(sec.title)}"), "heading")])
        eqs = [r for r in sec.rows if isinstance(r, Eq)]
        cells = {id(r): _cells(r, fix) for r in eqs}
        widths = _widths(list(cells.values()))
        for row in sec.rows:
            if isinstance(row, Eq):
                out.extend(_eq_lines(row, cells[id(row)], widths, fix))
            elif isinstance(row, Table):
                out.extend(_table_lines(row, fix))
            else:
                out.append([("  " + fix(_segments(row.segments)), None)])
    return out


def _table_lines(table: Table, fix: Fix) -> list[list[Span]]:
    """Columns padded to their widest cell, two spaces apart; a rule under the header."""
    header = [fix(_segments(c)) for c in table.header]
    body = [[fix(_segments(c)) for c in row] for row in table.rows]
    n = len(header)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(n)]
    align = (table.align or "l" * n).ljust(n, "l")
    kinds = [*table.kinds, *[None] * n][:n]

    def line(cells: list[str], styled: bool) -> list[Span]:
        spans: list[Span] = [("  ", None)]
        for i, cell in enumerate(cells):
            text = cell.rjust(widths[i]) if align[i] == "r" else cell.ljust(widths[i])
            spans.append((text + ("  " if i < n - 1 else ""), kinds[i] if styled else None))
        return spans

    rule = fix("  ".join("─" * w for w in widths))
    return [line(header, False), [("  " + rule, None)], *[line(r, True) for r in body]]


def _widths(rows: list[list[str]]) -> list[int]:
    """Column widths, over the cells that are not too wide; past a column where most filled cells
    are too wide, later columns cannot line up and are left unpadded."""
    widths = [0, 0, 0]
    for i in range(3):
        column = [len(c[i]) for c in rows if c[i]]
        widths[i] = max([n for n in column if n <= COLUMN_CAP] or [0])
        if 2 * sum(n > COLUMN_CAP for n in column) > len(column):
            break
    return widths


def _cells(row: Eq, fix: Fix) -> list[str]:
    """[lhs, formula, numbers, value]: the middle parts fill the formula column first."""
    middle = [fix(s) for s in row.parts[:-1]]
    middle += [""] * (2 - len(middle))
    if len(middle) > 2:  # never produced by the layout; kept whole rather than dropped
        middle = [" = ".join(middle[:-1]), middle[-1]]
    return [fix(row.lhs), *middle, fix(row.parts[-1])]


def _eq_lines(row: Eq, cells: list[str], widths: list[int], fix: Fix) -> list[list[Span]]:
    lhs, c1, c2, value = cells
    note = fix(_segments(row.note))
    for w in (widths, [0, 0, 0]):  # aligned if it fits, else unpadded, else one part a line
        spans = _one_line(row, cells, w, fix)
        if note:
            spans.append(("   " + note, "note"))
        if sum(len(t) for t, _ in spans) <= WRAP_AT:
            return [spans]
    indent = " " * (2 + len(lhs))
    parts = [c for c in (c1, c2) if c]
    first: list[Span] = [(f"  {lhs} {fix(row.relation)} {parts[0]}", None)]
    result = [first] + [[(f"{indent} = {part}", None)] for part in parts[1:]]
    last: list[Span] = [(f"{indent} = ", None), (value, row.kind)]
    if note:
        last.append(("   " + note, "note"))
    return [*result, last]


def _one_line(row: Eq, cells: list[str], widths: list[int], fix: Fix) -> list[Span]:
    lhs, c1, c2, value = cells
    rel = f" {fix(row.relation)} "
    spans: list[Span] = [("  " + lhs.ljust(widths[0]), None)]
    for cell, width in ((c1, widths[1]), (c2, widths[2])):
        if cell:
            spans.append((f"{rel}{cell.ljust(width)}", None))
            rel = " = "
        elif width:
            spans.append((" " * (width + 3), None))
    spans.append((rel, None))
    spans.append((value, row.kind))
    return spans


def render(trace: Trace, options: Options) -> str:
    sections = layout(trace, printer_for("text", options.digits, options.ascii))
    return "".join("".join(t for t, _ in line).rstrip() + "\n" for line in lines(sections, options.ascii))
