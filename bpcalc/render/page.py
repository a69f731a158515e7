"""`--format page`: one HTML file that works offline — the graph beside the worked solution, and a
walk through it node by node (docs/output-formats.md).

    bpcalc step example:blog_2_2_2 --format page > page.html

The page holds the computational graph as inline SVG (every node with its name, value and
gradient, every edge with its local derivative, laid out by `layered.py`), the worked solution as
`--format html` writes it (MathML, in the notation and language asked), and a small script: Next
and Previous (and the arrow keys) walk the forward pass node by node, then the backward pass, then
the update — the order of the trace's own steps — highlighting the node, the edges its value or
gradient flows along, and its worked rows; a node clicked shows everything about it.  Every script
and style is inline and a Content-Security-Policy forbids the page any request.

Nothing is computed here: values, gradients, local derivatives, updates and path products are the
trace's (`view_of` reads the graph from it); this module only formats and places them.  For `check`
the page is the textbook solution the answers were graded against, with each answer's status on
its node and beside its worked row.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Any, NamedTuple

from .. import defaults, markup
from ..errors import BpcalcError, printable
from ..expr.tree import names_in
from ..trace.data import Result, Trace
from ..trace.graph import GraphNode, GraphView
from ..trace.steps import (
    Backward,
    ChainRule,
    Computed,
    DeltaBackward,
    Forward,
    Given,
    Graded,
    Grading,
    Iteration,
    Loss,
    LossAfter,
    NodeGradient,
    PathSum,
    UpdateStep,
)
from . import Options
from .html import _eq, _matrix_eq, _segments, _table
from .layered import Layout, layered, place_labels, segments
from .layout import Eq, MatrixEq, Say, Table, heading, layout
from .printers import MathMLPrinter, Printer

#: significant digits of the numbers drawn on the graph (the worked rows and the node details
#: use --digits), as `bpcalc graph`
GRAPH_DIGITS = defaults.GRAPH_DIGITS
#: a node's paths to the output listed at most (as --max-paths' default)
MAX_PATHS = defaults.MAX_PATHS
#: the commands whose trace is a worked solution the page walks through
COMMANDS = ("forward", "grad", "step", "check")


class Stop(NamedTuple):
    """One place of the walk: a node in one phase, worked out in the trace's step `section`."""

    phase: str  # forward, backward or update
    node: str
    section: int  # the step's index in trace.steps (its section of the worked solution)


def render(trace: Trace, options: Options) -> str:
    grading: Grading | None = None
    if trace.command == "check" and any(isinstance(s, Grading) for s in trace.steps):
        grading, trace = _checked(trace)
    words = _words(options.lang)
    # a worked solution gets its graph and its walk; any other report (train, gradcheck, explain, a
    # class's check) is the page of its steps alone
    view = view_of(trace) if trace.command in COMMANDS else GraphView(trace.file, (trace.output,), (), 0)
    shown = {n.name for n in view.nodes}
    stops = [s for s in stops_of(trace) if s.node in shown]
    answers = _answers(grading, trace.output) if grading is not None else {}
    title = f"bpcalc {trace.command} {trace.file}" + (f" {grading.answers}" if grading is not None else "")
    title = markup.html(title)  # a file's name as bpcalc/markup.py writes it for HTML
    style = resources.files(__package__).joinpath("page.css").read_text(encoding="utf-8")
    script = resources.files(__package__).joinpath("page.js").read_text(encoding="utf-8") if view.nodes else ""
    scripts = _digest(script) if script else "'none'"
    policy = (f"default-src 'none'; script-src {scripts}; "
              f"style-src {_digest(style)}; img-src data:; base-uri 'none'; form-action 'none'")
    out = ["<!DOCTYPE html>", f'<html lang="{options.lang}">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{title}</title>", f"<style>{style}</style>", "</head>", "<body>",
           '<header class="bar">', f"<h1>{title}</h1>"]
    if view.nodes:
        out += [f'<nav class="controls" aria-label="{html.escape(words["Steps"])}">',
                f'<button type="button" id="prev" aria-keyshortcuts="ArrowLeft">← {html.escape(words["Previous"])}'
                "</button>",
                f'<button type="button" id="next" aria-keyshortcuts="ArrowRight">{html.escape(words["Next"])} →'
                "</button>",
                f'<input type="range" id="slider" min="0" max="{len(stops)}" value="0" '
                f'aria-label="{html.escape(words["Step"])}">',
                '<output id="counter" for="slider" aria-hidden="true"></output>',
                "</nav>",
                f'<p id="status" class="status" role="status" aria-live="polite">{html.escape(words["overview"])}</p>']
    out += ["</header>", f'<main class="panes{"" if view.nodes else " solo"}">']
    if view.nodes:
        graph_label = html.escape(words["graph_label"].format(output=trace.output))
        out += [f'<section class="graph-pane" aria-label="{html.escape(words["Computational graph"])}">',
                _svg(view, answers, grading, graph_label, words),
                f'<p class="legend">{_legend(view, trace.output, words)}</p>',
                f'<section id="details" class="details" aria-label="{html.escape(words["Details"])}" tabindex="-1">'
                f'<p class="hint">{html.escape(words["hint"])}</p></section>',
                "</section>"]
    out += [f'<section id="solution" class="solution" aria-label="{html.escape(words["Worked solution"])}" '
            'tabindex="0">',
            _solution(trace, options, answers),
            "</section>",
            "</main>"]
    if view.nodes:
        flows = _flows(trace, view)
        by_name, updates = {n.name: n for n in view.nodes}, _updates(trace)
        data = {"steps": [[s.phase, s.node, s.section, _said(s, by_name[s.node], updates, trace.output, words),
                           flows.get((s.phase, s.node), [])] for s in stops],
                "nodes": _details(view, trace, stops, answers, options),
                "words": {k: words[k] for k in _SCRIPT_WORDS},
                "output": trace.output,
                "start": _start(grading, stops)}
        out += [f'<script type="application/json" id="page-data">{_json(data)}</script>', f"<script>{script}</script>"]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _digest(text: str) -> str:
    """The CSP source that allows exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _json(data: object) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` as themselves."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


# --- the graph and the walk, read off the trace ---------------------------------------------------------


def view_of(trace: Trace) -> GraphView:
    """The graph of a worked solution (graphview.py's model), from the trace alone: the leaves of its
    Given step, the lines of its forward pass, the edges and their local derivatives from the
    solution's data (`result.locals`; the forward pass alone has none: its edges are the names each
    line uses, without a derivative, NaN)."""
    result: Result = trace.result
    roles: dict[str, str] = {}
    computed: dict[str, Computed] = {}
    for step in trace.steps:
        if isinstance(step, Iteration) and step.number > 1:
            break
        if isinstance(step, Given):
            roles.update((leaf.name, leaf.role) for leaf in step.leaves)
        elif isinstance(step, Forward):
            computed.update((c.name, c) for c in step.lines if c.name not in computed)
        elif isinstance(step, Loss):
            computed.setdefault(step.line.name, step.line)
    # every named node, or with --only those the worked lines show (the matrix form writes no
    # line of its own: there, every node)
    matrix = not any(isinstance(step, Forward) for step in trace.steps)
    names = [n for n in result.values if n in roles or n in computed or matrix]
    shown = set(names)
    uses: dict[str, list[tuple[str, float]]] = {n: [] for n in names}
    if result.locals:
        for local in result.locals:
            if local.of in shown and local.wrt in shown:
                uses[local.of].append((local.wrt, local.value))
    else:
        for name, c in computed.items():
            uses[name] = [(u, float("nan")) for u in names_in(c.formula) if u in shown]
    outputs = result.outputs or (result.output,)
    gradients = result.gradients
    nodes = tuple(GraphNode(n, roles.get(n, "line"), computed[n].formula if n in computed else None,
                            result.values[n], result.unrounded.get(n),
                            (gradients[n],) if gradients is not None else (), tuple(uses[n]), n in outputs)
                  for n in names)
    return GraphView(trace.file, outputs, nodes, len(result.values))


def stops_of(trace: Trace) -> list[Stop]:
    """The walk, in the trace's order: the forward pass's lines (the output's last), the backward
    pass's entries (the first output's, with the given leaves' after them; in the δ form each
    neuron's δ, then each weight), then the update's entries.  Only the first iteration of several."""
    stops: list[Stop] = []
    backward_done = False
    for k, step in enumerate(trace.steps):
        if isinstance(step, Iteration) and step.number > 1:
            break
        if isinstance(step, Forward):
            stops += [Stop("forward", c.name, k) for c in step.lines]
        elif isinstance(step, Loss):
            stops.append(Stop("forward", step.line.name, k))
        elif isinstance(step, Backward) and not backward_done:
            backward_done = True
            stops += [Stop("backward", e.name, k) for e in (*step.entries, *step.given)]
        elif isinstance(step, DeltaBackward) and not backward_done:
            backward_done = True
            stops += [Stop("backward", d.net, k) for _, deltas in step.layers for d in deltas]
            stops += [Stop("backward", w.param, k) for w in step.weights]
        elif isinstance(step, UpdateStep):
            stops += [Stop("update", u.name, k) for u in step.updates]
    seen: set[tuple[str, str]] = set()
    unique = []
    for s in stops:  # a node once per phase (a softmax δ and its NodeGradient name the same net)
        if (s.phase, s.node) not in seen:
            seen.add((s.phase, s.node))
            unique.append(s)
    return unique


def _flows(trace: Trace, view: GraphView) -> dict[tuple[str, str], list[str]]:
    """The other end of each edge a stop's number flows along: in the forward pass the nodes a line
    uses; in the backward pass the nodes whose gradients its gradient sums (its entry's terms: the
    consumers that lead to the output)."""
    flows = {("forward", n.name): [u for u, _ in n.uses] for n in view.nodes}
    for step in trace.steps:
        if isinstance(step, Backward):
            for e in (*step.entries, *step.given):
                if isinstance(e, NodeGradient):
                    flows.setdefault(("backward", e.name), [t.consumer for t in e.terms])
    return flows


def _said(stop: Stop, node: GraphNode, updates: dict[str, tuple[float, float]], output: str,
          words: dict[str, str]) -> str:
    """What the status line says at a stop: `Forward pass: net_h1 = 0.3775`."""
    p = Printer(GRAPH_DIGITS)
    if stop.phase == "forward":
        return f"{words['Forward pass']}{words[': ']}{node.name} = {p.num(node.value)}"
    if stop.phase == "backward":
        grad = f" = {p.num(node.gradients[0])}" if node.gradients else ""
        return f"{words['Backward pass']}{words[': ']}{p.partial(output, node.name)}{grad}"
    new = updates.get(node.name)
    return f"{words['Update']}{words[': ']}{node.name}" + (f" ← {p.num(new[1])}" if new else "")


def _updates(trace: Trace) -> dict[str, tuple[float, float]]:
    """Each updated param's (old, new), from the update step."""
    for step in trace.steps:
        if isinstance(step, UpdateStep):
            return {u.name: (u.old, u.new) for u in step.updates}
    return {}


# --- each node's details (what `explain` prints, and more) ----------------------------------------------------


def _details(view: GraphView, trace: Trace, stops: list[Stop], answers: dict[tuple[str, str], list[Graded]],
             options: Options) -> dict[str, dict[str, Any]]:
    """Everything about each node that its details show: kind, formula, value, gradient, the local
    derivatives on its edges in and out, its gradient's terms, its paths from the output (what
    `explain` prints), its update, a check's answers on it, and its stops."""
    p = Printer(options.digits)
    words = _words(options.lang)
    out = trace.output
    used_by: dict[str, list[tuple[str, float]]] = {}
    for node in view.nodes:
        for u, x in node.uses:
            used_by.setdefault(u, []).append((node.name, x))
    sums: dict[str, NodeGradient] = {}
    products: dict[tuple[str, ...], float] = {}
    for step in trace.steps:
        if isinstance(step, Backward) and not sums:
            sums = {e.name: e for e in (*step.entries, *step.given) if isinstance(e, NodeGradient)}
        elif isinstance(step, ChainRule):
            for chain in step.entries:
                if isinstance(chain, PathSum):
                    products.update((path.nodes, path.value) for path in chain.paths)
    updates = _updates(trace)
    at: dict[str, dict[str, int]] = {}
    for i, s in enumerate(stops, 1):
        at.setdefault(s.node, {})[s.phase] = i
    local = {(node.name, u): x for node in view.nodes for u, x in node.uses}
    counts = _path_counts(view, used_by)
    details: dict[str, dict[str, Any]] = {}
    for node in view.nodes:
        name = node.name
        shown: dict[str, Any] = {"kind": "output" if node.output else node.kind, "value": _number(node.value, p),
                                 "steps": at.get(name, {})}
        if node.formula is not None:
            shown["formula"] = p.expr(node.formula)
        if node.unrounded is not None:
            shown["unrounded"] = _number(node.unrounded, p)
        if node.gradients:
            shown["gradient"] = _number(node.gradients[0], p)
        if node.uses and all(x == x for _, x in node.uses):  # (NaN: the forward pass has no derivatives)
            shown["uses"] = [[u, *_number(x, p)] for u, x in node.uses]
        if used_by.get(name) and all(x == x for _, x in used_by[name]):
            shown["usedBy"] = [[v, *_number(x, p)] for v, x in used_by[name]]
        entry = sums.get(name)
        if entry is not None and entry.terms:
            shown["terms"] = [[t.consumer, p.num(t.upstream), p.num(t.local.value)] for t in entry.terms]
        if node.gradients and not node.output:
            paths = _paths(name, used_by, view.outputs[0]) if counts.get(name) else []
            if paths:
                shown["paths"] = [[list(path), [p.num(local[(path[i], path[i + 1])]) for i in range(len(path) - 1)],
                                   p.num(products[path]) if path in products else None] for path in paths]
                shown["pathCount"] = counts[name]
        if name in updates:
            shown["update"] = [p.num(updates[name][0]), p.num(updates[name][1])]
        marks = [g for key, gs in answers.items() if key[1] == name for g in gs]
        if marks:
            shown["answers"] = [[_answer_label(g, out, words), printable(g.written), p.num(g.computed), g.status]
                                for g in marks]
        details[name] = shown
    return details


def _number(x: float, p: Printer) -> list[str]:
    """A number as shown, and as written exactly (the page's tests read the second)."""
    return [p.num(x), repr(x)]


def _path_counts(view: GraphView, used_by: dict[str, list[tuple[str, float]]]) -> dict[str, int]:
    """How many paths lead from each node up to the first output (counted, not listed: the nodes
    are in the file's order, each after the nodes it uses, so backwards each comes after its users)."""
    count: dict[str, int] = {}
    for node in reversed(view.nodes):
        count[node.name] = (node.name == view.outputs[0]) + sum(count.get(v, 0) for v, _ in used_by.get(node.name, ()))
    return count


def _paths(name: str, used_by: dict[str, list[tuple[str, float]]], output: str) -> list[tuple[str, ...]]:
    """The first paths from the output down to `name` (output first): at most MAX_PATHS of them, with
    at most 8 factors a path on average (as the chain-rule step's limit); none past that."""
    found: list[tuple[str, ...]] = []
    factors = 0
    stack: list[tuple[str, tuple[str, ...]]] = [(name, (name,))]
    while stack and len(found) < MAX_PATHS:
        node, suffix = stack.pop()
        if len(suffix) > 8 * MAX_PATHS:
            return []
        if node == output:
            found.append(tuple(reversed(suffix)))
            factors += len(suffix) - 1
            if factors > 8 * MAX_PATHS:
                return []
            continue
        for v, _ in reversed(used_by.get(node, ())):
            stack.append((v, suffix + (v,)))
    return found


# --- a check's answers on the page -----------------------------------------------------------------------------


def _checked(trace: Trace) -> tuple[Grading, Trace]:
    """A check's page: the Grading step, then the textbook solution the answers were graded against,
    worked out whole (bpcalc.check.sheets.report(whole=True) makes that trace)."""
    grading = next(s for s in trace.steps if isinstance(s, Grading))
    if not any(isinstance(s, Backward) for s in trace.steps):
        raise BpcalcError("a check's page needs the whole solution the answers were graded against", None,
                          "make the check's trace with report(…, whole=True), as `bpcalc check --format page` does")
    return grading, trace


def _answers(grading: Grading, output: str) -> dict[tuple[str, str], list[Graded]]:
    """Each answer by the place of its worked row: (phase, node)."""
    out: dict[tuple[str, str], list[Graded]] = {}
    for r in grading.results:
        if r.kind in ("values", "loss"):
            key = ("forward", output if r.kind == "loss" else r.name)
        elif r.kind == "gradients":
            key = ("backward", r.name)
        elif r.kind == "local":
            key = ("backward", r.name.split("|")[1])
        elif r.kind == "updated":
            key = ("update", r.name)
        else:  # loss_after
            key = ("after", output)
        out.setdefault(key, []).append(r)
    return out


def _answer_label(g: Graded, output: str, words: dict[str, str]) -> str:
    p = Printer(GRAPH_DIGITS)
    if g.kind == "gradients":
        return p.partial(output, g.name)
    if g.kind == "local":
        of, wrt = g.name.split("|")
        return p.partial(of, wrt)
    if g.kind == "updated":
        return g.name + " ←"
    if g.kind == "loss_after":
        return f"{output} ({words['after the step']})"
    return g.name


def _start(grading: Grading | None, stops: list[Stop]) -> int:
    """Where the page opens: at the first wrong answer's stop, else before the first stop."""
    first = grading.first_wrong if grading is not None else None
    if first is None:
        return 0
    key = next(iter(_answers(grading._replace(results=(first,)), grading.output)))  # type: ignore[union-attr]
    for i, s in enumerate(stops, 1):
        if (s.phase, s.node) == key:
            return i
    return 0


_MARKS = {"right": "✓", "wrong": "✗", "follow_on": "↪"}


def _answer_row(g: Graded, output: str, first: bool, words: dict[str, str], p: Printer) -> str:
    marks = f" ({', '.join(dict.fromkeys(m.code for m in g.mistakes))})" if g.mistakes else ""
    flag = f' <strong class="first">{html.escape(words["first wrong step"])}</strong>' if first else ""
    return (f'<p class="answer {g.status}"><span class="mark" aria-hidden="true">{_MARKS.get(g.status, "")}</span> '
            f"{html.escape(words['your answer'])} {html.escape(_answer_label(g, output, words))} = "
            f"<b>{markup.html(g.written)}</b>: {html.escape(words[g.status])}{html.escape(marks)}; "
            f"{html.escape(words['computed'])} {html.escape(p.num(g.computed))}{flag}</p>")


# --- the worked solution ------------------------------------------------------------------------------------


def _solution(trace: Trace, options: Options, answers: dict[tuple[str, str], list[Graded]]) -> str:
    """The worked solution as `--format html` writes it, each step a section `s<k>` (k: its index in
    the trace), each worked row tagged with its node and phase; a check's answers after their rows."""
    printer = MathMLPrinter(options.digits, breaks=True, lang=options.lang)
    plain = Printer(options.digits)
    words = _words(options.lang)
    first = None
    for step in trace.steps:
        if isinstance(step, Grading):
            first = step.first_wrong
    out: list[str] = []
    for k, (sec, step) in enumerate(zip(layout(trace, printer), trace.steps)):
        out.append(f'<section id="s{k}" class="step {sec.kind.lower()}">')
        out.append(f"<h2>{heading(sec, '. ', _segments(sec.title), options.lang)}</h2>")
        last: dict[tuple[str, str], int] = {}
        for i, row in enumerate(sec.rows):
            if isinstance(row, Eq) and row.node is not None and row.phase is not None:
                last[(row.phase, row.node)] = i
        after = {i: key for key, i in last.items()}
        for i, row in enumerate(sec.rows):
            if isinstance(row, Eq):
                out.append(_eq(row, printer, tagged=True))
            elif isinstance(row, Table):
                out.append(_table(row))
            elif isinstance(row, MatrixEq):
                out.append(_matrix_eq(row, printer))
            elif isinstance(row, Say):
                out.append(f'<p class="say">{_segments(row.segments)}</p>')
            if i in after:
                out += [_answer_row(g, trace.output, g == first, words, plain) for g in answers.get(after[i], ())]
        if isinstance(step, LossAfter):
            out += [_answer_row(g, trace.output, g == first, words, plain)
                    for g in answers.get(("after", step.output), ())]
        out.append("</section>")
    return "\n".join(out)


# --- the graph as SVG ---------------------------------------------------------------------------------------

NAME_SIZE, NUMBER_SIZE, LABEL_SIZE = 13.0, 12.0, 10.5  # px
NAME_LINE, LINE = 19.0, 14.5  # px: the name's line (its baseline 13 down), and each number's
PAD_X, PAD_Y = 7.0, 4.0
#: a small graph is drawn this much larger than its layout (a large one is shrunk to the pane's width)
ENLARGED = 1.25


def _svg(view: GraphView, answers: dict[tuple[str, str], list[Graded]], grading: Grading | None,
         label: str, words: dict[str, str]) -> str:
    p = Printer(GRAPH_DIGITS)
    lines: dict[str, list[str]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    for node in view.nodes:
        texts = [node.name, "= " + p.num(node.value)]
        if node.gradients:
            texts.append("∂ " + p.num(node.gradients[0]))
        lines[node.name] = texts
        width = max(text_width(texts[0], NAME_SIZE, bold=True), *(text_width(t, NUMBER_SIZE) for t in texts[1:]))
        sizes[node.name] = (round(width + 2 * PAD_X), NAME_LINE + (len(texts) - 1) * LINE + 2 * PAD_Y)
    edges = [(u, node.name, d) for node in view.nodes for u, d in node.uses]
    drawn = layered([n.name for n in view.nodes], [(u, v) for u, v, _ in edges], sizes, layer_gap=48.0,
                    node_gap=12.0, margin=14.0)
    label_texts = [p.num(d) if d == d else None for _, _, d in edges]
    spots = place_labels(drawn, [(text_width(t, LABEL_SIZE), LABEL_SIZE + 2) if t is not None else None
                                 for t in label_texts])
    first = grading.first_wrong if grading is not None else None
    out = [f'<svg id="graph" class="graph" viewBox="0 0 {drawn.width:.0f} {drawn.height:.0f}" '
           f'width="{drawn.width * ENLARGED:.0f}" height="{drawn.height * ENLARGED:.0f}" role="group" '
           f'aria-label="{label}" '
           'xmlns="http://www.w3.org/2000/svg">',
           f"<defs>{_marker('arrow', 'tip')}{_marker('arrow-on', 'tip-on')}</defs>",
           '<g class="edges">']
    for i, route in enumerate(drawn.routes):
        d = "M" + _pt(route.points[0]) + "".join(f" C{_pt(c1)} {_pt(c2)} {_pt(end)}"
                                                   for _, c1, c2, end in segments(route))
        said = p.partial(route.head, route.tail) + (f" = {label_texts[i]}" if label_texts[i] is not None else "")
        out.append(f'<path class="edge" id="e{i}" d="{d}" data-tail="{html.escape(route.tail)}" '
                   f'data-head="{html.escape(route.head)}"><title>{html.escape(said)}</title></path>')
    out.append('</g><g class="labels">')
    for i, (text, spot) in enumerate(zip(label_texts, spots)):
        if text is not None and spot is not None:
            out.append(f'<text class="elabel" id="l{i}" x="{spot[0]:.1f}" y="{spot[1]:.1f}">{html.escape(text)}</text>')
    out.append('</g><g class="nodes">')
    for node in view.nodes:
        out.append(_svg_node(node, drawn, lines[node.name], answers, first, view.outputs[0], words))
    out.append("</g></svg>")
    return "\n".join(out)


def _marker(name: str, cls: str) -> str:
    """An arrowhead of a fixed size (not the stroke's: a highlighted edge is thicker)."""
    return (f'<marker id="{name}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="9" markerHeight="9" '
            f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="{cls}"/></marker>')


def _pt(point: tuple[float, float]) -> str:
    return f"{point[0]:.1f},{point[1]:.1f}"


def _svg_node(node: GraphNode, drawn: Layout, texts: list[str], answers: dict[tuple[str, str], list[Graded]],
              first: Graded | None, output: str, words: dict[str, str]) -> str:
    box = drawn.boxes[node.name]
    name = html.escape(node.name)
    classes = ["node", "output" if node.output else node.kind]
    marks = [g for key, gs in answers.items() if key[1] == node.name for g in gs]
    if first is not None and first in marks:
        classes.append("first-wrong")
    said = ", ".join(texts[1:]).replace("= ", "value ").replace("∂ ", "gradient ")
    title = f"{node.name} = {Printer(GRAPH_DIGITS).expr(node.formula)}" if node.formula is not None else node.name
    out = [f'<g class="{" ".join(classes)}" data-node="{name}" transform="translate({box.x:.1f} {box.y:.1f})" '
           f'tabindex="0" role="button" aria-label="{html.escape(f"{node.name}, {node.kind}: {said}")}">',
           f"<title>{html.escape(title)}</title>",
           f'<rect width="{box.width:.0f}" height="{box.height:.0f}" rx="6"/>',
           f'<text class="nname" x="{PAD_X:.0f}" y="{PAD_Y + 13:.1f}">{name}</text>']
    for k, (text, cls) in enumerate(zip(texts[1:], ("nvalue", "ngrad")), 1):
        y = PAD_Y + NAME_LINE + k * LINE - 3.5
        out.append(f'<text class="{cls}" x="{PAD_X:.0f}" y="{y:.1f}">{html.escape(text)}</text>')
    for k, g in enumerate(marks):  # each answer's status, at the top right corner
        out.append(f'<g class="badge {g.status}" transform="translate({box.width - 6 - 15 * k:.0f} -4)">'
                   f"<title>{html.escape(_answer_label(g, output, words))}: {markup.html(g.written)} "
                   f"({html.escape(g.status.replace('_', '-'))})</title>"
                   f'<circle r="7"/><text y="3.5">{_MARKS.get(g.status, "?")}</text></g>')
    out.append("</g>")
    return "".join(out)


def _legend(view: GraphView, output: str, words: dict[str, str]) -> str:
    p = Printer(GRAPH_DIGITS)
    parts = [f'<span class="nvalue">= {html.escape(words["value"])}</span>']
    if any(n.gradients for n in view.nodes):
        parts.append(f'<span class="ngrad">∂ {html.escape(words["gradient"])} '
                     f'{html.escape(p.partial(output, "node"))}</span>')
        parts.append(f'<span class="elabel-key">{html.escape(words["edge_label"])}</span>')
    return " · ".join(parts)


#: approximate advance widths of DejaVu Sans (the widest of the usual sans-serif fonts, which the
#: page asks for first), in em: enough to size a box that no common font overflows
_WIDE = {**dict.fromkeys("mwMW", 0.99), **dict.fromkeys("ABCDGHKNOQRUVXYZ", 0.79), **dict.fromkeys("EFJLPST", 0.66),
         **dict.fromkeys("ijlI.,:;!|'", 0.32), **dict.fromkeys("frt()[]", 0.42), **dict.fromkeys("−=×←+<>~", 0.84),
         " ": 0.32, "-": 0.37, "_": 0.5, "∂": 0.56}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """About how wide `text` is drawn at `size` px (a little more rather than less)."""
    import unicodedata

    em = 0.0
    for ch in text:
        if ch in _WIDE:
            em += _WIDE[ch]
        elif ch.isascii():
            em += 0.64
        else:
            em += 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.72
    return em * size * (1.12 if bold else 1.04)


# --- words -----------------------------------------------------------------------------------------------------

_EN = {
    "Previous": "Previous", "Next": "Next", "Step": "Step", "Steps": "Steps",
    "step_of": "Step {k} of {n}", "overview": "The whole solution: Next (or →) walks through it node by node",
    "Forward pass": "Forward pass", "Backward pass": "Backward pass", "Update": "Update",
    "value": "value", "gradient": "gradient", "before rounding": "before rounding",
    "uses": "local derivatives (of this node, by the nodes it uses)",
    "usedBy": "local derivatives of the nodes that use it",
    "terms": "its gradient: the sum over the nodes that use it of upstream gradient × local derivative",
    "paths": "paths from the output", "more_paths": "… {n} paths in all; the first {k} shown",
    "update": "update", "your answer": "your answer", "computed": "computed",
    "right": "right", "wrong": "wrong", "follow_on": "follow-on (right from your own earlier numbers)",
    "first wrong step": "first wrong step", "go": "its step:", "after the step": "after the step",
    ": ": ": ", ". ": ". ",
    "input": "input", "param": "param", "frozen": "frozen param", "line": "line", "output": "output",
    "Computational graph": "Computational graph", "Worked solution": "Worked solution", "Details": "Node details",
    "graph_label": "Computational graph: each node with its value (=) and its gradient ∂{output}/∂node (∂), each "
                   "edge with its local derivative",
    "edge_label": "on an edge: its local derivative ∂head/∂tail",
    "hint": "← and → (or the buttons) walk through the solution, Home and End go to its ends; a node (click it, "
            "or Tab to it and press Enter) shows everything about it.",
}
_ZH = {
    "Previous": "上一步", "Next": "下一步", "Step": "步骤", "Steps": "步骤",
    "step_of": "第 {k} 步，共 {n} 步", "overview": "完整解答：按“下一步”（或 →）逐个节点演示",
    "Forward pass": "正向计算", "Backward pass": "误差反向传播", "Update": "参数更新",
    "value": "值", "gradient": "梯度", "before rounding": "舍入前",
    "uses": "局部导数（本节点对它用到的节点）", "usedBy": "用到它的节点对它的局部导数",
    "terms": "它的梯度：对用到它的每个节点，上游梯度 × 局部导数，再求和",
    "paths": "从输出出发的路径", "more_paths": "……共 {n} 条路径，这里列出前 {k} 条",
    "update": "更新", "your answer": "你的答案", "computed": "正确值",
    "right": "正确", "wrong": "错误", "follow_on": "后续正确（由你自己前面的数得出）",
    "first wrong step": "第一个错误的步骤", "go": "它的步骤：", "after the step": "更新后",
    ": ": "：", ". ": "。",
    "input": "输入", "param": "参数", "frozen": "固定参数", "line": "计算节点", "output": "输出",
    "Computational graph": "计算图", "Worked solution": "解题步骤", "Details": "节点详情",
    "graph_label": "计算图：每个节点标出它的值（=）和梯度 ∂{output}/∂节点（∂），每条边标出局部导数",
    "edge_label": "边上的数：局部导数 ∂终点/∂起点",
    "hint": "← 和 →（或按钮）逐步演示，Home 和 End 跳到首尾；点击节点（或用 Tab 选中后按 Enter）查看它的全部信息。",
}
#: the words the script shows
_SCRIPT_WORDS = ("step_of", ". ", "overview", "Forward pass", "Backward pass", "Update", "value", "gradient",
                 "before rounding", "uses", "usedBy", "terms", "paths", "more_paths", "update", "your answer",
                 "computed", "right", "wrong", "follow_on", "go", "input", "param", "frozen", "line", "output")


def _words(lang: str) -> dict[str, str]:
    return _ZH if lang == "zh" else _EN


__all__ = ["Stop", "render", "stops_of", "text_width", "view_of"]
