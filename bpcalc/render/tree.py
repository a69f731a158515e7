"""`bpcalc graph` in the terminal: the graph drawn as a tree read top to bottom, the inputs first
and the output last, every node with its operation, value and gradient.

    value   ∂pay/∂node
          ┌─ apple           input            10           2.2
          ├─ apple_count     input             2            11
       ┌─ apple_total = apple·apple_count     20           1.1
       …
    pay = subtotal·tax                        71.5            1

A node's inputs are drawn above it, joined by ┌ ├ │ to the column where its name starts.  A node
that several lines use is drawn in full once, where it is first needed, and after that by name
with ↑.  Nodes that lead to no output come after the output, as trees of their own.  Beyond a few dozen
rows the drawing stops at a depth and says so (`--only NAME` draws the way from NAME alone).
Numbers have columns of their own at the right, so a long formula is cut (at a space), never a
number, and the drawing fits the width.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..errors import printable
from ..trace.graph import GraphNode, GraphView
from .printers import AsciiPrinter, Printer
from .text import Span, to_ascii

#: rows drawn before the drawing is cut at a depth
MAX_ROWS = 60
#: columns one level of depth takes
STEP = 3


class _Row(NamedTuple):
    bars: tuple[bool, ...]  # for each level above: whether a │ passes
    connector: str  # "┌─ ", "├─ " or "" (a root)
    node: GraphNode
    seen: bool  # drawn in full above: shown by name with ↑
    cut: bool  # its inputs are not drawn (the depth limit)


def draw(view: GraphView, *, width: int = 80, digits: int = 6, ascii: bool = False) -> list[list[Span]]:
    """The drawing, as lines of (text, style) spans (styles as the text renderer's: heading,
    value, gradient, note)."""
    p: Printer = AsciiPrinter(digits) if ascii else Printer(digits)
    fix: Callable[[str], str] = _ascii if ascii else str
    by_name = {n.name: n for n in view.nodes}
    depth_fits = max(1, (width // 3) // STEP)
    (rows, apart), depth = _rows(view, by_name, depth_fits), depth_fits
    while len(rows) > MAX_ROWS and depth > 1:
        depth -= 1
        rows, apart = _rows(view, by_name, depth)
    drawn = {r.node.name for r in rows}
    cut = any(r.cut for r in rows)

    outputs = view.outputs
    numbers = [[p.num(r.node.value), *[p.num(g) for g in r.node.gradients]] if not r.seen else []
               for r in rows]
    titles = ["value", *[fix(f"∂{o}/∂node") for o in outputs]]
    widths = [max([len(titles[k]), *[len(ns[k]) for ns in numbers if ns]]) for k in range(len(titles))]
    order_width = max((len(str(r.node.order)) for r in rows if r.node.order is not None), default=0)
    order_width += 1 if order_width else 0
    right = sum(w + 2 for w in widths)
    left = max(20, width - right - order_width)

    out: list[list[Span]] = []
    summary = (f"{printable(view.file)}: {len(view.nodes)} node{'s' if len(view.nodes) != 1 else ''}"
               + (f" of {view.total}, on the way from {', '.join(view.only)} to the output" if view.only else "")
               + (f"; {len(drawn)} drawn, to depth {depth} from the output" if cut else ""))
    legend = ("inputs first, each node below the nodes it uses; ↑: drawn above"
              + ("; …: its inputs not drawn (--only NAME draws the way from NAME)" if cut else "")
              + ("; #: the order of the backward pass" if order_width else ""))
    import textwrap

    for text, style in ((summary, "heading"), (legend, "note")):
        out.extend([(line, style)] for line in textwrap.wrap(fix(text), width, break_on_hyphens=False))
    head = " " * order_width + " " * left + "".join("  " + t.rjust(w) for t, w in zip(titles, widths))
    out.append([(head.rstrip(), "note")])
    for k, (row, ns) in enumerate(zip(rows, numbers)):
        if k == apart:
            out.append([(fix("and the nodes that lead to no output:"), "note")])
        spans: list[Span] = []
        if order_width:
            order = "" if row.seen or row.node.order is None else str(row.node.order)
            spans.append((order.rjust(order_width - 1) + " ", "note"))
        prefix = "".join(fix("│" if b else " ").ljust(STEP) for b in row.bars) + fix(row.connector)
        spans.append((prefix, "note"))
        label, rest = _label(row, p, fix)
        room = left - len(prefix)
        if len(label) > room:
            label, rest = label[: max(1, room - 1)] + fix("…"), ""
        elif len(label) + len(rest) > room:
            rest = _cut(rest, room - len(label), fix)
        spans.append((label, "heading" if row.node.output else None))
        spans.append((rest.ljust(room - len(label)), "note" if row.node.formula is None or row.seen else None))
        for k, (n, w) in enumerate(zip(ns, widths)):
            spans.append(("  " + n.rjust(w), "value" if k == 0 else "gradient"))
        out.append(spans)
    return out


def _ascii(text: str) -> str:
    return to_ascii(text).translate(_TREE_ASCII)


_TREE_ASCII = str.maketrans({"┌": "+", "├": "+", "│": "|", "↑": "^"})


def _label(row: _Row, p: Printer, fix: Callable[[str], str]) -> tuple[str, str]:
    """The node's name, and what follows it: ` = formula`, its kind, or ↑."""
    node = row.node
    name = p.name(node.name)
    if row.seen:
        return name, fix(" ↑")
    if row.cut:
        name += fix(" …")
    if node.formula is not None:
        return name, f" = {p.expr(node.formula)}"
    kind = {"frozen": "frozen param"}.get(node.kind, node.kind)
    return name, f"  {kind}"


def _cut(text: str, room: int, fix: Callable[[str], str]) -> str:
    """`text` cut at a space to fit `room`, with … after it (nothing when no space fits)."""
    ellipsis = fix("…")
    cut = text.rfind(" ", 1, room - len(ellipsis))
    return text[:cut].rstrip() + " " + ellipsis if cut > 0 else ""


def _rows(view: GraphView, by_name: dict[str, GraphNode], max_depth: int) -> tuple[list[_Row], int]:
    """Every row, top to bottom: each output's tree with its inputs above it (post-order), then
    the trees of nodes that lead to no output, from the row whose number is returned."""
    used_by: dict[str, int] = {}
    for node in view.nodes:
        for u, _ in node.uses:
            used_by[u] = used_by.get(u, 0) + 1
    roots = [o for o in view.outputs if o in by_name]
    roots += [n.name for n in view.nodes if not n.output and n.name not in used_by]
    rows: list[_Row] = []
    drawn: set[str] = set()
    apart = -1
    for root in roots:
        if root not in view.outputs and apart < 0:
            apart = len(rows)
        # (node, bars, connector, depth, expanded): the children are pushed last first, and the
        # node itself again beneath them to be written once they are
        stack: list[tuple[str, tuple[bool, ...], str, int, bool]] = [(root, (), "", 0, False)]
        while stack:
            name, bars, connector, depth, expanded = stack.pop()
            node = by_name[name]
            if expanded:
                rows.append(_Row(bars, connector, node, False, depth >= max_depth and bool(node.uses)))
                continue
            if name in drawn:
                rows.append(_Row(bars, connector, node, True, False))
                continue
            drawn.add(name)
            stack.append((name, bars, connector, depth, True))
            if depth >= max_depth:
                continue
            below = bars + (connector == "├─ ",) if depth else ()
            children = [u for u, _ in node.uses]
            for i in range(len(children) - 1, -1, -1):
                stack.append((children[i], below, "┌─ " if i == 0 else "├─ ", depth + 1, False))
    return rows, apart


def plain(lines: list[list[Span]]) -> str:
    return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in lines)
