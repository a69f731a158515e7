"""The scalar engine: forward, backward and the parameter update over a compiled tape.

The backward pass is the grad_table algorithm, at the level of named nodes:

    grad[u_j] = Σ over the lines u_i that use u_j of  grad[u_i] · ∂u_i/∂u_j

where ∂u_i/∂u_j, the local derivative, comes from a small reverse pass over line i's own run of
the tape.  Every partial comes from the op table's formulas (ops.kernels), through the solve's
`Config`, so a replaced partial is the one used.  Every node is visited once, in
reverse order; gradients live in a list indexed by node, so a name used twice (x*x) gets the sum,
and running backward again gives the same numbers.  Nothing is recursive and there are no
per-node closures.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import math
import operator
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import MathError
from ..expr.tree import Expr
from ..numbers import format_number, round_half_up
from ..ops import DomainError, lookup, partial_kernel, softmax_vector, value
from ..ops.codes import CODES, CONST, INDEXED_CODES, NAMES, ROUNDED_CODES, VECTOR_CODES
from ..ops.kernels import Kernel, forward_loop, line_partials, partial_at
from ..ops.table import cancelled
from ..problem import Line, Optimizer, Problem
from .config import TEXTBOOK, Config
from .graph import Graph, compile_problem
from .optim import SGD, Move, State, first_steps, learning_rate


class _ByCode(dict[int, Any]):
    """code -> what `make(code)` gives, made on first use (most problems use a few primitives)."""

    def __init__(self, make: Callable[[int], Any]):
        super().__init__()
        self.make = make

    def __missing__(self, code: int) -> Any:
        made = self[code] = self.make(code)
        return made


#: code -> the checked value function of the primitive
VALUE: dict[int, Kernel] = _ByCode(lambda code: value(lookup(NAMES[code])))


_run_unchecked = forward_loop(VALUE)


class Solution:
    """The record of one solve: every value, local derivative, gradient and update.

    Renderers format this and never recompute.  Values, gradients and local derivatives are
    dicts keyed by name, built from the engine's lists the first time they are read (a caller
    that wants one gradient of a large graph does not pay for a dict of every value).
    """

    __slots__ = ("problem", "graph", "round", "lr", "config", "updated", "after", "moves", "optimizer", "_vals",
                 "_raw", "_grad", "_partials", "_values", "_unrounded", "_local", "_gradients", "_by_output")

    def __init__(self, problem: Problem, graph: Graph, vals: list[float], raw: dict[int, float],
                 grad: list[float] | None, partials: list[list[float] | None] | None,
                 round: int | None, lr: float, config: Config = TEXTBOOK) -> None:
        self.problem = problem
        self.graph = graph
        self.round = round
        self.lr = lr
        self.config = config
        self.updated: dict[str, float] | None = None
        self.after: Solution | None = None  # the forward pass at the updated parameters
        self.moves: dict[str, Move] | None = None  # a step: each param's update, every value on the way
        self.optimizer: Optimizer | None = None  # … and the optimiser that made it
        self._vals = vals  # the tape's values
        self._raw = raw  # tape index -> value before --round
        self._grad = grad  # node number -> gradient (None: forward only)
        self._partials = partials  # node number -> ∂line/∂u for u in graph.uses[node]
        self._values: dict[str, float] | None = None
        self._unrounded: dict[str, float] | None = None
        self._local: dict[str, list[tuple[str, float]]] | None = None
        self._gradients: dict[str, float] | None = None
        # several outputs: output name -> node number -> ∂output/∂node (the first is `_grad`)
        self._by_output: dict[str, list[float]] = {}

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
    def partials(self) -> Sequence[Sequence[float] | None]:
        """node number -> ∂line/∂u for each u in graph.uses[node] (None for a leaf; empty when the
        solve went forward only): `local` by node number, without a dict of every line."""
        return self._partials if self._partials is not None else ()

    @property
    def local(self) -> dict[str, list[tuple[str, float]]]:
        """line -> [(name it uses, ∂line/∂name)], the lines last to first."""
        if self._local is None:
            local: dict[str, list[tuple[str, float]]] = {}
            parts = self._partials
            if parts is not None:
                names, uses = self.graph.names, self.graph.uses
                for node in range(len(names) - 1, self.graph.n_leaves - 1, -1):
                    ds = parts[node]
                    assert ds is not None
                    local[names[node]] = [(names[u], d) for u, d in zip(uses[node], ds)]
            self._local = local
        return self._local

    @property
    def gradients(self) -> dict[str, float]:
        if self._gradients is None:
            self._gradients = dict(zip(self.graph.names, self._grad)) if self._grad is not None else {}
        return self._gradients

    # --- several outputs (`output: [o1, o2]`): one backward pass per output ----------------------

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.problem.outputs

    def gradients_of(self, output: str) -> dict[str, float]:
        """∂output/∂name for every name, for one of the outputs."""
        if output == self.problem.output:
            return self.gradients
        return dict(zip(self.graph.names, self._by_output[output]))

    def jacobian(self, columns: list[str] | None = None) -> list[list[float]]:
        """Row i: ∂(output i)/∂(column k); the columns default to the leaves (inputs, params)."""
        if self._grad is None:
            raise ValueError("a forward-only solve has no gradients")
        index = self.graph.index
        cols = [index[c] for c in (columns if columns is not None else self.problem.leaves)]
        rows = [self._grad if o == self.problem.output else self._by_output[o] for o in self.outputs]
        return [[row[c] for c in cols] for row in rows]

    def for_output(self, output: str) -> Solution:
        """The same solve seen from one output: its gradients, as if it were the only one."""
        if self.outputs == (output,):
            return self
        grad = self._grad if output == self.problem.output or self._grad is None else self._by_output[output]
        problem = dataclasses.replace(self.problem, output=output, outputs=(output,))
        graph = dataclasses.replace(self.graph, output=self.graph.index[output])
        return Solution(problem, graph, self._vals, self._raw, grad, self._partials, self.round, self.lr,
                        self.config)

    @property
    def tape_values(self) -> list[float]:
        return self._vals

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
    node = max(0, bisect.bisect_right(graph.start, t) - 1)
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


def forward(graph: Graph, problem: Problem, leaf_values: list[float], round_digits: int | None,
            pins: dict[int, float] | None = None) -> tuple[list[float], dict[int, float]]:
    """Evaluate the tape.  Returns the values and, for rounded primitives, the
    values before rounding.  `pins`: tape index of a node's root -> the value it is given.

    The generated loop checks nothing: a failure (a division by zero, a domain error, a value
    that is not finite at the end) sends the evaluation to the checked loop, which names the
    first primitive that fails.  Both compute the same numbers in the same order.
    """
    if len(leaf_values) != graph.n_leaves:
        raise ValueError(f"{len(leaf_values)} leaf values for {graph.n_leaves} leaves")
    if not pins:
        vals = list(graph.const)
        vals[: graph.n_leaves] = leaf_values  # leaves are the first tape entries
        raw: dict[int, float] = {}
        try:
            _run_unchecked(graph.program, vals, raw, round_digits, graph.args, graph.const)
            total = sum(vals)
            if total - total == 0.0:  # every value finite (else inf or nan, or an overflowing sum)
                return vals, raw
        except (ArithmeticError, ValueError):
            pass
    return _forward_checked(graph, problem, leaf_values, round_digits, pins or {})


def _forward_checked(graph: Graph, problem: Problem, leaf_values: list[float], round_digits: int | None,
                     pins: dict[int, float]) -> tuple[list[float], dict[int, float]]:
    """forward(), checking every primitive: raises MathError naming the first that fails."""
    op, args, const = graph.op, graph.args, graph.const
    vals = list(const)  # constants in place; leaves and primitives are written below
    raw: dict[int, float] = {}
    root = graph.root
    for n in range(graph.n_leaves):
        vals[root[n]] = pins.get(root[n], leaf_values[n])
    t = 0
    try:
        for t, code in enumerate(op):
            if code < 0:  # a leaf or a constant: already in place
                continue
            a = args[t]
            if code in INDEXED_CODES:
                v = VALUE[code](int(const[t]), *[vals[i] for i in a])
            else:
                v = VALUE[code](*[vals[i] for i in a])
            if v - v != 0.0:  # inf or nan: v - v is 0.0 for every finite float
                raise _domain_failure(graph, problem, t, vals, "the value overflows")
            if round_digits is not None and code in ROUNDED_CODES:
                raw[t] = v
                v = round_half_up(v, round_digits)
            vals[t] = pins.get(t, v)
    except DomainError as exc:
        raise _domain_failure(graph, problem, t, vals, str(exc)) from None
    except OverflowError:
        raise _domain_failure(graph, problem, t, vals, "the value overflows") from None
    return vals, raw


# --- local partials --------------------------------------------------------------------------------


class Kernels:
    """The partial-derivative kernels of one solve: the op table's, with the Config's
    replacements on the lines it names."""

    __slots__ = ("config", "replaced", "at", "textbook")

    def __init__(self, config: Config):
        self.config = config
        self.replaced = frozenset(CODES[name] for name in config.partials)
        self.at = config.at
        self.textbook = not self.replaced

    def get(self, code: int, i: int, n: int, node_name: str) -> Kernel:
        if code in self.replaced and (self.at is None or node_name in self.at):
            replaced = self.config.kernel(NAMES[code], i, n)
            if replaced is not None:
                return replaced
        return _TABLE_KERNELS[code][i] if n == _ARITY[code] else partial_kernel(lookup(NAMES[code]), i, n)


TEXTBOOK_KERNELS = Kernels(TEXTBOOK)


def _table_kernels(code: int) -> tuple[Kernel, ...]:
    p = lookup(NAMES[code])
    if p.variadic or not p.partials:
        return ()
    return tuple(partial_kernel(p, i, len(p.params)) for i in range(len(p.params)))


#: code -> the table's kernel of each argument, for a call with every argument (the usual case)
_TABLE_KERNELS: dict[int, tuple[Kernel, ...]] = _ByCode(_table_kernels)
_ARITY: list[int] = [-1 if lookup(n).variadic else len(lookup(n).params) for n in NAMES]


def _partial(graph: Graph, problem: Problem, kernels: Kernels, node: int, t: int, i: int,
             argvals: tuple[float, ...], out: float, vals: list[float]) -> float:
    """∂(tape entry t)/∂(its argument i): the kernel, or the table's word where it breaks down."""
    code = graph.op[t]
    kernel = kernels.get(code, i, len(argvals), graph.names[node])
    try:
        return kernel(*argvals, out)
    except (ArithmeticError, ValueError):
        try:
            return partial_at(lookup(NAMES[code]), i, kernel, argvals, out)
        except DomainError as exc:
            raise _domain_failure(graph, problem, t, vals, str(exc)) from None


def _local_partials_checked(graph: Graph, problem: Problem, node: int, vals: list[float],
                            round_digits: int | None, kernels: Kernels) -> list[float]:
    """A line's local partials one kernel at a time (_solve_at tries the generated reverse pass
    over the line's run of the tape first): any primitive, the Config's replacements, and a
    partial that breaks down named (or taken at its limit, as the table says)."""
    first, last = graph.start[node], graph.root[node]
    op, args = graph.op, graph.args
    found: dict[int, float] = dict.fromkeys(graph.uses[node], 0.0)
    adj = [0.0] * (last - first + 1)
    adj[-1] = 1.0
    node_of_root = graph.node_of_root
    for t in range(last, first - 1, -1):
        g = adj[t - first]
        code = op[t]
        if code == CONST or g == 0.0:
            continue
        a = args[t]
        if code in VECTOR_CODES:
            ds = _vector_partials(graph, node, t, vals, round_digits, kernels)
        else:
            argvals = tuple(vals[i] for i in a)
            out = vals[t]
            ds = tuple(0.0 if i >= first and op[i] == CONST else
                       _partial(graph, problem, kernels, node, t, k, argvals, out, vals)
                       for k, i in enumerate(a))
        for i, d in zip(a, ds):
            if i >= first:
                if op[i] != CONST:
                    adj[i - first] += g * d
            else:  # a name used twice: its contributions cancel as by hand (1/a − a/a² is 0)
                u = node_of_root[i]
                before, share = found[u], g * d
                found[u] = cancelled(before + share, before, share)
    return list(found.values())


def _vector_partials(graph: Graph, node: int, t: int, vals: list[float], round_digits: int | None,
                     kernels: Kernels) -> tuple[float, ...]:
    """∂out_k/∂x_j of a softmax component, from the layer's (possibly rounded) outputs."""
    a = graph.args[t]
    outs = softmax_vector([vals[i] for i in a])
    if round_digits is not None:
        outs = [round_half_up(o, round_digits) for o in outs]
    k = int(graph.const[t])
    name = graph.names[node]
    diagonal = kernels.get(graph.op[t], 0, len(a), name)
    off = kernels.get(graph.op[t], 1, len(a), name)
    return tuple(diagonal(outs[k], outs[k]) if j == k else off(outs[k], outs[j]) for j in range(len(a)))


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
          step: bool = False, graph: Graph | None = None, config: Config = TEXTBOOK,
          optimizer: Optimizer | None = None, states: dict[str, State] | None = None,
          backward: bool = True) -> Solution:
    """Forward and backward (and, with `step`, one update and the forward after it).  `config`
    makes the solve a variant of the textbook computation (engine/config.py).  The update is a
    step of `optimizer` (default: the file's `optimizer:`, else SGD; engine/optim.py), from
    `states` (param -> its optimiser state, updated in place; none given: a first step from
    zeros).  `backward=False` runs the forward pass alone (`bpcalc forward`: no derivative is
    needed, so none can fail)."""
    if step:
        problem.require_one_output("step")
    if config.lines:
        problem = _with_lines(problem, config.lines)
        graph = None
    inputs, params = problem.inputs, problem.params
    if inputs.keys().isdisjoint(params):  # problem.leaves without building the merged dict
        leaf_names: Iterable[str] = itertools.chain(inputs, params)
        leaf_values = [*inputs.values(), *params.values()]
    else:
        leaves = problem.leaves
        leaf_names, leaf_values = leaves, list(leaves.values())
    if graph is None:
        graph = _compiled(problem, leaf_names, len(leaf_values))
    round_digits = config.round if config.round is not None else round if round is not None else problem.round
    opt = optimizer if optimizer is not None else problem.optimizer or SGD
    rate = learning_rate(lr, problem.lr, opt)
    sol = _solve_at(problem, graph, leaf_values, round_digits, rate, config, backward=backward or step)
    if step:
        grad, index = sol._grad, graph.index
        assert grad is not None
        trainable = [p for p in problem.trainable if p not in config.frozen]
        sol.optimizer = opt
        sol.moves = {}
        for changed in (True, False):  # (Config.update_at: the update's change for some params only)
            chosen = [p for p in trainable if (config.update_at is None or p in config.update_at) == changed]
            if chosen:
                sol.moves.update(first_steps(opt, {p: params[p] for p in chosen},
                                             {p: grad[index[p]] for p in chosen}, rate, states,
                                             config.update if changed else None))
        sol.moves = {p: sol.moves[p] for p in trainable}
        updated: dict[str, float] = {}
        for p, move in sol.moves.items():
            updated[p] = leaf_values[index[p]] = move.new
            if move.new - move.new != 0.0:  # inf or nan: never printed, never written
                raise MathError(f"the update of '{p}' overflows: {p} − η·∂{problem.output}/∂{p} = "
                                f"{format_number(params[p])} − {format_number(rate)} × "
                                f"{format_number(grad[index[p]])}", problem.spans.get(p),
                                "use a smaller learning rate (--lr) or scale the inputs down")
        sol.updated = updated
        try:
            sol.after = _solve_at(problem, graph, leaf_values, round_digits, rate, config, backward=False)
        except MathError as err:
            raise MathError(f"after the update, {err.message}", err.span,
                            "the updated params make this value overflow; use a smaller learning rate (--lr)"
                            ) from None
    return sol


def solve_steps(problem: Problem, steps: int, *, round: int | None = None, lr: float | None = None,
                optimizer: Optimizer | None = None) -> list[Solution]:
    """`steps` updates (`step --steps N`), each solved from the params the one before reached,
    the optimiser's state (momentum's velocities, Adam's moments) carried from one to the next."""
    states: dict[str, State] = {}
    solutions = [solve(problem, round=round, lr=lr, step=True, optimizer=optimizer, states=states)]
    for _ in range(1, steps):
        done = solutions[-1]
        at = dataclasses.replace(problem, params={**problem.params, **(done.updated or {})})
        solutions.append(solve(at, round=round, lr=lr, step=True, optimizer=optimizer, states=states))
    return solutions


def _with_lines(problem: Problem, exprs: Mapping[str, Expr]) -> Problem:
    """The problem with some lines computed from other formulas (Config.lines)."""
    from ..expr.tree import to_text

    missing = [name for name in exprs if name not in {line.name for line in problem.lines}]
    if missing:
        raise KeyError(f"no line {missing[0]!r} to change")
    lines = [Line(line.name, exprs[line.name], to_text(exprs[line.name]), line.span) if line.name in exprs
             else line for line in problem.lines]
    return dataclasses.replace(problem, lines=lines)


def _solve_at(problem: Problem, graph: Graph, leaf_values: list[float], round_digits: int | None,
              rate: float, config: Config, backward: bool = True) -> Solution:
    index, root = graph.index, graph.root
    pins = {root[index[n]]: v for n, v in config.pins.items()} if config.pins else None
    vals, raw = forward(graph, problem, leaf_values, round_digits, pins)
    if not backward:
        return Solution(problem, graph, vals, raw, None, None, round_digits, rate, config)
    kernels = TEXTBOOK_KERNELS if config is TEXTBOOK else Kernels(config)
    n_nodes, n_leaves = len(graph.names), graph.n_leaves
    parts: list[list[float] | None] = [None] * n_nodes
    edges = _edge_rules(graph, config) if config is not TEXTBOOK else {}  # an unknown edge: KeyError first
    names = graph.names
    # each line's ∂line/∂u (for each u in graph.uses[node]): the generated reverse pass over every
    # line's own run of the tape, in one call; the checked kernels for a line where it stops (a
    # failure, which they name) or where the Config changes a kernel
    quick = line_partials(graph.codes) if kernels.textbook else None
    node = n_nodes - 1
    while node >= n_leaves:
        if quick is not None:
            node = quick(n_leaves, node, graph.start, graph.root, graph.op, graph.args, vals, graph.uses,
                         graph.node_of_root, parts)
            if node < n_leaves:
                break
        parts[node] = _local_partials_checked(graph, problem, node, vals, round_digits, kernels)
        node -= 1
    for node, rules in edges.items():
        ds = parts[node]
        assert ds is not None
        for j, rule in rules:
            ds[j] = rule(ds[j])
    grad_pins = {index[n]: v for n, v in config.gradient_pins.items()}
    grad = _grad_table(graph, parts, graph.output, grad_pins)
    for node, pinned in grad_pins.items():  # a leaf's gradient (a param's) uses nothing further
        if node < n_leaves:
            grad[node] = pinned
    _check_partials(graph, problem, parts, vals)
    _check_finite(grad, problem, names)
    solution = Solution(problem, graph, vals, raw, grad, parts, round_digits, rate, config)
    for other in problem.outputs[1:]:
        solution._by_output[other] = _check_finite(
            _grad_table(graph, parts, index[other], grad_pins), problem, names)
    return solution


def _grad_table(graph: Graph, parts: list[list[float] | None], seed: int,
                grad_pins: dict[int, float]) -> list[float]:
    """An output's backward pass over the local partials: grad[seed] = 1, then each line once,
    last to first, adding its gradient times each local partial to what it uses (the grad_table
    algorithm); a pinned line's gradient is the pin (a leaf's pin is set by the caller, for the
    first output only)."""
    grad = [0.0] * len(graph.names)
    grad[seed] = 1.0
    uses = graph.uses
    for node in range(len(grad) - 1, graph.n_leaves - 1, -1):
        if grad_pins and node in grad_pins:
            grad[node] = grad_pins[node]
        g = grad[node]
        if g != 0.0:
            ds = parts[node]
            assert ds is not None  # every line's partials are found before the chain rule runs
            for u, d in zip(uses[node], ds):
                grad[u] += g * d
    return grad


def _check_finite(grad: list[float], problem: Problem, names: list[str]) -> list[float]:
    total = sum(grad)
    if total - total != 0.0 and not all(map(math.isfinite, grad)):
        n = next(n for n, g in enumerate(grad) if not math.isfinite(g))
        raise MathError(
            f"the gradient of '{names[n]}' overflows",
            problem.spans.get(names[n]),
            "scale the inputs down; the derivatives are too large for a float",
        )
    return grad


def _check_partials(graph: Graph, problem: Problem, parts: list[list[float] | None], vals: list[float]) -> None:
    """Every local derivative is finite — also one on a branch whose gradient is 0, which no
    gradient shows but the worked solution and the JSON print."""
    total = sum(map(sum, filter(None, parts)))
    if total - total == 0.0:
        return
    for node, ds in enumerate(parts):
        for j, d in enumerate(ds or ()):
            if d - d != 0.0:
                name, used = graph.names[node], graph.names[graph.uses[node][j]]
                failure = _domain_failure(graph, problem, graph.root[node], vals,
                                          f"the local derivative ∂{name}/∂{used} "
                                          + ("overflows" if math.isinf(d) else "is undefined"))
                raise MathError(failure.message, failure.span,
                                "change the inputs or the formula so the derivative is finite")


def _forced(value: float, _: float) -> float:
    return value


def _edge_rules(graph: Graph, config: Config) -> dict[int, list[tuple[int, Callable[[float], float]]]]:
    """node -> [(position in graph.uses[node], what to make of the local derivative)]."""
    rules: dict[int, list[tuple[int, Callable[[float], float]]]] = {}

    def place(key: tuple[str, str], rule: Callable[[float], float]) -> None:
        line, used = key
        node = graph.index.get(line)
        u = graph.index.get(used)
        if node is None or u is None or u not in graph.uses[node]:
            raise KeyError(f"no edge from {used!r} into {line!r}")
        rules.setdefault(node, []).append((graph.uses[node].index(u), rule))

    for key, forced in config.edges.items():
        place(key, functools.partial(_forced, forced))
    for key, factor in config.edge_scales.items():
        place(key, functools.partial(operator.mul, factor))
    return rules


__all__ = ["Graph", "Kernels", "Solution", "compile_problem", "forward", "solve"]
