"""The computational graph as a picture's data: every node with its operation, value and
gradient, every edge with its local derivative — read off a solved `Solution`, never re-solved.

Every drawing reads this: `bpcalc graph`'s terminal drawing (render/tree.py) and Graphviz DOT
(render/dot.py), and the page's graph (render/page.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..expr.tree import Expr

if TYPE_CHECKING:
    from ..engine import Solution


class GraphNode(NamedTuple):
    name: str
    kind: str  # input, param, frozen (a frozen param), target, line
    formula: Expr | None  # a line's expression
    value: float
    unrounded: float | None  # before --round
    gradients: tuple[float, ...]  # ∂output/∂node, one per output
    uses: tuple[tuple[str, float], ...]  # (a node it uses, ∂this/∂that): the edges into it
    output: bool
    rank: int | None = None  # a network's layer, counted from the inputs (DOT puts each in a column)
    order: int | None = None  # --backward: when the backward pass reaches it (1: the output)


class GraphView(NamedTuple):
    file: str
    outputs: tuple[str, ...]
    nodes: tuple[GraphNode, ...]  # the leaves in the file's order, then the lines in order
    total: int  # nodes in the whole graph (more than `nodes` with --only)
    only: tuple[str, ...] = ()


def graph_view(solution: Solution, *, only: list[str] | None = None, backward: bool = False) -> GraphView:
    """The graph of a solve; with `only`, just the nodes on the way from those names to an output."""
    from ..errors import InputError, did_you_mean, printable

    problem = solution.problem
    graph = solution.graph
    names = graph.names
    outputs = solution.outputs
    shown = set(names)
    if only:
        for name in only:
            if name not in graph.index:
                raise InputError(f"--only: no name '{printable(name)}' in {printable(problem.file)}",
                                 hint=did_you_mean(name, names) or "names: " + ", ".join(names))
        shown = _on_the_way(solution, only)
    local = solution.local
    gradients = [solution.gradients_of(o) for o in outputs]
    formulas = {line.name: line.expr for line in problem.lines}
    kinds = _kinds(solution)
    ranks = _ranks(solution) if problem.kind == "network" else {}
    order = _backward_order(solution) if backward else {}
    nodes = []
    for name in names:
        if name not in shown:
            continue
        uses = tuple((u, d) for u, d in local.get(name, ()) if u in shown)
        nodes.append(GraphNode(name, kinds[name], formulas.get(name), solution.values[name],
                               solution.unrounded.get(name), tuple(g[name] for g in gradients), uses,
                               name in outputs, ranks.get(name), order.get(name)))
    return GraphView(problem.file, outputs, tuple(nodes), len(names), tuple(only or ()))


def _on_the_way(solution: Solution, only: list[str]) -> set[str]:
    """The names, the outputs, and every node on a path from one of the names to an output."""
    graph = solution.graph
    below = set(only)  # the names and every node computed from them
    for node in range(graph.n_leaves, len(graph.names)):
        if any(graph.names[u] in below for u in graph.uses[node]):
            below.add(graph.names[node])
    above = set(solution.outputs)  # the outputs and every node they are computed from
    for node in range(len(graph.names) - 1, -1, -1):
        if graph.names[node] in above:
            above.update(graph.names[u] for u in graph.uses[node])
    return (below & above) | set(only) | set(solution.outputs)


def _kinds(solution: Solution) -> dict[str, str]:
    problem = solution.problem
    kinds = dict.fromkeys(solution.graph.names, "line")
    for name in problem.inputs:
        kinds[name] = "target" if problem.roles.get(name) == "target" else "input"
    for name in problem.params:
        kinds[name] = "frozen" if name in problem.frozen else "param"
    return kinds


def _ranks(solution: Solution) -> dict[str, int]:
    """A network's layers: a line one past the deepest non-param node it uses (net_h 1, out_h 2,
    net_o 3 …), an input or target one before the nodes that use it; params have none."""
    problem = solution.problem
    graph = solution.graph
    rank: dict[str, int] = {}
    for node in range(graph.n_leaves, len(graph.names)):
        below = [rank.get(graph.names[u], 0) for u in graph.uses[node] if graph.names[u] not in problem.params]
        rank[graph.names[node]] = 1 + max(below, default=0)
    for name, used in solution.local.items():
        for u, _ in used:
            if u in problem.inputs:
                rank[u] = min(rank.get(u, rank[name] - 1), rank[name] - 1)
    return rank


def _backward_order(solution: Solution) -> dict[str, int]:
    """name -> when the backward pass (of the first output) writes its gradient: the order of the
    worked solution's backward step, which is the grad_table algorithm order."""
    from .builder import build
    from .steps import Backward, NodeGradient, Seed

    trace = build(solution.for_output(solution.outputs[0]), "grad", every_gradient=True)
    order: dict[str, int] = {}
    for step in trace.steps:
        if isinstance(step, Backward):
            for entry in (*step.entries, *step.given):
                name = entry.name if isinstance(entry, (Seed, NodeGradient)) else None
                if name is not None and name not in order:
                    order[name] = len(order) + 1
    for name in solution.graph.names:  # nodes the pass never needs (after the output): last
        order.setdefault(name, len(order) + 1)
    return order
