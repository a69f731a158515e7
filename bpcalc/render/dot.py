"""Graphviz DOT for `bpcalc graph --format dot`: written here, so no Graphviz is needed to make it.

Each node's label holds its name, its operation, its value (blue) and its gradient (purple);
each edge, from a node to a line that uses it, is labelled with the local derivative
∂line/∂node.  Inputs, params, frozen params, targets, lines and the output are drawn apart; a
network's layers each share a column (`rank=same`).  Everything a file names reaches the DOT
text escaped: node ids are quoted names only when they are plain identifiers (otherwise `#n`),
and labels are HTML-like labels with &, <, >, quotes and control characters escaped.
"""

from __future__ import annotations

import re

from ..errors import printable
from ..numbers import format_number
from ..trace.graph import GraphNode, GraphView
from .printers import Printer

VALUE_COLOUR = "#006d8f"  # as the html renderer's values
GRADIENT_COLOUR = "#a0157d"  # and gradients
LOCAL_COLOUR = "#8a6100"  # and local derivatives
#: a formula longer than this is cut (at a space) in a node's label
FORMULA_CHARS = 48

#: how each kind of node looks: node attributes
STYLES = {
    "input": 'shape=box, style="rounded,filled", fillcolor="#e8f1fb"',
    "target": 'shape=box, style="rounded,filled,dashed", fillcolor="#f0f0f0"',
    "param": 'shape=box, style="filled", fillcolor="#fff2cc"',
    "frozen": 'shape=box, style="filled,dashed", fillcolor="#fff9e6"',
    "line": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
}
OUTPUT_STYLE = 'shape=box, style="rounded,filled,bold", fillcolor="#f6e3f0", peripheries=2'

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?")


def node_id(name: str, index: int) -> str:
    """A quoted DOT id: the name itself when it is a plain identifier, else `#index` (a name
    bpcalc accepts never holds '#', so the two cannot meet)."""
    return f'"{name}"' if _IDENTIFIER.fullmatch(name) else f'"#{index}"'


def html(text: str) -> str:
    """Text for an HTML-like label: hidden characters (controls, which no XML parser accepts, bidi
    overrides…) written as visible escapes by `errors.printable`, as bpcalc/markup.py does for
    every format, then markup characters as entities."""
    return "".join(_ENTITIES.get(ch, ch) for ch in printable(text))


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def shortened(text: str, limit: int) -> str:
    """`text`, or its start cut at a space with … after it, so no number is cut in two."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip() + " …"


def render_dot(view: GraphView, digits: int = 6) -> str:
    p = Printer(digits)
    ids = {n.name: node_id(n.name, i) for i, n in enumerate(view.nodes)}
    outputs = view.outputs
    legend = (f'<font color="{VALUE_COLOUR}">value</font> · <font color="{GRADIENT_COLOUR}">gradient '
              f'∂{html(outputs[0]) if len(outputs) == 1 else "output"}/∂node</font> · '
              f'<font color="{LOCAL_COLOUR}">edge: local derivative ∂head/∂tail</font>')
    out = [f"// bpcalc graph {printable(view.file)}",
           "digraph bpcalc {",
           f'  graph [rankdir=LR, fontname="Helvetica", fontsize=10, labelloc=b, label=<{legend}>];',
           '  node [fontname="Helvetica", fontsize=11, margin="0.12,0.06"];',
           f'  edge [fontname="Helvetica", fontsize=9, fontcolor="{LOCAL_COLOUR}", color="#888888", '
           'arrowsize=0.7];']
    for node in view.nodes:
        style = OUTPUT_STYLE if node.output else STYLES[node.kind]
        out.append(f"  {ids[node.name]} [{style}, label=<{_label(node, outputs, p)}>];")
    for node in view.nodes:
        for used, d in node.uses:
            out.append(f'  {ids[used]} -> {ids[node.name]} [label="{_number(d, digits)}"];')
    for names in columns(view):
        out.append(f"  {{ rank=same; {'; '.join(ids[n] for n in names)}; }}")
        if len(names) > 1:  # their order down the column: an edge dot keeps and does not draw
            out.append(f"  {' -> '.join(ids[n] for n in names)} [style=invis];")
    out.append("}")
    return "\n".join(out) + "\n"


def columns(view: GraphView) -> list[list[str]]:
    """A layered network's columns, each in the order it is drawn down the page.  A param stands
    in the column before the first line that uses it, beside the inputs and the values that line
    uses; each column is ordered by where the nodes that use its nodes stand in theirs (their mean
    place, from the output back), ties in the file's order — so w1, w2 (net_h1's) come above i1,
    i2 and b1 (both neurons'), above w3, w4 (net_h2's), and edges into a layer do not cross."""
    rank = {n.name: n.rank for n in view.nodes if n.rank is not None}
    if not rank:
        return []
    used_by: dict[str, list[str]] = {}
    for node in view.nodes:
        for used, _ in node.uses:
            used_by.setdefault(used, []).append(node.name)
    for node in view.nodes:
        if node.name not in rank and node.kind in ("param", "frozen"):
            consumers = [rank[c] for c in used_by.get(node.name, ()) if c in rank]
            if consumers:
                rank[node.name] = min(consumers) - 1
    filed = {n.name: i for i, n in enumerate(view.nodes)}
    by_rank: dict[int, list[str]] = {}
    for name in sorted(rank, key=filed.__getitem__):
        by_rank.setdefault(rank[name], []).append(name)
    place: dict[str, float] = {}
    for r in sorted(by_rank, reverse=True):  # from the output back: a column's users are placed first
        def where(name: str) -> float:
            users = [place[c] for c in used_by.get(name, ()) if c in place]
            return sum(users) / len(users) if users else 0.0

        column = sorted(by_rank[r], key=lambda n: (where(n), filed[n]))
        by_rank[r] = column
        for k, name in enumerate(column):
            place[name] = k / max(1, len(column) - 1)
    return [by_rank[r] for r in sorted(by_rank)]


def _label(node: GraphNode, outputs: tuple[str, ...], p: Printer) -> str:
    rows = []
    head = f"<b>{html(node.name)}</b>"
    if node.order is not None:
        head = f'<font color="#666666">#{node.order}</font>  {head}'
    rows.append(head)
    if node.formula is not None:
        rows.append(f'<font point-size="9">= {html(shortened(p.expr(node.formula), FORMULA_CHARS))}</font>')
    else:
        rows.append(f'<font point-size="9" color="#666666">{"frozen param" if node.kind == "frozen" else node.kind}'
                    "</font>")
    value = f"{p.num(node.value)}"
    if node.unrounded is not None:
        value += f" ({p.num(node.unrounded)} rounded)"
    rows.append(f'<font color="{VALUE_COLOUR}">value {value}</font>')
    for output, g in zip(outputs, node.gradients):
        rows.append(f'<font color="{GRADIENT_COLOUR}">∂{html(output)}/∂{html(node.name)} = {p.num(g)}</font>')
    # a table row each, not lines joined by <br/>: a title's underscore (net_h1) stays in its row
    # instead of running into the line under it
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return f'<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>'


def _number(x: float, digits: int) -> str:
    s = format_number(x, digits)
    return "−" + s[1:] if s.startswith("-") else s


# --- an image drawn by Graphviz's dot -------------------------------------------------------------------

#: formats Graphviz's dot draws
IMAGES = ("svg", "png", "pdf")
#: the most work a drawing may give dot, in nodes plus edge segments (an edge across k ranks is k
#: segments: dot routes it through k − 1 points of its own, and orders and places each): a graph
#: of more is refused before dot runs.  Measured: 3,000 take dot about a second with the effort
#: limits below; without them, graphs of 2,800 took 8 s and of 4,500 more than 100 s
DOT_WORK = 3_000
#: above this much work, dot is told to spend less effort on crossings and placement
DOT_EFFORT = 600
EFFORT_LIMITS = ("-Gnslimit=1", "-Gnslimit1=1", "-Gmclimit=0.1")
#: seconds dot may take before bpcalc gives up on it (a backstop: DOT_WORK keeps drawings far below)
DOT_TIMEOUT = 8

INSTALL = ("install Graphviz — Debian/Ubuntu: sudo apt-get install graphviz · Fedora: sudo dnf install "
           "graphviz · macOS: brew install graphviz · Windows: winget install graphviz (or choco install "
           "graphviz) · conda: conda install -c conda-forge graphviz; or write the DOT text with --format dot "
           "and draw it elsewhere")
SMALLER = ("draw a part of it with --only NAME, write the DOT text with --format dot (to draw it yourself), "
           "or see it in the terminal with --format text")


def find_dot(fmt: str) -> str:
    """The path of Graphviz's `dot`, or one message with the install command."""
    import shutil

    from ..errors import BpcalcError

    dot = shutil.which("dot")
    if dot is None:
        raise BpcalcError(f"--format {fmt} needs Graphviz's `dot` program, which is not installed "
                          "(no `dot` on PATH)", None, INSTALL)
    return dot


def dot_work(view: GraphView) -> tuple[int, int]:
    """(the work a drawing gives dot, the edges): nodes plus edge segments, with each line ranked
    one after the latest line it uses (leaves sit beside their first use: one segment)."""
    rank: dict[str, int] = {}
    work, edges = len(view.nodes), 0
    for node in view.nodes:  # leaves first, then the lines in order
        lines = [rank[u] for u, _ in node.uses if u in rank]
        rank_here = 1 + max(lines, default=0) if node.uses else None
        if rank_here is not None:
            rank[node.name] = rank_here
        for used, _ in node.uses:
            edges += 1
            work += rank_here - rank[used] if rank_here is not None and used in rank else 1
    return work, edges


def draw_image(dot: str, fmt: str, text: str, view: GraphView) -> bytes:
    """The image `dot -Tfmt` draws of the DOT text; a graph too large to draw in a few seconds is
    refused before dot runs."""
    import subprocess

    from ..errors import BpcalcError

    work, edges = dot_work(view)
    if work > DOT_WORK:
        raise BpcalcError(f"the graph has {len(view.nodes):,} nodes and {edges:,} edges: more than Graphviz can draw "
                          f"in a few seconds ({work:,} nodes and edge segments; bpcalc draws at most "
                          f"{DOT_WORK:,})", None, SMALLER)
    command = [dot, f"-T{fmt}", *(EFFORT_LIMITS if work > DOT_EFFORT else ())]
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=DOT_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        raise BpcalcError(f"Graphviz's dot took more than {DOT_TIMEOUT} s to draw the graph", None, SMALLER) from None
    except OSError as exc:
        raise BpcalcError(f"Graphviz's dot could not be run: {exc.strerror or exc}", None, INSTALL) from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BpcalcError(f"Graphviz's dot failed (exit {done.returncode})"
                          + (f": {printable(said[0])[:300]}" if said else ""), None,
                          "write the DOT text with --format dot to see what it was given")
    return done.stdout
