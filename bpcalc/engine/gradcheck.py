"""Every gradient beside its central finite-difference estimate (`bpcalc gradcheck`).

    estimate = (f(x + h) − f(x − h)) / 2h,   h = ε·max(1, |x|),   ε = 1e-6 unless --eps

f is each output, computed by the forward pass alone: a leaf is changed to x ± h, an
intermediate node's value is set to x ± h (the engine's `pins`), so the estimate knows nothing of
the backward pass or of the op table's derivative formulas.  A gradient agrees when
|gradient − estimate| ≤ tol·max(|gradient|, |estimate|) (tol = 1e-5 unless --tol), or when the
difference is below the round-off the estimate itself carries, 64·2⁻⁵²·max(1, |f(x ± h)|)/h.

An estimate proves nothing where x ± h crosses a kink of the output (relu, abs, max at or near
the point where their derivative jumps: found by the op table's case conditions — the `Case` of
step, leaky_step, sign, ismax, asked about their arguments — holding another case at x + h or
x − h than at x, in a primitive that reaches that output), where --round rounds a value between
the name and the output (a change of h does not get through), or where the forward pass fails at
x ± h (or the estimate is not a finite number); such a check is reported with its note and counts
neither way.  A stop(…) (the op table's detached primitives) keeps its value at x ± h, so the
estimate is the detached graph's, whose derivative the backward pass computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..errors import BpcalcError, InputError, did_you_mean, printable
from ..ops.codes import DETACHED_CODES
from .config import TEXTBOOK, Config
from .graph import Graph
from .scalar import Solution, forward, solve

if TYPE_CHECKING:
    from ..problem import Problem

EPS = 1e-6
TOL = 1e-5
#: the estimate's own round-off, in units of 2⁻⁵² of |f|, divided by h
ROUNDOFF_UNITS = 64
#: forward-pass primitives evaluated in all before only the params are checked (2 passes a name)
BUDGET = 4_000_000


class GradientCheck(NamedTuple):
    """One gradient beside its central-difference estimate (f(x + h) − f(x − h)) / 2h."""

    output: str
    name: str
    gradient: float  # the backward pass's
    estimate: float
    h: float
    abs_error: float
    rel_error: float
    ok: bool | None  # None: the estimate means nothing here (see `note`)
    note: str | None = None  # "kink" or "rounded"


class GradCheck(NamedTuple):
    """`gradcheck`: every gradient checked; ok when |gradient − estimate| ≤ tol·max(|gradient|,
    |estimate|) or below the estimate's own round-off."""

    outputs: tuple[str, ...]
    eps: float
    tol: float
    checks: tuple[GradientCheck, ...]
    left_out: str | None = None  # why some names were not checked

    @property
    def mismatches(self) -> int:
        return sum(c.ok is False for c in self.checks)

    def as_data(self) -> dict[str, object]:
        """What `--format json` adds: the checks as records."""
        def number(x: float) -> float | None:  # JSON has no NaN: an estimate that failed is null
            return x if x == x else None

        return {"eps": self.eps, "tol": self.tol, "mismatches": self.mismatches,
                "checks": [{"output": c.output, "name": c.name, "gradient": c.gradient,
                            "estimate": number(c.estimate), "h": c.h, "abs_error": number(c.abs_error),
                            "rel_error": number(c.rel_error), "ok": c.ok, "note": c.note} for c in self.checks],
                **({"left_out": self.left_out} if self.left_out else {})}


def gradient_checks(problem: Problem, *, eps: float | None = None, tol: float | None = None,
                    round: int | None = None, only: list[str] | None = None,
                    config: Config | None = None) -> tuple[Solution, GradCheck]:
    """Solve (with `config`, the textbook computation by default) and check every gradient of
    every output against its central difference."""
    eps = EPS if eps is None else eps
    tol = TOL if tol is None else tol
    config = config or TEXTBOOK
    solution = solve(problem, round=round, config=config)
    graph = solution.graph
    places = solution.round
    values = solution.values
    outputs = solution.outputs
    roots = [graph.root[graph.index[o]] for o in outputs]
    gradients = {o: solution.gradients_of(o) for o in outputs}

    names, left_out = _names(solution, only)
    behind = _behind_rounding(graph) if places is not None else set()
    cases, reaches = _kink_cases(graph, roots)
    base_pins = {graph.root[graph.index[n]]: x for n, x in config.pins.items()}
    # a stop(…) keeps its value at x ± h: the estimate is the detached graph's, as the gradient is
    tape = solution.tape_values
    base_pins.update({t: tape[t] for t, code in enumerate(graph.op) if code in DETACHED_CODES})
    leaf_values = [values[n] for n in graph.names[: graph.n_leaves]]
    base = cases(solution.tape_values)

    checks: list[GradientCheck] = []
    for name in names:
        node = graph.index[name]
        x = values[name]
        h = eps * max(1.0, abs(x))
        width = (x + h) - (x - h)  # 2h as the doubles x ± h hold it
        ends: list[list[float]] = []
        kinked: set[int] = set()  # the outputs whose kinks x ± h crosses
        for moved in (x + h, x - h) if math.isfinite(width) and width > 0 else ():
            leaves, pins = leaf_values, base_pins
            if node < graph.n_leaves:
                leaves = list(leaf_values)
                leaves[node] = moved
            else:
                pins = {**base_pins, graph.root[node]: moved}
            try:
                vals, _ = forward(graph, problem, leaves, places, pins or None)
            except BpcalcError:
                break
            for i, (now, then) in enumerate(zip(cases(vals), base)):
                if now != then:
                    kinked |= reaches[i]
            ends.append([vals[r] for r in roots])
        for k, o in enumerate(outputs):
            if o == name:
                continue
            g = gradients[o][name]
            estimate = (ends[0][k] - ends[1][k]) / width if len(ends) == 2 else math.nan
            if not math.isfinite(estimate):  # the forward pass fails at x ± h, or x ± h is not two numbers
                checks.append(GradientCheck(o, name, g, math.nan, h, math.nan, math.nan, None, "domain"))
                continue
            up, down = ends[0][k], ends[1][k]
            diff = abs(g - estimate)
            scale = max(abs(g), abs(estimate))
            rel = diff / scale if scale else 0.0
            roundoff = ROUNDOFF_UNITS * 2.0**-52 * max(1.0, abs(up), abs(down)) / h
            note = "kink" if k in kinked else ("rounded" if name in behind else None)
            ok = None if note else (diff <= tol * scale or diff <= roundoff)
            checks.append(GradientCheck(o, name, g, estimate, h, diff, rel, ok, note))
    checks.sort(key=lambda c: outputs.index(c.output))  # each output's column of the Jacobian together
    return solution, GradCheck(outputs, eps, tol, tuple(checks), left_out)


def _names(solution: Solution, only: list[str] | None) -> tuple[list[str], str | None]:
    """The names to check: --only's, else every leaf and line (just the params when that would
    take too long: two forward passes a name)."""
    graph = solution.graph
    if only:
        for name in only:
            if name not in graph.index:
                raise InputError(f"--only: no name '{printable(name)}' in {printable(solution.problem.file)}",
                            None, did_you_mean(name, graph.names) or "names: " + ", ".join(graph.names))
        return list(dict.fromkeys(only)), None
    names = list(graph.names)
    if 2 * len(names) * len(graph.op) <= BUDGET:
        return names, None
    params = list(solution.problem.params)
    shown = params if 2 * len(params) * len(graph.op) <= BUDGET else params[: max(1, BUDGET // (2 * len(graph.op)))]
    return shown, (f"{len(names) - len(shown):,} of {len(names):,} names not checked (each takes two forward "
                   "passes of the whole graph): --only NAME[,NAME…] checks the ones you choose")


def _behind_rounding(graph: Graph) -> set[str]:
    """The names from which a rounded primitive (what --round rounds) lies on the way to a line
    that uses them: a change of h is lost in the rounding."""
    from ..ops.codes import ROUNDED_CODES

    behind: set[int] = set()
    for node in range(len(graph.names) - 1, graph.n_leaves - 1, -1):
        rounds = any(graph.op[t] in ROUNDED_CODES for t in range(graph.start[node], graph.root[node] + 1))
        if rounds or node in behind:
            behind.update(graph.uses[node])
    return {graph.names[n] for n in behind}


def _kink_cases(graph: Graph, roots: list[int]
                ) -> tuple[Callable[[list[float]], tuple[str, ...]], list[frozenset[int]]]:
    """A function of the tape's values: which case of each kinked primitive holds — each case
    helper in its partial formulas (step, leaky_step, sign, ismax …) asked, by the op table's
    `Case.holds`, which case its arguments are in (never compared by its value, which may move
    with x: elu's leaky_step(x, out + α) is out + α left of 0); and, for each helper asked, the
    outputs (their positions in `roots`) it reaches.  Two forward passes in different cases
    straddle a kink of the outputs it reaches, and of no other."""
    import bisect

    from ..expr.tree import Call, subexpressions
    from ..ops import lookup, partial
    from ..ops.codes import NAMES, VECTOR_CODES
    from ..ops.formulas import params
    from ..ops.kernels import Kernel, formula_kernel

    Probe = tuple[Callable[..., str], int, list[Kernel], Kernel]  # Case.holds, the index asked, arguments, value
    found: dict[tuple[int, int], list[Probe]] = {}
    probes: list[tuple[int, tuple[int, ...], Probe]] = []
    for t, code in enumerate(graph.op):
        if code < 0 or code in VECTOR_CODES:  # a leaf or a constant; softmax has no kink
            continue
        n = len(graph.args[t])
        kinds = found.get((code, n))
        if kinds is None:
            p = lookup(NAMES[code])
            names = (*params(p, n), "out")
            kinds = found[(code, n)] = []
            for i in range(n):
                for e in subexpressions(partial(p, i, n)):
                    if isinstance(e, Call) and lookup(e.fn).case is not None:
                        case = lookup(e.fn).case
                        assert case is not None
                        kinds.append((case.holds, e.pick, [formula_kernel(a, names) for a in e.args],
                                      formula_kernel(e, names)))
        probes.extend((t, graph.args[t], k) for k in kinds)

    def cases(vals: list[float]) -> tuple[str, ...]:
        out = []
        for t, args, (holds, index, arguments, value) in probes:
            at = [vals[a] for a in args]
            out.append(holds(tuple(k(*at, vals[t]) for k in arguments), index, value(*at, vals[t])))
        return tuple(out)

    # the outputs each line reaches: itself if it is one, and what the lines that use it reach
    root_nodes = {graph.node_of_root[r]: k for k, r in enumerate(roots)}
    users: list[list[int]] = [[] for _ in graph.names]
    for node in range(graph.n_leaves, len(graph.names)):
        for used in graph.uses[node]:
            users[used].append(node)
    reach: list[frozenset[int]] = [frozenset()] * len(graph.names)
    for node in range(len(graph.names) - 1, graph.n_leaves - 1, -1):
        own = {root_nodes[node]} if node in root_nodes else set()
        reach[node] = frozenset(own.union(*(reach[u] for u in users[node])))
    owners = [bisect.bisect_right(graph.start, t, lo=graph.n_leaves) - 1 for t, _, _ in probes]
    return cases, [reach[owner] for owner in owners]
