"""The engine: compile a problem into a flat tape, run forward, backward and one SGD step.

The tape is a list of primitives in topological order (the order of the `define` lines, and
within a line the order of evaluation).  Each named line owns a contiguous run of the tape ending
at its root.  The backward pass is seed 001's grad_table, at the level of named nodes:

    grad[u_j] = Σ over the lines u_i that use u_j of  grad[u_i] · ∂u_i/∂u_j

where ∂u_i/∂u_j, the local derivative, comes from a small reverse pass over line i's own run of
the tape — or, for the commonest lines (sums of products such as `w1*x1 + w2*x2 + b`, maybe
inside sigmoid or relu), from a closed form that forms the very same products, so the same bits.
Every node is visited once, in reverse order; gradients live in a list indexed by node, so a name
used twice (x*x) gets the sum, and running backward again gives the same numbers.  Nothing is
recursive and there are no per-node closures.
"""

from __future__ import annotations

import itertools
import math
import operator
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal

from .errors import InputError, MathError, Span
from .expr import Bin, Call, Expr, Name, Neg, Num, format_number
from .ops import (ADD, ARITHMETIC, CODES, DIV, FORWARD, ID, MUL, NAMES, NEG, ROUNDED, SUB, DomainError,
                  cancelled, partials, softmax_partials, softmax_vector)
from .problem import Problem

# Tape codes beyond the primitives of ops.CODES: a leaf's value, a constant.
_LEAF = -2
_CONST = -1
_SOFTMAX = CODES["softmax"]
_POW = CODES["**"]
_RELU = CODES["relu"]
_SIGMOID = CODES["sigmoid"]
_TANH = CODES["tanh"]
_ROUNDED = frozenset(CODES[name] for name in ROUNDED)
_UNIT = -2


def round_half_up(x: float, places: int) -> float:
    """Round as a person does (0.125 -> 0.13), not to the nearest binary float's even digit."""
    if not math.isfinite(x) or abs(x) >= 2.0**53:  # such floats are whole numbers already
        return x
    # 16 whole digits and up to 15 places would overflow Decimal's default 28 digits
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP,
                                           context=Context(prec=40)))


@dataclass(slots=True, weakref_slot=True)
class Graph:
    """A compiled problem.  Nodes are the named leaves and lines; the tape holds primitives."""

    names: list[str]  # every named node: leaves first, then lines in order
    index: dict[str, int]  # name -> node number
    n_leaves: int
    root: list[int]  # node number -> tape index of its value
    start: list[int]  # node number -> first tape index of its line (== root for leaves)
    uses: list[tuple[int, ...]]  # node number -> node numbers its line uses, in order of first use
    op: list[int]  # tape: primitive code (ops.CODES), or _LEAF / _CONST
    args: list[tuple[int, ...]]  # tape: argument tape indexes
    const: list[float]  # tape: the number of a constant, the component of a softmax
    node_of_root: dict[int, int]  # tape index of a root -> node number
    output: int  # node number of the output
    # The forward program: (code, tape index, first argument, second argument) for every primitive.
    program: list[tuple[int, int, int, int]] = field(default_factory=list)
    # Lines whose local partials have a closed form (see _affine_partners): node number -> the tape
    # index of each used node's factor, in the order of `uses` (ONE for a factor of 1); else None.
    partners: list[tuple[int, ...] | None] = field(default_factory=list)
    # For those lines, the tape index of the one-argument function around the sum, or -1, or
    # _UNIT for a plain sum of distinct names (every partial exactly 1).
    wrapper: list[int] = field(default_factory=list)
    formulas: list[Expr] = field(default_factory=list)  # each line's expression, compiled as is


def compile_problem(problem: Problem) -> Graph:
    names: list[str] = []
    index: dict[str, int] = {}
    root: list[int] = []
    start: list[int] = []
    uses: list[tuple[int, ...]] = []
    op: list[int] = []
    args: list[tuple[int, ...]] = []
    const: list[float] = []
    codes = CODES

    for name in problem.leaves:
        index[name] = len(names)
        names.append(name)
        root.append(len(op))
        start.append(len(op))
        uses.append(())
        op.append(_LEAF)
        args.append(())
        const.append(0.0)
    n_leaves = len(names)

    for line in problem.lines:
        first = len(op)
        used: dict[int, None] = {}
        # Pre-order with the last child on top of the stack; reversed, that is the post-order
        # (children left to right, then the parent) without recursion or (node, done) pairs.
        order: list[Expr] = []
        stack: list[Expr] = [line.expr]
        while stack:
            e = stack.pop()
            order.append(e)
            kind = type(e)
            if kind is Bin:
                stack.append(e.a)
                stack.append(e.b)
            elif kind is Neg:
                stack.append(e.x)
            elif kind is Call:
                stack.extend(e.args)
        out: list[int] = []  # tape indexes of finished subexpressions
        for e in reversed(order):
            kind = type(e)
            if kind is Name:
                node = index.get(e.id)
                if node is None:  # the loader checks this first; a guard for API users
                    raise InputError(f"'{e.id}' is used in '{line.name}' but never defined", line.span)
                used[node] = None
                out.append(root[node])
                continue
            if kind is Num:
                code, a, k = _CONST, (), e.value
            elif kind is Bin:
                b = out.pop()
                code, a, k = codes[e.op], (out.pop(), b), 0.0
            elif kind is Neg:
                code, a, k = NEG, (out.pop(),), 0.0
            else:
                n = len(e.args)
                a = tuple(out[-n:])
                del out[-n:]
                code, k = codes[e.fn], float(e.index)
            out.append(len(op))
            op.append(code)
            args.append(a)
            const.append(k)
        # A line that is just a name (`a: b`) still owns a node of its own.
        if len(op) == first:
            op.append(ID)
            args.append((out[-1],))
            const.append(0.0)
        index[line.name] = len(names)
        names.append(line.name)
        root.append(len(op) - 1)
        start.append(first)
        uses.append(tuple(used))

    node_of_root = {r: n for n, r in enumerate(root)}
    program = [(code, t, a[0], a[1] if len(a) > 1 else -1)
               for t, (code, a) in enumerate(zip(op, args)) if code >= 0]
    partners: list[tuple[int, ...] | None] = [None] * n_leaves
    wrapper = [-1] * n_leaves
    for node in range(n_leaves, len(names)):
        found = _affine_partners(op, args, start[node], root[node], node_of_root, uses[node], len(op))
        partners.append(found[0] if found else None)
        wrapper.append(found[1] if found else -1)
        if found and found[1] < 0 and all(f == len(op) for f in found[0]):
            wrapper[node] = _UNIT
    return Graph(names, index, n_leaves, root, start, uses, op, args, const, node_of_root,
                 index[problem.output], program, partners, wrapper, [line.expr for line in problem.lines])


def _affine_partners(op: list[int], args: list[tuple[int, ...]], first: int, last: int,
                     node_of_root: dict[int, int], uses: tuple[int, ...], one: int
                     ) -> tuple[tuple[int, ...], int] | None:
    """The closed form of a line's local partials, when it has one.

    A line that is a sum (any tree of +) of named nodes, constants and products of two factors
    (each a named node or a constant), every named node appearing once, optionally inside one
    one-argument function f: in the reverse pass every + hands its adjoint on unchanged, so
    ∂line/∂u = 0 + g·(u's factor), where g is 0 + f'(…) (1 without f) and the factor of a bare
    name is 1 — the very products the general pass forms, hence the same bits.  Returns the
    factor's tape index for each used node (in the order of `uses`) and f's tape index (or -1).
    """
    code = op[last]
    wrap = -1
    body = last
    if code >= ARITHMETIC and code != _SOFTMAX and code != _POW and len(args[last]) == 1:
        wrap, body = last, args[last][0]
    factor: dict[int, int] = {}
    stack = [body]
    while stack:
        t = stack.pop()
        if t < first:  # a named node (lines refer to other lines only by their roots)
            u = node_of_root[t]
            if u in factor:
                return None
            factor[u] = one
            continue
        code = op[t]
        if code == _CONST:
            continue
        if code == ADD:
            stack.extend(args[t])
        elif code == MUL:
            x, y = args[t]
            for a, b in ((x, y), (y, x)):
                if a < first:
                    u = node_of_root[a]
                    if u in factor or not (b < first or op[b] == _CONST):
                        return None
                    factor[u] = b
                elif op[a] != _CONST:
                    return None
        else:
            return None
    if not factor:
        return None
    return tuple(factor[u] for u in uses), wrap


class Solution:
    """The record of one solve: every value, local derivative, gradient and update.

    Renderers format this and never recompute.  Values, gradients and local derivatives are
    dicts keyed by name, built from the engine's lists the first time they are read (a caller
    that wants one gradient of a large graph does not pay for a dict of every value).
    """

    __slots__ = ("problem", "graph", "round", "lr", "updated", "after", "_vals", "_raw", "_grad",
                 "_partials", "_values", "_unrounded", "_local", "_gradients")

    def __init__(self, problem: Problem, graph: Graph, vals: list[float], raw: dict[int, float],
                 grad: list[float] | None, partials: list[list[float] | None] | None,
                 round: int | None, lr: float) -> None:
        self.problem = problem
        self.graph = graph
        self.round = round
        self.lr = lr
        self.updated: dict[str, float] | None = None
        self.after: Solution | None = None  # the forward pass at the updated parameters
        self._vals = vals  # the tape's values (and ONE's 1.0 after them)
        self._raw = raw  # tape index -> value before --round
        self._grad = grad  # node number -> gradient (None: forward only)
        self._partials = partials  # node number -> ∂line/∂u for u in graph.uses[node]
        self._values: dict[str, float] | None = None
        self._unrounded: dict[str, float] | None = None
        self._local: dict[str, list[tuple[str, float]]] | None = None
        self._gradients: dict[str, float] | None = None

    @property
    def values(self) -> dict[str, float]:
        if self._values is None:
            vals = self._vals
            self._values = dict(zip(self.graph.names, [vals[r] for r in self.graph.root]))
        return self._values

    @property
    def unrounded(self) -> dict[str, float]:
        """name -> value before --round, for the lines that were rounded."""
        if self._unrounded is None:
            names, node_of_root = self.graph.names, self.graph.node_of_root
            self._unrounded = {names[node_of_root[t]]: v for t, v in self._raw.items() if t in node_of_root}
        return self._unrounded

    @property
    def local(self) -> dict[str, list[tuple[str, float]]]:
        """line -> [(name it uses, ∂line/∂name)], the lines last to first."""
        if self._local is None:
            local: dict[str, list[tuple[str, float]]] = {}
            parts = self._partials
            if parts is not None:
                names, uses = self.graph.names, self.graph.uses
                for node in range(len(names) - 1, self.graph.n_leaves - 1, -1):
                    local[names[node]] = [(names[u], d) for u, d in zip(uses[node], parts[node])]
            self._local = local
        return self._local

    @property
    def gradients(self) -> dict[str, float]:
        if self._gradients is None:
            self._gradients = dict(zip(self.graph.names, self._grad)) if self._grad is not None else {}
        return self._gradients

    @property
    def tape_values(self) -> list[float]:
        return self._vals[: len(self.graph.op)]

    @property
    def output(self) -> str:
        return self.problem.output

    @property
    def loss(self) -> float:
        return self._vals[self.graph.root[self.graph.output]]

    @property
    def loss_after(self) -> float | None:
        return self.after.loss if self.after is not None else None

    def __repr__(self) -> str:
        return (f"Solution(output={self.output!r}, loss={self.loss!r}, round={self.round!r}, "
                f"lr={self.lr!r}, updated={self.updated!r})")


def _domain_failure(graph: Graph, problem: Problem, t: int, vals: list[float], why: str) -> MathError:
    """A MathError naming the line whose primitive failed and the values going in."""
    node = _node_owning(graph, t)
    name = graph.names[node]
    inputs = ", ".join(
        f"{graph.names[u]} = {format_number(vals[graph.root[u]])}" for u in graph.uses[node]
    )
    line = next((ln for ln in problem.lines if ln.name == name), None)
    where = f"in '{name}: {line.source}'" if line else f"in '{name}'"
    return MathError(
        f"{why} {where}" + (f" (with {inputs})" if inputs else ""),
        line.span if line else None,
        "change the inputs or the formula so the value is defined",
    )


def _node_owning(graph: Graph, t: int) -> int:
    import bisect

    return max(0, bisect.bisect_right(graph.start, t) - 1)


def forward(graph: Graph, problem: Problem, leaf_values: list[float], round_digits: int | None
            ) -> tuple[list[float], dict[int, float]]:
    """Evaluate the tape.  Returns the values (then ONE's 1.0) and, for rounded primitives, the
    values before rounding.

    The loop checks nothing: a failure (a division by zero, a domain error, a value that is not
    finite at the end) sends the evaluation to the checked loop, which names the first primitive
    that fails.  Both compute the same numbers in the same order.
    """
    vals = list(graph.const)
    vals.append(1.0)  # ONE: the factor of a bare name in _affine_partners
    if len(leaf_values) != graph.n_leaves:
        raise ValueError(f"{len(leaf_values)} leaf values for {graph.n_leaves} leaves")
    vals[: graph.n_leaves] = leaf_values  # leaves are the first tape entries
    raw: dict[int, float] = {}
    rounding = round_digits is not None
    args, const, fwd, names, rounded = graph.args, graph.const, FORWARD, NAMES, _ROUNDED
    try:
        for code, t, x, y in graph.program:
            if code == MUL:
                vals[t] = vals[x] * vals[y]
            elif code == ADD:
                v = vals[x] + vals[y]
                vals[t] = v if not -1e-6 < v < 1e-6 else cancelled(v, vals[x], vals[y])
            elif code == SUB:
                v = vals[x] - vals[y]
                vals[t] = v if not -1e-6 < v < 1e-6 else cancelled(v, vals[x], vals[y])
            elif code == DIV:
                vals[t] = vals[x] / vals[y]
            elif code == NEG:
                vals[t] = -vals[x]
            elif code == ID:
                vals[t] = vals[x]
            elif code == _RELU and not rounding:
                v = vals[x]
                vals[t] = v if v > 0 else 0.0
            else:
                a = args[t]
                if code == _SOFTMAX:
                    v = softmax_vector([vals[i] for i in a])[int(const[t])]
                elif y < 0:
                    v = fwd[names[code]](vals[x])
                else:
                    v = fwd[names[code]](*[vals[i] for i in a])
                if rounding and code in rounded:
                    raw[t] = v
                    v = round_half_up(v, round_digits)
                vals[t] = v
        total = sum(vals)
        if total - total == 0.0:  # every value finite (else inf or nan, or an overflowing sum)
            return vals, raw
    except (ArithmeticError, ValueError):
        pass
    return _forward_checked(graph, problem, leaf_values, round_digits)


def _forward_checked(graph: Graph, problem: Problem, leaf_values: list[float], round_digits: int | None
                     ) -> tuple[list[float], dict[int, float]]:
    """forward(), checking every primitive: raises MathError naming the first that fails."""
    op, args, const = graph.op, graph.args, graph.const
    vals = list(const)  # constants in place; leaves and primitives are written below
    vals.append(1.0)
    raw: dict[int, float] = {}
    root = graph.root
    for n in range(graph.n_leaves):
        vals[root[n]] = leaf_values[n]
    fwd, names, rounded = FORWARD, NAMES, _ROUNDED
    t = 0
    try:
        for t, code in enumerate(op):
            if code < 0:  # a leaf or a constant: already in place
                continue
            # + - * / neg id inline: most of any graph, and a call per node would double the time.
            if code < ARITHMETIC:
                if code == MUL:
                    x, y = args[t]
                    v = vals[x] * vals[y]
                elif code == ADD:
                    x, y = args[t]
                    v = cancelled(vals[x] + vals[y], vals[x], vals[y])
                elif code == SUB:
                    x, y = args[t]
                    v = cancelled(vals[x] - vals[y], vals[x], vals[y])
                elif code == DIV:
                    x, y = args[t]
                    if vals[y] == 0:
                        raise DomainError("division by zero")
                    v = vals[x] / vals[y]
                elif code == NEG:
                    v = -vals[args[t][0]]
                else:
                    v = vals[args[t][0]]
                if v - v != 0.0:  # inf or nan: v - v is 0.0 for every finite float
                    raise _domain_failure(graph, problem, t, vals, "the value overflows")
                vals[t] = v
                continue
            a = args[t]
            if code == _SOFTMAX:
                v = softmax_vector([vals[i] for i in a])[int(const[t])]
            elif len(a) == 1:
                v = fwd[names[code]](vals[a[0]])
            elif len(a) == 2:
                v = fwd[names[code]](vals[a[0]], vals[a[1]])
            else:
                v = fwd[names[code]](*[vals[i] for i in a])
            if not math.isfinite(v):
                raise _domain_failure(graph, problem, t, vals, "the value overflows")
            if round_digits is not None and code in rounded:
                raw[t] = v
                v = round_half_up(v, round_digits)
            vals[t] = v
    except DomainError as exc:
        raise _domain_failure(graph, problem, t, vals, str(exc)) from None
    except OverflowError:
        raise _domain_failure(graph, problem, t, vals, "the value overflows") from None
    return vals, raw


_NEGATIVE_BASE = "the derivative of a negative base raised to a variable power is undefined"


def local_partials(graph: Graph, problem: Problem, node: int, vals: list[float],
                   round_digits: int | None) -> list[float]:
    """∂line/∂u for each node u the line uses (in the order of graph.uses[node]): a reverse pass
    over the line's own run of the tape."""
    first, last = graph.start[node], graph.root[node]
    op, args = graph.op, graph.args
    found: dict[int, float] = dict.fromkeys(graph.uses[node], 0.0)
    code = op[last]
    if first == last and 0 <= code < ARITHMETIC:
        # One arithmetic primitive on named nodes (`u: a * b`), the commonest line: the
        # partials directly, summed in the same order as the general pass below.
        node_of_root = graph.node_of_root
        a = args[last]
        if code == MUL:
            x, y = a
            found[node_of_root[x]] += vals[y]
            found[node_of_root[y]] += vals[x]
        elif code == ADD:
            found[node_of_root[a[0]]] += 1.0
            found[node_of_root[a[1]]] += 1.0
        elif code == SUB:
            found[node_of_root[a[0]]] += 1.0
            found[node_of_root[a[1]]] += -1.0
        elif code == DIV:
            x, y = a
            found[node_of_root[x]] += 1.0 / vals[y]
            found[node_of_root[y]] += -vals[x] / (vals[y] * vals[y])
        else:
            found[node_of_root[a[0]]] += -1.0 if code == NEG else 1.0
        return list(found.values())
    adj = [0.0] * (last - first + 1)
    adj[-1] = 1.0
    node_of_root = graph.node_of_root
    for t in range(last, first - 1, -1):
        g = adj[t - first]
        code = op[t]
        if code == _CONST or g == 0.0:
            continue
        a = args[t]
        if code < ARITHMETIC:
            # The arithmetic partials inline (the same numbers ops.partials gives); never NaN.
            if code == MUL:
                ds: tuple[float, ...] = (vals[a[1]], vals[a[0]])
            elif code == ADD:
                ds = (1.0, 1.0)
            elif code == SUB:
                ds = (1.0, -1.0)
            elif code == DIV:
                b = vals[a[1]]
                ds = (1.0 / b, -vals[a[0]] / (b * b))
            else:
                ds = (-1.0,) if code == NEG else (1.0,)
            for i, d in zip(a, ds):
                if i >= first:
                    if op[i] != _CONST:
                        adj[i - first] += g * d
                else:
                    found[node_of_root[i]] += g * d
            continue
        try:
            if code == _SOFTMAX:
                xs = [vals[i] for i in a]
                outs = softmax_vector(xs)
                if round_digits is not None:
                    outs = [round_half_up(o, round_digits) for o in outs]
                ds = softmax_partials(int(graph.const[t]), tuple(xs), outs)
            else:
                ds = partials(NAMES[code], tuple(vals[i] for i in a), vals[t])
        except DomainError as exc:
            raise _domain_failure(graph, problem, t, vals, str(exc)) from None
        for i, d in zip(a, ds):
            if i >= first:
                if op[i] != _CONST:
                    if math.isnan(d):
                        raise _domain_failure(graph, problem, t, vals, _NEGATIVE_BASE)
                    adj[i - first] += g * d
            else:
                if math.isnan(d):
                    raise _domain_failure(graph, problem, t, vals, _NEGATIVE_BASE)
                found[node_of_root[i]] += g * d
    return list(found.values())


# The last graph compiled by solve(), to skip compile_problem when the same problem is solved again
# (a training loop).  Held weakly — a large graph lives only as long as its solutions — and
# strongly too when small, where compiling costs more than solving.
_last_compiled: list[weakref.ref[Graph] | Graph | None] = [None, None]
_HELD_TAPE = 10_000


def _compiled(problem: Problem, leaf_names: Iterable[str], n_leaves: int) -> Graph:
    """compile_problem(problem), or the last graph if the problem has the same leaves, lines and
    output — names equal and formulas the very same (immutable) objects."""
    lines = problem.lines
    ref = _last_compiled[0]
    graph = ref() if isinstance(ref, weakref.ref) else None
    if graph is not None:
        names = graph.names
        if (len(names) == n_leaves + len(lines) and graph.index.get(problem.output) == graph.output
                and all(map(operator.eq, names, leaf_names))
                and all(map(operator.eq, names[graph.n_leaves:], [line.name for line in lines]))
                and all(map(operator.is_, graph.formulas, [line.expr for line in lines]))):
            return graph
    graph = compile_problem(problem)
    _last_compiled[:] = [weakref.ref(graph), graph if len(graph.op) <= _HELD_TAPE else None]
    return graph


def solve(problem: Problem, *, round: int | None = None, lr: float | None = None,
          step: bool = False, graph: Graph | None = None) -> Solution:
    """Forward and backward (and, with `step`, one SGD update and the forward after it)."""
    inputs, params = problem.inputs, problem.params
    if inputs.keys().isdisjoint(params):  # problem.leaves without building the merged dict
        leaf_names: Iterable[str] = itertools.chain(inputs, params)
        leaf_values = [*inputs.values(), *params.values()]
    else:
        leaves = problem.leaves
        leaf_names, leaf_values = leaves, list(leaves.values())
    if graph is None:
        graph = _compiled(problem, leaf_names, len(leaf_values))
    round_digits = round if round is not None else problem.round
    rate = lr if lr is not None else (problem.lr if problem.lr is not None else 0.5)
    sol = _solve_at(problem, graph, leaf_values, round_digits, rate)
    if step:
        grad, index = sol._grad, graph.index
        updated: dict[str, float] = {}
        for p in problem.trainable:
            updated[p] = leaf_values[index[p]] = params[p] - rate * grad[index[p]]
        sol.updated = updated
        sol.after = _solve_at(problem, graph, leaf_values, round_digits, rate, backward=False)
    return sol


def _solve_at(problem: Problem, graph: Graph, leaf_values: list[float], round_digits: int | None,
              rate: float, backward: bool = True) -> Solution:
    vals, raw = forward(graph, problem, leaf_values, round_digits)
    if not backward:
        return Solution(problem, graph, vals, raw, None, None, round_digits, rate)
    n_nodes = len(graph.names)
    grad = [0.0] * n_nodes
    grad[graph.output] = 1.0
    parts: list[list[float] | None] = [None] * n_nodes
    uses, partners, wrapper = graph.uses, graph.partners, graph.wrapper
    for node in range(n_nodes - 1, graph.n_leaves - 1, -1):
        factors = partners[node]
        g = grad[node]
        if factors is not None:
            w = wrapper[node]
            if w == _UNIT:  # 0 + 1·1 each, and g·1 is g
                parts[node] = [1.0] * len(factors)
                if g != 0.0:
                    for u in uses[node]:
                        grad[u] += g
                continue
            gl = 1.0 if w < 0 else 0.0 + _wrapper_partial(graph, problem, w, vals)
            # 1.0 * v is v: without a wrapper these are the general pass's 0 + v
            if len(factors) == 3:  # `v * a + b`, `w1*x1 + b`: written out, no loop
                u0, u1, u2 = uses[node]
                p0, p1, p2 = factors
                d0, d1, d2 = 0.0 + gl * vals[p0], 0.0 + gl * vals[p1], 0.0 + gl * vals[p2]
                parts[node] = [d0, d1, d2]
                if g != 0.0:
                    grad[u0] += g * d0
                    grad[u1] += g * d1
                    grad[u2] += g * d2
                continue
            ds = [0.0 + gl * vals[p] for p in factors]
        else:
            ds = local_partials(graph, problem, node, vals, round_digits)
        parts[node] = ds
        if g != 0.0:
            for u, d in zip(uses[node], ds):
                grad[u] += g * d
    total = sum(grad)
    if total - total != 0.0 and not all(map(math.isfinite, grad)):
        n = next(n for n, g in enumerate(grad) if not math.isfinite(g))
        raise MathError(
            f"the gradient of '{graph.names[n]}' overflows",
            problem.spans.get(graph.names[n]),
            "scale the inputs down; the derivatives are too large for a float",
        )
    return Solution(problem, graph, vals, raw, grad, parts, round_digits, rate)


def _wrapper_partial(graph: Graph, problem: Problem, t: int, vals: list[float]) -> float:
    """f'(x) of a one-argument primitive at tape index t, as the general pass computes it."""
    code = graph.op[t]
    out = vals[t]
    if code == _SIGMOID:
        return out * (1.0 - out)
    x = vals[graph.args[t][0]]
    if code == _RELU:
        return 1.0 if x > 0 else 0.0
    if code == _TANH:
        return 1.0 - out * out
    try:
        (d,) = partials(NAMES[code], (x,), out)
    except DomainError as exc:
        raise _domain_failure(graph, problem, t, vals, str(exc)) from None
    if math.isnan(d):
        raise _domain_failure(graph, problem, t, vals, _NEGATIVE_BASE)
    return d


__all__ = ["Graph", "Solution", "compile_problem", "forward", "solve", "round_half_up", "Span"]
