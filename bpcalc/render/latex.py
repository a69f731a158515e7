r"""`--format latex`: the rows of an amsmath `align*` (paste them inside `\begin{align*} …
\end{align*}`); step headings and sentences are `\intertext`.  `--standalone` wraps them in a
whole document that pdflatex compiles.

The rows fit the text width of a default `article` page: a row too long for one line puts each
`= part` on a row of its own, aligned at `=`, and a part still too long continues on further rows
after a top-level operator (the printer's break marks), indented by `\quad`.  The width is
estimated from the LaTeX source (what each command prints as); `\allowdisplaybreaks` in the
preamble lets a long derivation break across pages.
"""

from __future__ import annotations

import re

from .. import markup
from ..markup import latex_escape
from ..trace.steps import Trace
from . import Options
from .layout import (
    Eq,
    Grid,
    Math,
    MatrixEq,
    Piece,
    Segment,
    Table,
    column_label,
    column_numbers,
    heading,
    layout,
    matrix_units,
)
from .printers import BREAK, BREAK2, LatexPrinter, Printer, pieces

#: what fits on one line of a default article's text width (345pt), in the estimate's units
#: (roughly the width of a digit in 10pt math)
LINE = 64


def _text(segs: list[Segment]) -> str:
    """Text mode: words escaped, math in $…$."""
    return "".join(f"${_plain(s.text)}$" if isinstance(s, Math) else latex_escape(s) for s in segs)


def _note(segs: list[Segment]) -> str:
    """Math mode: words in \\text{…}."""
    return "".join(_plain(s.text) if isinstance(s, Math) else r"\text{" + latex_escape(s) + "}" for s in segs)


def _plain(s: str) -> str:
    return s.replace(BREAK, "").replace(BREAK2, "")


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|[^\\{}_^]")
#: printed widths in units of a digit (5pt in 10pt math) — what the row-breaking estimate counts
_WIDE = {"=": 2.6, "+": 2.4, "-": 2.4, "<": 2.6, ">": 2.6, r"\times": 2.4, r"\cdot": 1.6,
         r"\leftarrow": 3.2, r"\quad": 2.0, r"\qquad": 4.0, r"\ln": 2.0, r"\exp": 3.0, r"\max": 3.0,
         r"\min": 3.0, r"\sin": 3.0, r"\cos": 3.0, r"\tanh": 4.0, r"\sum": 2.0, ".": 0.55, ",": 0.9,
         "(": 0.8, ")": 0.8, "|": 0.6, " ": 0.0, "[": 0.6, "]": 0.6, r"\left": 0.0, r"\right": 0.0,
         r"\,": 0.35, r"\;": 0.55}
_WORD_COMMANDS = (r"\mathit", r"\operatorname", r"\text", r"\mathrm", r"\phantom")


def width(s: str) -> float:
    r"""The printed width of LaTeX math, estimated in digits (5pt): a digit is 1, a letter 1.2, a
    binary operator with its spacing about 2.4, a script 0.85 of its content, \frac the wider of
    its two lines.  Measured against pdflatex on bpcalc's own formulas, it errs on the wide side."""
    return _Widths(_TOKEN.findall(_plain(s))).sequence(None)


class _Widths:
    """A reading of LaTeX tokens, left to right (methods, not nested functions: those would refer
    to each other in a cycle that only the garbage collector frees)."""

    __slots__ = ("tokens", "position")

    def __init__(self, tokens: list[str]):
        self.tokens, self.position = tokens, 0

    def group(self) -> float:  # the width of one argument: {…} or a single token
        if self.position < len(self.tokens) and self.tokens[self.position] == "{":
            self.position += 1
            total = self.sequence("}")
            self.position += 1
            return total
        return self.item()

    def item(self) -> float:
        if self.position >= len(self.tokens):  # a piece cut before its argument (\frac{…} of a long sum): nothing more
            return 0.0
        token = self.tokens[self.position]
        self.position += 1
        if token == r"\frac":
            return max(self.group(), self.group())
        if token in _WORD_COMMANDS:
            return self.group()
        if token in ("_", "^"):
            return 0.85 * self.group()
        if token == "{":
            total = self.sequence("}")
            self.position += 1
            return total
        if token in _WIDE:
            return _WIDE[token]
        return 1.2 if token.isalpha() or token == r"\partial" else 1.0

    def sequence(self, end: str | None) -> float:
        total = 0.0
        while self.position < len(self.tokens) and self.tokens[self.position] != end:
            total += self.item()
        return total


def _rows(row: Eq, room: float) -> list[str]:
    r"""One Eq as rows of the alignment: `lhs &= …` and continuations `&= …`, `&\quad …`."""
    rel = r"\leftarrow" if row.relation != "=" else "="
    note = _note(row.note)
    one = f"{_plain(row.lhs)} &{rel} " + " = ".join(_plain(p) for p in row.parts)
    if width(one) + (width(note) + 2 if note else 0) <= LINE and width(" = ".join(row.parts)) <= room:
        return [one + (rf" \quad {note}" if note else "")]
    out: list[str] = []
    for i, part in enumerate(row.parts):
        chunks = [sub for chunk in pieces(part) for sub in _split(chunk, room)]
        line = (f"{_plain(row.lhs)} &{rel} " if i == 0 else "&= ") + chunks[0]
        used = width(chunks[0])
        for chunk in chunks[1:]:
            if used + width(chunk) > room:  # continue on a row of its own, after \quad
                out.append(line)
                line, used = r"&\quad " + chunk.lstrip(), 2 + width(chunk)
            else:
                line, used = line + chunk, used + width(chunk)
        out.append(line)
    if note:
        if width(_plain(row.parts[-1])) + width(note) + 2 <= room:
            out[-1] += rf" \quad {note}"
        else:
            out.append(rf"&\phantom{{=}} {note}")
    return out


def _split(chunk: str, budget: float) -> list[str]:
    """A top-level piece, split one level down when it alone is wider than the budget (its
    \\left( … \\right) become plain parentheses, which may open on one row and close on another)."""
    if BREAK2 not in chunk or width(chunk) <= budget:
        return [_plain(chunk)]
    for big, plain in ((r"\left(", "("), (r"\right)", ")"), (r"\left|", "|"), (r"\right|", "|")):
        chunk = chunk.replace(big, plain)
    return chunk.split(BREAK2)


def matrix_part(pieces: list[Piece], p: Printer) -> str:
    """A part of a matrix equation as one formula, each matrix a bmatrix (or the printer's own)."""
    out = []
    for i, piece in enumerate(pieces):
        if isinstance(piece, Grid):
            out.append((r"\," if i and isinstance(pieces[i - 1], Grid) else "") + p.matrix(piece.rows))
        else:
            out.append(piece)
    return _plain("".join(out))


def _grid_width(grid: Grid) -> float:
    r"""A bmatrix's printed width, estimated as width() does: its widest cell in each column (a
    leading minus is a sign, narrower than the binary minus width() counts), 2 between columns
    (\arraycolsep on both sides) and the brackets."""
    def cell(text: str) -> float:
        return width(text) - (0.85 if text.startswith("-") else 0.0)

    return sum(max(cell(c) for c in column) for column in zip(*grid.rows)) + 2.0 * len(grid.rows[0]) - 0.4


def _pieces_width(pieces: list[Piece]) -> float:
    return sum(_grid_width(x) if isinstance(x, Grid) else width(x) for x in pieces)


def matrix_rows(row: MatrixEq, p: Printer, room: float = LINE) -> list[str]:
    r"""`lhs &= part` and a row `&= part` for each further part: matrices are tall, one a row.  A
    part wider than `room` goes on over rows of its own after \quad, broken between two matrices
    (a continued product begins with \cdot), and a matrix too wide alone is written as blocks of
    its columns, each block saying which."""
    out: list[str] = []
    for i, part in enumerate(row.parts):
        head = f"{_plain(row.lhs)} &= " if i == 0 else "&= "
        if _pieces_width(part) <= room:
            out.append(head + matrix_part(part, p))
            continue
        out += _balanced(_part_rows(head, part, p, room))
    if row.note:
        out[-1] += rf" \quad {_note(row.note)}"
    return out


def _balanced(rows: list[str]) -> list[str]:
    r"""Rows of one part, each with its \left and \right: a parenthesis opened on one row and
    closed on a later one is closed by \right. and opened again by \left. in between."""
    out, open_ = [], 0
    for row in rows:
        head, sep, body = row.partition("&")
        body = sep + body
        if open_:
            at = body.index(" ") + 1 if body.startswith(r"&\quad") else 3
            body = body[:at] + r"\left. " * open_ + body[at:]
        open_ = body.count(r"\left") - body.count(r"\right")
        out.append(head + body + r" \right." * open_)
    return out


def _part_rows(head: str, part: list[Piece], p: Printer, room: float) -> list[str]:
    r"""A part too wide for `room` over several rows: its units (layout.matrix_units) as many a
    row as fit, the rows after the first indented by \quad."""
    out: list[str] = []
    line: list[Piece] = []
    for k, unit in enumerate(matrix_units(part)):
        if line and _pieces_width([*line, *unit]) <= room:
            line += unit
            continue
        if line:
            out.append(head + matrix_part(line, p))
            head = r"&\quad "
        if k and isinstance(unit[0], Grid):  # a product goes on
            unit = [p.dot.strip() + " ", *unit]
        if _pieces_width(unit) <= room:
            line = unit
            continue
        out += _column_rows(head, unit, p, room)
        head, line = r"&\quad ", []
    if line:
        out.append(head + matrix_part(line, p))
    return out


def _column_rows(head: str, unit: list[Piece], p: Printer, room: float) -> list[str]:
    """A unit whose matrix is too wide for the line: the matrix's columns a block a row, each
    block labelled with the columns it holds, the words before the matrix on the first row."""
    k = next(j for j, x in enumerate(unit) if isinstance(x, Grid))
    grid = unit[k]
    assert isinstance(grid, Grid)
    numbers = column_numbers(grid)
    columns = list(zip(*grid.rows))
    budget = room - _pieces_width(unit[:k]) - _pieces_width(unit[k + 1:]) - 14  # the label's room
    chunks: list[list[int]] = [[]]
    for j, column in enumerate(columns):
        used = sum(max(width(c) for c in columns[m]) + 2 for m in chunks[-1])
        if chunks[-1] and used + max(width(c) for c in column) + 2 > budget:
            chunks.append([])
        chunks[-1].append(j)
    rows = []
    for n, chunk in enumerate(chunks):
        label = latex_escape(column_label([numbers[j] for j in chunk], p.lang))
        block = Grid(tuple(tuple(r[j] for j in chunk) for r in grid.rows))
        pieces: list[Piece] = [*(unit[:k] if n == 0 else []), block, *(unit[k + 1:] if n == len(chunks) - 1 else [])]
        rows.append((head if n == 0 else r"&\quad ") + matrix_part(pieces, p) + rf" \quad \text{{({label})}}")
    return rows


def _tabular(table: Table) -> str:
    """A tabular inside \\intertext, so it sits between the rows of the alignment."""
    n = len(table.header)
    align = (table.align or "l" * n).ljust(n, "l")
    lines = [rf"\begin{{tabular}}{{{align}}}", " & ".join(_text(c) for c in table.header) + r" \\ \hline"]
    lines += [" & ".join(_text(c) for c in row) + r" \\" for row in table.rows]
    return "\n".join([*lines, r"\end{tabular}"])


def body(trace: Trace, digits: int, lang: str = "en") -> list[str]:
    printer = LatexPrinter(digits, breaks=True, lang=lang)
    sections = layout(trace, printer)
    eqs = [row for sec in sections for row in sec.rows if isinstance(row, Eq)]
    # align* lines every row up at one column: the widest left-hand side of the whole alignment
    room = LINE - max((width(row.lhs) for row in eqs), default=0) - 2
    matrices = [row for sec in sections for row in sec.rows if isinstance(row, MatrixEq)]
    matrix_room = LINE - max((width(lhs) for lhs in [*(r.lhs for r in eqs), *(r.lhs for r in matrices)]),
                             default=0) - 3
    rows: list[str] = []
    for sec in sections:
        rows.append(rf"\intertext{{\textbf{{{heading(sec, '. ', _text(sec.title), lang)}}}}}")
        for row in sec.rows:
            if isinstance(row, Table):
                rows.append(rf"\intertext{{{_tabular(row)}}}")
            elif isinstance(row, Eq):
                rows.extend(line + r" \\" for line in _rows(row, room))
            elif isinstance(row, MatrixEq):
                rows.extend(line + r" \\" for line in matrix_rows(row, printer, matrix_room))
            else:
                rows.append(rf"\intertext{{{_text(row.segments)}}}")
    if rows and rows[-1].endswith(" \\\\"):
        rows[-1] = rows[-1][:-3]
    return rows


def render(trace: Trace, options: Options) -> str:
    rows = body(trace, options.digits, options.lang)
    if not options.standalone:
        head = [r"% bpcalc: the rows of an align* environment (amsmath); paste them inside",
                r"% \begin{align*} ... \end{align*}, with \usepackage{amsmath} and \allowdisplaybreaks",
                r"% in the preamble (a long derivation then breaks across pages)."]
        if options.lang == "zh":
            head += [r"% The text is Chinese: with pdflatex, \usepackage{CJKutf8} in the preamble and the rows",
                     r"% inside \begin{CJK}{UTF8}{gbsn} ... \end{CJK}; with xelatex, \usepackage{ctex}."]
        return "\n".join(head + rows) + "\n"
    chinese = options.lang == "zh"
    # a file's name as bpcalc/markup.py writes it: what pdflatex has no command for as its escape
    title = f"bpcalc {latex_escape(trace.command)} {markup.latex(trace.file)}"
    doc = [
        *(CHINESE_PREAMBLE if chinese else [r"\documentclass[11pt]{article}", r"\usepackage[T1]{fontenc}"]),
        r"\usepackage{amsmath}",
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\allowdisplaybreaks",
        r"\begin{document}",
        *([r"\bpcalcchinese"] if chinese else []),
        rf"\section*{{{title}}}",
        r"\begin{align*}",
        *rows,
        r"\end{align*}",
        *([r"\bpcalcendchinese"] if chinese else []),
        r"\end{document}",
    ]
    return "\n".join(doc) + "\n"


#: a Chinese document's preamble (docs/output-formats.md, "Chinese with LaTeX"): it chooses at
#: compile time, from the engine and the packages there are, so the same file compiles on a basic
#: TeX install with the CJK package and on a full one — pdflatex: CJKutf8 with the gbsn font
#: (Debian's latex-cjk-chinese and latex-cjk-chinese-arphic-gbsn00lp, TeX Live's cjk and arphic),
#: no ctexart needed; xelatex or lualatex: ctex (texlive-lang-chinese).  What is missing stops
#: the run with a message naming the packages to install.
CHINESE_PREAMBLE = [
    r"\documentclass[11pt]{article}",
    r"\usepackage{iftex}",
    r"\newcommand{\bpcalcmissing}[1]{\PackageError{bpcalc}{#1 not found. The Chinese text needs, with "
    r"pdflatex, the CJK package and the gbsn font (Debian/Ubuntu: apt-get install latex-cjk-chinese "
    r"latex-cjk-chinese-arphic-gbsn00lp; TeX Live: tlmgr install cjk arphic); with xelatex or lualatex, "
    r"ctex (apt-get install texlive-lang-chinese; tlmgr install ctex)}{docs/output-formats.md of bpcalc}}",
    r"\ifPDFTeX",
    r"  \usepackage[T1]{fontenc}",
    r"  \IfFileExists{CJKutf8.sty}{\usepackage{CJKutf8}}{\bpcalcmissing{CJKutf8.sty}}",
    r"  \IfFileExists{c70gbsn.fd}{}{\bpcalcmissing{the gbsn font (c70gbsn.fd)}}",
    r"  \newcommand{\bpcalcchinese}{\begin{CJK}{UTF8}{gbsn}}",
    r"  \newcommand{\bpcalcendchinese}{\end{CJK}}",
    r"\else",
    r"  \IfFileExists{ctex.sty}{\usepackage[UTF8]{ctex}}{\bpcalcmissing{ctex.sty}}",
    r"  \newcommand{\bpcalcchinese}{}",
    r"  \newcommand{\bpcalcendchinese}{}",
    r"\fi",
]
