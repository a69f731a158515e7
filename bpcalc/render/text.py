"""`--format text`: plain Unicode lines (ASCII with `--ascii`), no escape codes ever, laid out to
a width (the terminal's, or 80 when piped).

Within a step the `=` signs line up in columns (lhs = formula = numbers = value), as in docs/output-formats.md.
A row too wide for the line puts each `= part` on a line of its own, under the first `=`; a part
still too wide is broken before a top-level operator (+, −, ×, ·: the printer's BREAK marks) with
its continuation indented under the part — never inside a number or a name.  Sentences wrap at
spaces.  `lines()` yields each line as spans tagged with what they show, so `rich` can colour the
same layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..trace.steps import Trace
from . import Options
from .layout import (
    Eq,
    Grid,
    Math,
    MatrixEq,
    Piece,
    Section,
    Segment,
    Table,
    column_label,
    column_numbers,
    heading,
    layout,
    matrix_units,
)
from .printers import BREAK, BREAK2, pieces, printer_for

#: cells wider than this do not widen their column
COLUMN_CAP = 40

_ASCII = str.maketrans({"∂": "d", "×": "*", "·": "*", "−": "-", "≤": "<=", "←": "<-", "…": "...", "─": "-",
                        "²": "^2", "³": "^3", "√": "sqrt"})
_ASCII_WORDS = {"σ": "sigmoid", "η": "eta", "θ": "theta", "Σ": "sum", "δ": "delta"}

Span = tuple[str, str | None]  # (text, style): style is heading, value, gradient, local, update, note
Fix = Callable[[str], str]  # to_ascii, or leave the text as it is


class _CharWidths(dict[str, int]):
    """Each character's columns, looked up once (East Asian wide and full-width: 2; a combining
    mark such as the hat of m̂: 0)."""

    def __missing__(self, ch: str) -> int:
        import unicodedata

        width = self[ch] = 0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_CHAR_WIDTHS = _CharWidths()


def width_of(s: str) -> int:
    """Columns a string takes on a terminal: CJK characters take two, combining marks none."""
    if s.isascii():
        return len(s)
    return sum(map(_CHAR_WIDTHS.__getitem__, s))


def to_ascii(s: str) -> str:
    for k, v in _ASCII_WORDS.items():
        s = s.replace(k, v)
    return s.translate(_ASCII)


def _segments(segs: list[Segment]) -> str:
    return "".join(s.text if isinstance(s, Math) else s for s in segs).replace(BREAK, "").replace(BREAK2, "")


_WIDE_CHAR = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"[{_WIDE_CHAR}]|[^\s{_WIDE_CHAR}]+| +")


def wrap(text: str, width: int, first: str = "  ", rest: str | None = None) -> list[str]:
    """Words filled to `width`, the first line after `first`, the others after `rest`.  A line
    breaks at a space, or between two Chinese characters (which take two columns each)."""
    rest = first + "  " if rest is None else rest
    out: list[str] = []
    line = first
    for token in _TOKENS.findall(text):
        if token.startswith(" "):
            if line.strip():
                line += token
            continue
        if line.strip() and width_of(line + token) > width:
            out.append(line.rstrip())
            line = rest + token
        else:
            line += token
    out.append(line.rstrip() if line.strip() else line)
    return out


def lines(sections: list[Section], ascii: bool = False, width: int = 80, lang: str = "en") -> list[list[Span]]:
    fix: Fix = to_ascii if ascii else str
    out: list[list[Span]] = []
    for sec in sections:
        if out:
            out.append([])
        title = fix(heading(sec, "  ", _segments(sec.title), lang))
        out.extend([(line, "heading")] for line in wrap(title, width, "", " " * 8))
        eqs = [r for r in sec.rows if isinstance(r, Eq)]
        cells = {id(r): _cells(r, fix) for r in eqs}
        widths = _aligned_widths(eqs, cells, fix, width, _lhs_column(eqs, cells, fix, width))
        # a row on one line whose parts do not line up leaves the value column meaningless:
        # then every row keeps just its `=` in the step's column (`∂z_o/∂b_o  = 1`, not a value
        # far out alone)
        if any(not _lines_up(cells[id(r)], widths) and _length(r, cells[id(r)], [widths[0], 0, 0], fix) <= width
               for r in eqs):
            widths = [widths[0], 0, 0]
        for row in sec.rows:
            if isinstance(row, Eq):
                out.extend(_eq_lines(row, cells[id(row)], widths, fix, width))
            elif isinstance(row, Table):
                out.extend(_table_lines(row, fix, width))
            elif isinstance(row, MatrixEq):
                out.extend(_matrix_lines(row, fix, width, lang))
            else:
                out.extend([(line, None)] for line in _say(row.segments, fix, width))
    return out


def _say(segments: list[Segment], fix: Fix, width: int) -> list[str]:
    """A sentence filled to the width: words break at spaces; a piece of math stays whole on its
    line unless it alone is too long (then it breaks where its formula may)."""
    text = "".join(fix(s.text).replace(" ", _GLUE) if isinstance(s, Math) else _glued(fix(s)) for s in segments)
    glue = _GLUE
    out: list[str] = []
    for line in wrap(unmark(text), width):
        if width_of(line) > width and glue in line:  # one long formula: break at its marks
            out.extend(wrap(line.replace(glue, " "), width, "", "    "))
        else:
            out.append(line.replace(glue, " "))
    return out


#: a space inside math: not a place to break a sentence
_GLUE = "\ue001"
#: a formula's operators, where written among words: a space beside one is inside the formula
_OPERATORS = frozenset("−+×·=/←→≤≥⊙*-")


def _glued(words: str) -> str:
    """A sentence's own words with the spaces inside a formula written among them glued, so the
    sentence never breaks inside the formula (`d(t − out)²/d out written −(t − out)`): a space
    beside an operator standing alone (t − out), one inside a parenthesis that a word opens
    (d(t − out): a function's or a product's, not a remark's), and the space of a derivative's
    `/d x`."""
    if " " not in words:
        return words
    tokens = words.split(" ")
    out = [tokens[0]]
    opened: list[bool] = []  # the parentheses open: True for one a word opens, inside a formula
    for token, following in zip(tokens, tokens[1:]):
        for k, ch in enumerate(token):
            if ch == "(":
                opened.append(k > 0)
            elif ch == ")" and opened:
                opened.pop()
        inside = (token in _OPERATORS or following in _OPERATORS or any(opened)
                  or token.endswith(("/d", "/∂")))
        out.append((_GLUE if inside and token and following else " ") + following)
    return "".join(out)


def unmark(s: str) -> str:
    return s.replace(BREAK, "").replace(BREAK2, "")


def _table_lines(table: Table, fix: Fix, width: int = 80) -> list[list[Span]]:
    """Columns padded to their widest cell, two spaces apart; a rule under the header.  A table
    wider than the line wraps its last column (words, left-aligned) at spaces, under itself."""
    header = [fix(_segments(c)) for c in table.header]
    body = [[fix(_segments(c)) for c in row] for row in table.rows]
    n = len(header)
    widths = [max(width_of(r[i]) for r in [header, *body]) for i in range(n)]
    align = (table.align or "l" * n).ljust(n, "l")
    kinds = [*table.kinds, *[None] * n][:n]
    room = width - (2 + sum(widths[:-1]) + 2 * (n - 1))
    if widths[-1] > room and align[-1] == "l" and room >= 12:
        widths[-1] = max(room, width_of(header[-1]))

    def line(cells: list[str], styled: bool) -> list[Span]:
        spans: list[Span] = [("  ", None)]
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - width_of(cell))
            text = pad + cell if align[i] == "r" else cell + pad
            spans.append(((text + ("  " if i < n - 1 else "")).rstrip() if i == n - 1 else text + "  ",
                          kinds[i] if styled else None))
        return spans

    def rows(cells: list[str], styled: bool) -> list[list[Span]]:
        last = wrap(cells[-1], widths[-1], "", "") if width_of(cells[-1]) > widths[-1] else [cells[-1]]
        blank = [""] * (n - 1)
        return [line([*cells[:-1], last[0]], styled), *[line([*blank, more], styled) for more in last[1:]]]

    if 2 + sum(widths) + 2 * (n - 1) > width and n > 2:  # too wide still: in blocks of columns
        return _column_blocks(table, header, body, widths, align, kinds, fix, width)
    rule = fix("  ".join("─" * w for w in widths))
    return [line(header, False), [("  " + rule, None)], *[r for cells in body for r in rows(cells, True)]]


def _column_blocks(table: Table, header: list[str], body: list[list[str]], widths: list[int], align: str,
                   kinds: list[str | None], fix: Fix, width: int) -> list[list[Span]]:
    """A table too wide for the line, as several tables one under another: the first column
    (what each row is) in each, the other columns as many as fit."""
    blocks: list[list[int]] = [[]]
    used = 2 + widths[0]
    for k in range(1, len(header)):
        if blocks[-1] and used + 2 + widths[k] > width:
            blocks.append([])
            used = 2 + widths[0]
        blocks[-1].append(k)
        used += 2 + widths[k]
    out: list[list[Span]] = []
    for i, columns in enumerate(blocks):
        keep = [0, *columns]
        part = Table([table.header[k] for k in keep], [[row[k] for k in keep] for row in table.rows],
                     "".join(align[k] for k in keep), [kinds[k] for k in keep])
        if i:
            out.append([("", None)])
        out.extend(_table_lines(part, fix, width))
    return out


Block = list[str]  # lines of one width, drawn side by side with others


def _grid_block(grid: Grid, fix: Fix) -> Block:
    """A matrix in brackets over its rows: ⎡ ⎤ ⎢ ⎥ ⎣ ⎦ (one row: [ ]); columns right-aligned."""
    cells = [[fix(unmark(c)) for c in row] for row in grid.rows]
    widths = [max(width_of(row[k]) for row in cells) for k in range(len(cells[0]))]
    body = ["  ".join(" " * (w - width_of(c)) + c for c, w in zip(row, widths)) for row in cells]
    if len(body) == 1:
        return [fix("[") + body[0] + fix("]")]
    sides = [("⎡", "⎤"), *[("⎢", "⎥")] * (len(body) - 2), ("⎣", "⎦")]
    if fix is not str:
        sides = [("[", "]")] * len(body)
    return [f"{left}{line}{right}" for (left, right), line in zip(sides, body)]


def _beside(blocks: list[Block]) -> Block:
    """Blocks side by side, each centred on the tallest."""
    height = max(len(b) for b in blocks)
    out = [""] * height
    for b in blocks:
        w = max(width_of(line) for line in b)
        top = (height - len(b)) // 2
        for i in range(height):
            line = b[i - top] if 0 <= i - top < len(b) else ""
            out[i] += line + " " * (w - width_of(line))
    return out


def _part_block(pieces: list[Piece], fix: Fix) -> Block:
    blocks: list[Block] = []
    for i, piece in enumerate(pieces):
        if isinstance(piece, Grid):
            if i and isinstance(pieces[i - 1], Grid):  # a product of two matrices: a space between
                blocks.append([" "])
            blocks.append(_grid_block(piece, fix))
        else:
            blocks.append([fix(unmark(piece))])
    return _beside(blocks)


def _matrix_column_blocks(grid: Grid, fix: Fix, room: int, lang: str) -> list[Block]:
    """A matrix wider than `room` as blocks of its columns, one under another, each headed by
    the columns it holds (`columns 1 to 3`): never a line that the terminal folds mid-number."""
    cells = [[fix(unmark(c)) for c in row] for row in grid.rows]
    widths = [max(width_of(row[k]) for row in cells) for k in range(len(cells[0]))]
    numbers = column_numbers(grid)
    chunks: list[list[int]] = [[]]
    for k, w in enumerate(widths):
        taken = sum(widths[j] + 2 for j in chunks[-1])
        if chunks[-1] and taken + w + 2 > room:
            chunks.append([])
        chunks[-1].append(k)
    blocks = []
    for chunk in chunks:
        label = column_label([numbers[k] for k in chunk], lang)
        part = Grid(tuple(tuple(row[k] for k in chunk) for row in grid.rows))
        blocks.append([fix(label), *_grid_block(part, fix)])
    return blocks


def _part_lines(pieces: list[Piece], fix: Fix, room: int, lang: str) -> list[Block]:
    """A part's pieces as one block, or, when wider than `room`, as several one under another,
    broken between two matrices: a continued product begins with `·`, a continued sum or ⊙ with
    its operator; a matrix too wide alone is split into blocks of its columns."""
    whole = _part_block(pieces, fix)
    if max(width_of(line) for line in whole) <= room:
        return [whole]
    units = matrix_units(pieces)
    dot = fix("·") + " "
    out: list[Block] = []
    line: list[Piece] = []
    for i, unit in enumerate(units):
        product = bool(i) and isinstance(unit[0], Grid)
        if line and max(width_of(text) for text in _part_block([*line, *unit], fix)) <= room:
            line += unit
            continue
        if line:
            out.append(_part_block(line, fix))
        lead: list[Piece] = [dot] if product else [unit[0].lstrip()] if isinstance(unit[0], str) and out else []
        unit = [*lead, *(unit[1:] if lead and not product else unit)]
        if max(width_of(text) for text in _part_block(unit, fix)) <= room:
            line = unit
            continue
        # one matrix too wide for the line: its columns in blocks, the words around it beside them
        k = next(j for j, x in enumerate(unit) if isinstance(x, Grid))
        grid = unit[k]
        assert isinstance(grid, Grid)
        before = _part_block(unit[:k], fix) if k else [""]
        after = _part_block(unit[k + 1:], fix) if unit[k + 1:] else [""]
        side = max(width_of(text) for text in before)
        blocks = _matrix_column_blocks(grid, fix, room - side - max(width_of(text) for text in after), lang)
        for j, block in enumerate(blocks):
            last = [after] if j == len(blocks) - 1 else []
            out.append(_beside([before if j == 0 else [" " * side], block, *last]))
        line = []
    if line:
        out.append(_part_block(line, fix))
    return out


def _matrix_lines(row: MatrixEq, fix: Fix, width: int, lang: str = "en") -> list[list[Span]]:
    """lhs = part = part …, the matrices drawn over several lines; the parts one under another
    (each after `=`, under the first) when they do not fit side by side, and a part too wide for
    the line broken between its pieces (or its columns)."""
    lhs = "  " + fix(unmark(row.lhs))
    parts = [_part_block(p, fix) for p in row.parts]
    note = fix(_segments(row.note)) if row.note else ""
    together = _beside([[lhs], *[b for part in parts for b in ([[" = "], part])]])
    if max(width_of(line) for line in together) + (3 + width_of(note) if note else 0) <= width:
        lines = [line.rstrip() for line in together]
        lines[len(lines) // 2] += ("   " + note) if note else ""
        return [[(line, row.kind)] for line in lines]
    out: list[list[Span]] = []
    indent = " " * width_of(lhs)
    for i, part in enumerate(row.parts):
        kind = row.kind if i == len(row.parts) - 1 else None
        for k, block in enumerate(_part_lines(part, fix, width - width_of(indent) - 3, lang)):
            block = _beside([[lhs if i == 0 else indent], [" = "], block]) if k == 0 else _beside(
                [[indent + "   "], block])
            out.extend([(line.rstrip(), kind)] for line in block)
    if note:
        out.extend([(line, "note")] for line in wrap(note, width, indent + "   ", indent + "   "))
    return out


def _lines_up(cells: list[str], widths: list[int]) -> bool:
    """Whether a row's formula and numbers fit the step's columns."""
    return all(width_of(unmark(c)) <= w for c, w in zip(cells[1:3], widths[1:3]))


def _length(row: Eq, cells: list[str], widths: list[int], fix: Fix) -> int:
    """The columns a row takes on one line, its note included, padded to `widths`."""
    note = _segments(row.note)
    spans = _one_line(row, [unmark(c) for c in cells], widths, fix)
    return sum(width_of(t) for t, _ in spans) + (3 + width_of(fix(note)) if note else 0)


def _lhs_column(eqs: list[Eq], cells: dict[int, list[str]], fix: Fix, width: int) -> int:
    """The width of the left-hand sides of a step, so that every row's `=` stands in one column —
    a row that folds included (its continuation lines keep that column): the widest left-hand
    side that can line up (at most COLUMN_CAP, and half the line), unless padding to it would fold
    a row that fits on its line unpadded (then 0: the rows that fit aligned decide, and the others
    keep their own)."""
    cap = min(COLUMN_CAP, width // 2)
    lhs = max([n for n in (width_of(cells[id(r)][0]) for r in eqs) if n <= cap] or [0])
    for r in eqs:
        if _length(r, cells[id(r)], [0, 0, 0], fix) <= width < _length(r, cells[id(r)], [lhs, 0, 0], fix):
            return 0
    return lhs


def _aligned_widths(eqs: list[Eq], cells: dict[int, list[str]], fix: Fix, width: int, lhs: int = 0) -> list[int]:
    """Column widths for the rows that can stand on one line: the rows too long even unpadded
    are left out, then any row the padding would push past the width, until the rest fit.  The
    left-hand sides' column is at least `lhs` wide (every row's `=` in one column)."""

    def length(row: Eq, widths: list[int]) -> int:
        return _length(row, cells[id(row)], widths, fix)

    plain = {id(r): [unmark(c) for c in cells[id(r)]] for r in eqs}
    candidates = [r for r in eqs if length(r, [lhs, 0, 0]) <= width]
    while True:
        widths = _widths([plain[id(r)] for r in candidates])
        widths[0] = max(widths[0], lhs)
        fitting = [r for r in candidates if length(r, widths) <= width]
        if len(fitting) == len(candidates):
            return widths
        candidates = fitting


def _widths(rows: list[list[str]]) -> list[int]:
    """Column widths, over the cells that are not too wide; past a column where most filled cells
    are too wide, later columns cannot line up and are left unpadded."""
    widths = [0, 0, 0]
    for i in range(3):
        column = [width_of(c[i]) for c in rows if c[i]]
        widths[i] = max([n for n in column if n <= COLUMN_CAP] or [0])
        if 2 * sum(n > COLUMN_CAP for n in column) > len(column):
            break
    return widths


def _cells(row: Eq, fix: Fix) -> list[str]:
    """[lhs, formula, numbers, value] (with their break marks): the middle parts fill the
    formula column first."""
    middle = [fix(s) for s in row.parts[:-1]]
    middle += [""] * (2 - len(middle))
    if len(middle) > 2:  # never produced by the layout; kept whole rather than dropped
        middle = [(BREAK + " = ").join(middle[:-1]), middle[-1]]
    return [unmark(fix(row.lhs)), *middle, unmark(fix(row.parts[-1]))]


def _eq_lines(row: Eq, cells: list[str], widths: list[int], fix: Fix, width: int) -> list[list[Span]]:
    lhs, c1, c2, value = cells
    note = fix(_segments(row.note))
    plain = [lhs, unmark(c1), unmark(c2), value]
    # aligned if it fits, else its `=` alone in the step's column, else unpadded, else one part a line
    for w in (widths, [widths[0], 0, 0], [0, 0, 0]):
        spans = _one_line(row, plain, w, fix)
        used = sum(width_of(t) for t, _ in spans)
        if note and used + 3 + width_of(note) <= width:
            return [[*spans, ("   " + note, "note")]]
        if not note and used <= width:
            return [spans]
        if note and w is widths and c1 and width_of(lhs) <= w[0] and used <= width:
            # a formula that lines up with its neighbours, its note too long beside it: below
            under = " " * (2 + w[0] + 3)
            below: list[list[Span]] = [[(line, "note")] for line in wrap(note, width, under)]
            return [spans, *below]
    # one part a line, each `=` under the first, the first in the step's column when the
    # left-hand side fits it; a part too long is broken before an operator
    lhs = lhs + " " * (widths[0] - width_of(lhs))
    column = 2 + width_of(lhs) + 1  # where the first `=` stands
    result: list[list[Span]] = []
    relation = fix(row.relation)
    for i, part in enumerate(c for c in (c1, c2) if c):
        prefix = f"  {lhs} {relation} " if i == 0 else " " * column + "= "
        result.extend([(line, None)] for line in _broken(part, prefix, " " * (column + 4), width))
    head = " " * column + "= " if result else f"  {lhs} {relation} "
    last: list[Span] = [(head, None), (value, row.kind)]
    if note and width_of(head + value + "   " + note) <= width:
        last.append(("   " + note, "note"))
        return [*result, last]
    result.append(last)
    if note:
        result.extend([(line, "note")] for line in wrap(note, width, " " * (column + 2)))
    return result


def _broken(part: str, prefix: str, indent: str, width: int) -> list[str]:
    """`prefix` and the part's pieces, filled to `width`; a piece that does not fit starts a new
    line after `indent`, its leading operator first."""
    room = width - width_of(indent)
    chunks: list[str] = []
    for chunk in pieces(part):  # a piece too long alone is broken one level down
        sub = chunk.split(BREAK2)
        chunks.extend(sub if width_of(unmark(chunk)) > room and len(sub) > 1 else [unmark(chunk)])
    out: list[str] = []
    line = prefix + unmark(chunks[0])
    for chunk in chunks[1:]:
        chunk = unmark(chunk)
        if width_of(line) + width_of(chunk) <= width:
            line += chunk
        else:
            out.append(line)
            line = indent + chunk.lstrip()
    out.append(line)
    return out


def _one_line(row: Eq, cells: list[str], widths: list[int], fix: Fix) -> list[Span]:
    lhs, c1, c2, value = cells
    rel = f" {fix(row.relation)} "
    spans: list[Span] = [("  " + lhs + " " * (widths[0] - width_of(lhs)), None)]
    for cell, w in ((c1, widths[1]), (c2, widths[2])):
        if cell:
            spans.append((f"{rel}{cell}{' ' * (w - width_of(cell))}", None))
            rel = " = "
        elif w:
            spans.append((" " * (w + 3), None))
    spans.append((rel, None))
    spans.append((value, row.kind))
    return spans


def render(trace: Trace, options: Options) -> str:
    sections = layout(trace, printer_for("text", options.digits, options.ascii, options.lang))
    return "".join("".join(t for t, _ in line).rstrip() + "\n"
                   for line in lines(sections, options.ascii, options.width, options.lang))
