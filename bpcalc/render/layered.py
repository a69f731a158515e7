"""A layered drawing of a graph, computed here in pure Python so that it comes out the same on every
machine and needs no system program (the `--format page` graph; docs/output-formats.md).

    layout = layered(names, edges, sizes)      boxes and edge routes, top to bottom (or left to right)
    spots = place_labels(layout, label_sizes)  each edge's label on its edge, clear of the rest

The classic steps of a layered (Sugiyama) drawing, each kept simple:

1. Layers by longest path: a node that uses others is one layer past the deepest of them (the
   order of the computation); a node that uses none (a leaf: an input, a param) sits one layer
   before the first node that uses it, so a network's weights stand beside the layer they feed.
   An edge over several layers passes through a point of its own in each layer between.
2. Order within each layer by barycentre: sweeps down and up, each node at the mean position of
   its neighbours in the layer before (after), ties kept in their order — at first the order the
   names are given in, so leaves stay in the file's order among equals; then adjacent nodes are
   swapped while that removes crossings.  The order with the fewest crossings is kept.
3. Coordinates: layers are rows (or columns); in each the nodes keep their order and their gap
   and sit as near as they can to the mean place of their neighbours (an ordered least-squares
   fit, pool-adjacent-violators), a few sweeps each way.
4. Edges are cubic curves that leave and enter a box straight; a label is put at the first of a
   few points along its edge where it covers no box and no label placed before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

#: orderings tried: sweeps down and up, each followed by adjacent swaps
SWEEPS = 12
#: edge points (dummy nodes) at most: this many per node, and at least this many in all
EDGE_POINTS_PER_NODE, EDGE_POINTS_MIN = 4, 400


class Box(NamedTuple):
    x: float  # left
    y: float  # top
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


Point = tuple[float, float]


class Route(NamedTuple):
    """An edge drawn from the tail's bottom (right) side to the head's top (left) side through
    `points`; each pair of consecutive points is joined by a cubic curve, vertical (horizontal) at
    both ends."""

    tail: str
    head: str
    points: tuple[Point, ...]
    across: bool = False  # left to right: the layers are columns


class Layout(NamedTuple):
    width: float
    height: float
    boxes: dict[str, Box]
    routes: tuple[Route, ...]  # in the order the edges were given
    layers: tuple[tuple[str, ...], ...]  # each layer's nodes from top to bottom (no edge points)
    crossings: int  # edge crossings between adjacent layers in the order chosen


def layered(names: Sequence[str], edges: Sequence[tuple[str, str]], sizes: Mapping[str, tuple[float, float]], *,
            layer_gap: float = 60.0, node_gap: float = 12.0, margin: float = 8.0, across: bool = False) -> Layout:
    """Boxes for `names` (each `sizes[name]` = (width, height)) and routes for `edges` (tail, head):
    tails above heads, or with `across` to their left.  `names` must list every node; an edge's
    tail is computed before its head (a cycle is an error)."""
    if not across:  # laid out across, then turned: x for y
        flat = layered(names, edges, {k: (h, w) for k, (w, h) in sizes.items()}, layer_gap=layer_gap,
                       node_gap=node_gap, margin=margin, across=True)
        return flat._replace(width=flat.height, height=flat.width,
                             boxes={k: Box(b.y, b.x, b.height, b.width) for k, b in flat.boxes.items()},
                             routes=tuple(Route(r.tail, r.head, tuple((y, x) for x, y in r.points))
                                          for r in flat.routes))
    n = len(names)
    index = {name: i for i, name in enumerate(names)}
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for tail, head in edges:
        t, h = index[tail], index[head]
        if t not in preds[h]:
            preds[h].append(t)
            succs[t].append(h)
    layer = _layers(n, preds, succs)

    # each edge over several layers gets a point (a dummy node) in each layer between — the
    # shortest such edges first, as long as the points stay within a few per node: past that (a
    # param every line of a long chain uses) an edge is drawn straight from its tail to its head
    pairs = list(dict.fromkeys((index[tail], index[head]) for tail, head in edges))
    budget = max(EDGE_POINTS_MIN, EDGE_POINTS_PER_NODE * n)
    layer_of = list(layer)
    up: list[list[int]] = [[] for _ in range(n)]  # neighbours one layer before
    down: list[list[int]] = [[] for _ in range(n)]  # … one layer after
    made: dict[tuple[int, int], list[int]] = {}
    for t, h in sorted(pairs, key=lambda pair: layer[pair[1]] - layer[pair[0]]):
        span = layer[h] - layer[t]
        if span > 1 and len(layer_of) - n + span - 1 > budget:
            made[(t, h)] = [t, h]  # straight
            continue
        chain = [t]
        for k in range(layer[t] + 1, layer[h]):
            layer_of.append(k)
            up.append([])
            down.append([])
            chain.append(len(layer_of) - 1)
        chain.append(h)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        made[(t, h)] = chain
    chains = [made[(index[tail], index[head])] for tail, head in edges]  # per edge: the nodes it passes
    total = len(layer_of)
    depth = max(layer_of, default=-1) + 1
    # first order: the names' own order, each edge point just after its tail's place
    rank = {i: float(i) for i in range(n)}
    for chain in made.values():
        for k, d in enumerate(chain[1:-1], 1):
            rank[d] = chain[0] + k / (len(chain) + 1)
    orders: list[list[int]] = [[] for _ in range(depth)]
    for i in sorted(range(total), key=rank.__getitem__):
        orders[layer_of[i]].append(i)
    orders = _order(orders, up, down)
    crossings = _crossings(orders, down)
    boxes, xs = _coordinates(orders, layer_of, up, down, [sizes[name] for name in names], n, layer_gap, node_gap,
                             margin)
    routes = []
    for (tail, head), chain in zip(edges, chains):
        start, end = boxes[chain[0]], boxes[chain[-1]]
        points: list[Point] = [(start.x + start.width, start.cy)]
        for d in chain[1:-1]:
            left, right = xs[layer_of[d]]
            points += [(left, boxes[d].cy), (right, boxes[d].cy)]
        points.append((end.x, end.cy))
        routes.append(Route(tail, head, tuple(points), across=True))
    width = max((b.x + b.width for b in boxes[:n]), default=0.0) + margin
    height = max((b.y + b.height for b in boxes), default=0.0) + margin
    layers = tuple(tuple(names[i] for i in order if i < n) for order in orders)
    return Layout(width, height, {name: boxes[i] for i, name in enumerate(names)}, tuple(routes), layers, crossings)


def _layers(n: int, preds: list[list[int]], succs: list[list[int]]) -> list[int]:
    """Longest path from the leaves for the nodes that use others; each leaf one layer before the
    first node that uses it."""
    waiting = [len(p) for p in preds]
    ready = [i for i in range(n) if not waiting[i]]
    layer = [0] * n
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for s in succs[node]:
            layer[s] = max(layer[s], layer[node] + 1)
            waiting[s] -= 1
            if not waiting[s]:
                ready.append(s)
    if seen != n:
        raise ValueError("the graph has a cycle: it cannot be drawn in layers")
    for i in range(n):
        if not preds[i] and succs[i]:
            layer[i] = min(layer[s] for s in succs[i]) - 1
    return layer


def _order(orders: list[list[int]], up: list[list[int]], down: list[list[int]]) -> list[list[int]]:
    """Barycentre sweeps and adjacent swaps; the order with the fewest crossings found."""
    best = [list(o) for o in orders]
    fewest = _crossings(best, down)
    current = [list(o) for o in orders]
    for sweep in range(SWEEPS):
        if fewest == 0:
            break
        downward = sweep % 2 == 0
        layers = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for k in layers:
            neighbours = up if downward else down
            place = {v: i for i, v in enumerate(current[k - 1 if downward else k + 1])}
            at = {v: i for i, v in enumerate(current[k])}

            def key(v: int, neighbours: list[list[int]] = neighbours, place: dict[int, int] = place,
                    at: dict[int, int] = at) -> float:
                near = [place[u] for u in neighbours[v] if u in place]
                return sum(near) / len(near) if near else float(at[v])

            current[k] = sorted(current[k], key=key)
        _swap_adjacent(current, up, down)
        count = _crossings(current, down)
        if count < fewest:
            best, fewest = [list(o) for o in current], count
    return best


def _swap_adjacent(orders: list[list[int]], up: list[list[int]], down: list[list[int]]) -> None:
    """Swap two neighbours in a layer while that lowers the crossings with both adjacent layers."""
    pos: dict[int, int] = {v: i for order in orders for i, v in enumerate(order)}

    def cost(a: int, b: int) -> int:  # crossings of a's edges with b's when a is above b
        c = 0
        for near in (up, down):
            for x in near[a]:
                for y in near[b]:
                    c += pos[x] > pos[y]
        return c

    changed = True
    rounds = 0
    while changed and rounds < 8:
        changed, rounds = False, rounds + 1
        for order in orders:
            for i in range(len(order) - 1):
                a, b = order[i], order[i + 1]
                if cost(b, a) < cost(a, b):
                    order[i], order[i + 1] = b, a
                    pos[a], pos[b] = i + 1, i
                    changed = True


def _crossings(orders: list[list[int]], down: list[list[int]]) -> int:
    """Edge crossings between each pair of adjacent layers: inversions among the edges sorted by
    their upper end (counted with a Fenwick tree)."""
    total = 0
    for k in range(len(orders) - 1):
        below = {v: i for i, v in enumerate(orders[k + 1])}
        ends = [below[w] for v in orders[k] for w in sorted(down[v], key=below.__getitem__)]
        tree = [0] * (len(orders[k + 1]) + 1)
        for seen, e in enumerate(ends):
            i, at_most = e + 1, 0
            while i > 0:
                at_most += tree[i]
                i -= i & -i
            total += seen - at_most
            i = e + 1
            while i < len(tree):
                tree[i] += 1
                i += i & -i
    return total


def _coordinates(orders: list[list[int]], layer_of: list[int], up: list[list[int]], down: list[list[int]],
                 sizes: list[tuple[float, float]], n: int, layer_gap: float, node_gap: float,
                 margin: float) -> tuple[list[Box], list[tuple[float, float]]]:
    """A box per node (edge points get a box of no width), and each column's left and right x."""
    total = len(layer_of)
    size = [sizes[v] if v < n else (0.0, 0.0) for v in range(total)]
    xs: list[tuple[float, float]] = []
    x = margin
    for order in orders:
        width = max((size[v][0] for v in order), default=0.0)
        xs.append((x, x + width))
        x += width + layer_gap
    # centres: stacked first, then pulled toward their neighbours, the order and gaps kept
    centre = [0.0] * total

    def gap(a: int, b: int) -> float:  # least distance between the centres of a above b
        space = node_gap if a < n and b < n else node_gap / 2
        return (size[a][1] + size[b][1]) / 2 + space

    for order in orders:
        y = 0.0
        for i, v in enumerate(order):
            y += gap(order[i - 1], v) if i else size[v][1] / 2
            centre[v] = y
    tallest = max((centre[o[-1]] + size[o[-1]][1] / 2 for o in orders if o), default=0.0)
    for order in orders:  # each column centred on the tallest
        if order:
            shift = (tallest - centre[order[-1]] - size[order[-1]][1] / 2) / 2
            for v in order:
                centre[v] += shift
    for sweep in range(8):  # toward the layer before, then the one after, …; the last two toward both
        sides: tuple[list[list[int]], ...] = (up, down) if sweep >= 6 else (up,) if sweep % 2 == 0 else (down,)
        layers = range(len(orders)) if sweep % 2 == 0 else range(len(orders) - 1, -1, -1)
        for k in layers:
            order = orders[k]
            wanted = []
            for v in order:
                near = [centre[u] for side in sides for u in side[v]]
                wanted.append(sum(near) / len(near) if near else centre[v])
            for v, y in zip(order, _fit(wanted, [gap(order[i - 1], order[i]) for i in range(1, len(order))])):
                centre[v] = y
    top = min((centre[v] - size[v][1] / 2 for v in range(total)), default=0.0)
    boxes = []
    for v in range(total):
        column = xs[layer_of[v]]
        left = (column[0] + column[1] - size[v][0]) / 2
        boxes.append(Box(left, centre[v] - size[v][1] / 2 - top + margin, size[v][0], size[v][1]))
    return boxes, xs


def _fit(wanted: list[float], gaps: list[float]) -> list[float]:
    """Positions y_0 < y_1 < … with y_(i+1) − y_i ≥ gaps[i], nearest (least squares) to `wanted`:
    with offsets o_i (the sum of the gaps before i), z_i = y_i − o_i must not decrease, which the
    pool-adjacent-violators algorithm fits exactly."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [mean, count]
    for w, o in zip(wanted, offsets):
        blocks.append([w - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count),
                          blocks[-1][1] + count]
    out: list[float] = []
    for mean, count in blocks:
        out.extend([mean] * int(count))
    return [z + o for z, o in zip(out, offsets)]


# --- the edges' curves and their labels -------------------------------------------------------------------


def segments(route: Route) -> list[tuple[Point, Point, Point, Point]]:
    """The route as cubic Bézier segments (start, control, control, end)."""
    out = []
    for (x0, y0), (x1, y1) in zip(route.points, route.points[1:]):
        if route.across:
            mid = (x1 - x0) / 2
            out.append(((x0, y0), (x0 + mid, y0), (x1 - mid, y1), (x1, y1)))
        else:
            mid = (y1 - y0) / 2
            out.append(((x0, y0), (x0, y0 + mid), (x1, y1 - mid), (x1, y1)))
    return out


def point_at(segment: tuple[Point, Point, Point, Point], t: float) -> Point:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)


#: where along a segment a label is tried, in turn
LABEL_SPOTS = (0.5, 0.35, 0.65, 0.22, 0.78, 0.12, 0.88)


def place_labels(layout: Layout, sizes: Sequence[tuple[float, float] | None], pad: float = 2.0) -> list[Point | None]:
    """The centre of each route's label (sizes[i] = its width and height, None: no label): on the
    route, at the first spot that overlaps no box and no label placed before; where every spot
    overlaps something, the spot that overlaps least."""
    taken = _Grid()
    for box in layout.boxes.values():
        taken.add(box)
    out: list[Point | None] = []
    for route, size in zip(layout.routes, sizes):
        if size is None:
            out.append(None)
            continue
        w, h = size
        best: tuple[float, Point] | None = None
        for segment in segments(route):
            (x0, y0), (x1, y1) = segment[0], segment[3]
            if (x1 - x0 if route.across else y1 - y0) < 1:  # a run through a layer: no room for a label there
                continue
            for t in LABEL_SPOTS:
                x, y = point_at(segment, t)
                covered = taken.covered(Box(x - w / 2 - pad, y - h / 2 - pad, w + 2 * pad, h + 2 * pad))
                if best is None or covered < best[0]:
                    best = (covered, (x, y))
                if covered == 0:
                    break
            if best is not None and best[0] == 0:
                break
        if best is None:
            out.append(None)
            continue
        x, y = best[1]
        taken.add(Box(x - w / 2, y - h / 2, w, h))
        out.append(best[1])
    return out


class _Grid:
    """Boxes filed by the cells of a grid they touch, so that what a box overlaps is found among
    its neighbours, not among every box drawn."""

    CELL = 120.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _cells(self, b: Box) -> list[tuple[int, int]]:
        c = self.CELL
        return [(i, j) for i in range(int(b.x // c), int((b.x + b.width) // c) + 1)
                for j in range(int(b.y // c), int((b.y + b.height) // c) + 1)]

    def add(self, b: Box) -> None:
        for cell in self._cells(b):
            self.cells.setdefault(cell, []).append(b)

    def covered(self, b: Box) -> float:
        """The area of `b` the boxes filed cover (each box counted once)."""
        near = {id(o): o for cell in self._cells(b) for o in self.cells.get(cell, ())}
        return sum(_overlap(b, o) for o in near.values())


def _overlap(a: Box, b: Box) -> float:
    dx = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    dy = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    return dx * dy if dx > 0 and dy > 0 else 0.0


__all__ = ["Box", "Layout", "Route", "layered", "place_labels", "point_at", "segments"]
