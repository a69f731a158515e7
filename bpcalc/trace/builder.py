"""Building the trace: the one place a worked solution is made from an engine `Solution`.

`build(solution, command)` gives the steps of docs/output-formats.md (trace/steps.py) and the solution as data.
Every value and gradient comes from the Solution.  The trace adds only what is needed to print
them: the symbolic formulas (from `symbolic.derivative`), the same formulas with numbers
substituted, and, for the chain rule, the product of each path's factors (a sum of those
products is the engine's gradient).  Renderers format a Trace and compute nothing.

Cost is linear in the graph: consumers, path counts and the `--only` closure are single passes
in topological order, and chain-rule paths are enumerated only when their count (found first by
dynamic programming) is small.
"""

from __future__ import annotations

import math

from ..engine import Solution
from ..errors import InputError, did_you_mean
from ..expr.tree import Bin, Expr, Name, Num, substitute_names
from ..ops.formulas import user_formula
from ..ops.losses import SHORTCUT
from ..problem import Line
from ..symbolic import evaluate
from .data import Locals, data_trace, jacobian_of, result_of, stepped, substitute
from .delta import delta_steps, require_layers
from .matrix import matrix_steps
from .steps import (
    Backward,
    Brief,
    ChainRule,
    Computed,
    DeltaForm,
    Forward,
    Given,
    Iteration,
    JacobianMatrix,
    Leaf,
    Loss,
    LossAfter,
    NodeGradient,
    Path,
    PathSum,
    Seed,
    Shortcut,
    Step,
    Summary,
    Term,
    Trace,
    Update,
    UpdateStep,
)

#: how many factors, over all of one name's paths, the chain-rule step writes out (× max_paths)
FACTORS_PER_PATH_ALLOWED = 8


# --- formulas with numbers ----------------------------------------------------------------------------


# --- building the trace --------------------------------------------------------------------------------


def worked(solution: Solution) -> str:
    """What a solution holds, as the command that shows it all: `step` when it took a step, `grad`
    when it went backward, else `forward`."""
    if solution.updated is not None:
        return "step"
    return "grad" if solution.gradients else "forward"


def build(solution: Solution, command: str | None = None, *, only: list[str] | None = None,
          max_paths: int = 16, steps: bool = True, notation: str = "paths", delta_sign: int = 1,
          every_gradient: bool = False, brief: bool = False) -> Trace:
    """The trace of what the solution holds (`worked`), or of `command` (forward, grad or step:
    less than it holds, as `grad` shows a solution that also stepped).  With `steps=False`, the
    solution as data alone (what `--format json` prints): no steps, and local derivatives without
    their numbers.  `notation` "delta" writes a network's backward pass in δ form (δ_j =
    `delta_sign`·∂E/∂net_j) and the chain rule as the blog's factored derivation.  The gradients
    of what nothing updates (inputs, targets, frozen params) are written with `every_gradient`
    (--all) or when `only` asks for them; `brief`: the values, gradients and updates as tables."""
    if command is None:
        command = worked(solution)
    if not steps:
        return data_trace(solution, command)
    if len(solution.outputs) > 1:
        return _several_outputs(solution, command, only, max_paths)
    if brief:
        return _brief(solution, command, only)
    problem = solution.problem
    if notation != "paths":
        require_layers(problem, notation)
    output = problem.output
    lines = problem.lines
    leaves = problem.leaves
    all_names = list(leaves) + [line.name for line in lines]
    if only:
        for name in only:
            if name not in solution.values:
                raise InputError(f"--only: no name '{name}' in {problem.file}",
                                 hint=did_you_mean(name, all_names) or "names: " + ", ".join(all_names))

    uses = {line.name: [u for u, _ in solution.local.get(line.name, ())] for line in lines}
    # consumers[u]: the lines that use u, in line order, with ∂line/∂u
    consumers: dict[str, list[str]] = {}
    for line in lines:
        for u, _ in solution.local.get(line.name, ()):
            consumers.setdefault(u, []).append(line.name)

    paths, factors = _path_counts(solution, output, live=False)
    reaching = {u: [c for c in cs if paths.get(c, 0) > 0] for u, cs in consumers.items()}
    live_paths, live_factors = _path_counts(solution, output, live=True)

    shown_backward: set[str] | None = None
    shown_forward: set[str] | None = None
    given: set[str] | None = None
    if only:
        # Every number shown is derived or given (docs/commands.md, --only): the backward pass
        # from the output down to the names; every line the shown lines use, back to the
        # leaves — the loss's line included, so the forward pass is whole wherever the loss
        # uses all of it; and the leaves those lines use, under Given.
        shown_backward = _descendants(lines, solution, only)
        shown_forward = _ancestors(solution, [*only, *shown_backward, output])
        given = shown_forward & set(leaves)

    made: list[Step] = []
    roles = dict.fromkeys(problem.inputs, "input")
    roles.update({n: ("frozen" if n in problem.frozen else "param") for n in problem.params})
    updating = command == "step" and bool(problem.trainable)
    convention = (problem.loss_kind, problem.reduction, problem.samples) if problem.loss_kind else None
    made.append(Given(
        tuple(Leaf(n, v, roles[n]) for n, v in leaves.items() if given is None or n in given),
        solution.lr if updating else None, solution.round, convention,
        delta_sign if notation == "delta" else None))

    computed = {}
    for line in lines:
        if shown_forward is not None and line.name not in shown_forward and line.name != output:
            continue
        unrounded = solution.unrounded.get(line.name)
        computed[line.name] = Computed(line.name, line.expr, _numbers(line.expr, solution),
                                       solution.values[line.name], unrounded,
                                       solution.round if unrounded is not None else None)
    matrices = matrix_steps(solution) if notation == "matrix" else None
    made.append(matrices[0] if matrices else Forward(tuple(c for n, c in computed.items() if n != output)))
    made.append(Loss(computed[output], is_loss=problem.kind == "network" or bool(problem.params)))

    if command == "forward":
        return Trace(command, output, problem.file, tuple(made), result_of(solution, command))

    locals_ = Locals(solution)
    gradients: dict[str, NodeGradient] = {}

    def node_gradient(name: str) -> NodeGradient:
        if name not in gradients:
            terms = tuple(Term(c, solution.gradients[c], locals_.get(c, name)) for c in reaching.get(name, ()))
            gradients[name] = NodeGradient(name, solution.gradients[name], terms, _shortcut(solution, name))
        return gradients[name]

    # Reverse topological order, each node once: by the longest way from the output (a node comes
    # after every node that uses it), ties in the file's order (o1 before o2, w5 before w6).  The
    # gradients of what is given — inputs, targets, frozen params — come last, in a block.
    # (a graph without params asks for its inputs' gradients: they stay in the main block)
    fixed = set(problem.inputs) | problem.frozen if problem.params else set()
    ranked = backward_order(solution)
    entries: list[Seed | NodeGradient] = []
    given_block: list[NodeGradient] = []
    left_out = 0  # the given names' gradients not written (--all writes them)
    for name in ranked:
        if shown_backward is not None and name not in shown_backward:
            continue
        if name == output:
            entries.append(Seed(name))
        elif name in fixed:
            if every_gradient or only:
                given_block.append(node_gradient(name))
            else:
                left_out += 1
        else:
            entries.append(node_gradient(name))
    zeroed = None
    if solution.round is not None and problem.trainable and not only and all(
            solution.gradients[p] == 0.0 for p in problem.trainable):
        zeroed = solution.round
    if notation == "delta":
        every = {name: node_gradient(name) for name in all_names if name != output}
        deltas, factored = delta_steps(solution, locals_, every, delta_sign)
        made += [deltas, factored]
    elif matrices:
        made.append(matrices[1])
    else:
        made.append(Backward(output, tuple(entries), tuple(given_block), zeroed, left_out))

    if only:
        targets, per = [n for n in only if n != output], "name"
    elif problem.params:  # a frozen param's gradient is left out above unless --all: its paths too
        targets = [p for p in problem.params if every_gradient or p not in problem.frozen]
        per = "parameter"
    else:
        targets, per = list(leaves), "leaf"
    limit = max_paths * FACTORS_PER_PATH_ALLOWED
    chain: list[PathSum | DeltaForm] = []
    for target in targets:
        count, length = paths.get(target, 0), factors.get(target, 0)
        if count == 0:
            continue
        live, live_length = live_paths.get(target, 0), live_factors.get(target, 0)
        if live <= max_paths and live_length <= limit:
            chain.append(_path_sum(target, output, reaching, locals_.value, solution.gradients[target],
                                   count - live, lines, uses))
        else:
            chain.append(DeltaForm(target, count, length, max_paths, node_gradient(target)))
    if notation == "paths":
        made.append(ChainRule(output, tuple(chain), per))

    if command == "step" and solution.updated is not None:
        made.append(update_step(solution, only))
        if solution.loss_after is not None and problem.trainable:
            updated = tuple(solution.updated)
            shown = tuple(n for n in updated if n in only) if only else None
            made.append(LossAfter(output, solution.loss_after, updated, shown if shown != updated else None))
    return Trace(command, output, problem.file, tuple(made), result_of(solution, command, locals_.every()))





def _path_counts(solution: Solution, output: str, live: bool) -> tuple[dict[str, int], dict[str, int]]:
    """paths[u]: how many paths lead from the output down to u; factors[u]: their total length.
    `live`: only the paths without a factor that is exactly 0 (those are left out)."""
    paths: dict[str, int] = {output: 1}
    factors: dict[str, int] = {output: 0}
    for line in reversed(solution.problem.lines):
        p = paths.get(line.name, 0)
        if p == 0:
            continue
        f = factors[line.name]
        for u, d in solution.local.get(line.name, ()):
            if d != 0.0 or not live:
                paths[u] = paths.get(u, 0) + p
                factors[u] = factors.get(u, 0) + f + p
    return paths, factors

def update_step(solution: Solution, only: list[str] | None = None) -> UpdateStep:
    """The update of a solve that took a step: each param's move, every value on the way."""
    problem = solution.problem
    opt = solution.optimizer
    assert opt is not None
    moves = solution.moves or {}
    t = max((m.t for m in moves.values()), default=1)
    updates = tuple(Update(n, m.old, m.gradient, m.new,
                           tuple((k, v) for k, v in m.values.items() if k != "theta"), tuple(m.before.items()))
                    for n, m in moves.items() if not only or n in only)
    nothing = None if moves else ("all frozen" if problem.params else "no params")
    return UpdateStep(problem.output, solution.lr, opt.kind, tuple(opt.settings.items()), t, updates, nothing)


def backward_order(solution: Solution) -> list[str]:
    """Every name, in the order the backward pass visits them: by the longest way from the output
    (a node after every node that uses it), ties in the file's order; what does not reach the
    output last."""
    problem = solution.problem
    names = [*problem.leaves, *(line.name for line in problem.lines)]
    order = {name: i for i, name in enumerate(names)}
    depth: dict[str, int] = {problem.output: 0}
    for line in reversed(problem.lines):
        above = depth.get(line.name)
        if above is None:
            continue
        for u, _ in solution.local.get(line.name, ()):
            depth[u] = max(depth.get(u, 0), above + 1)
    return sorted(names, key=lambda n: (depth.get(n, len(names)), order[n]))


def iterations(traces: list[Trace], solutions: list[Solution]) -> Trace:
    """Several worked steps as one trace: each iteration's steps after its heading, then a table of
    the params and the loss before each iteration and after the last.  As data, the run: the
    first iteration's loss and gradients, the last one's `updated` and `loss_after` (what `-o`
    writes), and every iteration's own record (`Result.iterations`)."""
    first, last = solutions[0], solutions[-1]
    params = tuple(first.problem.trainable)
    rows = [(k, tuple(s.problem.params[p] for p in params), s.loss) for k, s in enumerate(solutions, 1)]
    assert last.updated is not None and last.loss_after is not None
    rows.append((len(solutions) + 1, tuple(last.updated[p] for p in params), last.loss_after))
    made: list[Step] = []
    for k, trace in enumerate(traces, 1):
        before = solutions[k - 2] if k > 1 else None
        changed = tuple(n for n, v in (before.updated or {}).items()
                        if v != before.problem.params.get(n)) if before is not None else ()
        made.append(Iteration(k, len(traces), changed))
        made.extend(trace.steps)
    made.append(Summary(first.output, params, tuple(rows)))
    result = traces[0].result._replace(updated=traces[-1].result.updated, loss_after=traces[-1].result.loss_after,
                                       iterations=tuple(stepped(k, s) for k, s in enumerate(solutions, 1)))
    return Trace("step", first.output, first.problem.file, tuple(made), result)


# --- --brief: the numbers as tables -------------------------------------------------------------


def _brief(solution: Solution, command: str, only: list[str] | None) -> Trace:
    """Given, then tables: every line's value (the loss last), the params' gradients, and with a
    step each update and the loss after it — the numbers of the worked solution without their
    working, for a reader who checks answers (with `only`: those names' rows)."""
    problem = solution.problem
    output = problem.output

    def shown(name: str) -> bool:
        return not only or name in only

    roles = dict.fromkeys(problem.inputs, "input")
    roles.update({n: ("frozen" if n in problem.frozen else "param") for n in problem.params})
    updating = command == "step" and solution.updated is not None and bool(problem.trainable)
    convention = (problem.loss_kind, problem.reduction, problem.samples) if problem.loss_kind else None
    given = Given(tuple(Leaf(n, v, roles[n]) for n, v in problem.leaves.items()),
                  solution.lr if updating else None, solution.round, convention)
    values = tuple((line.name, solution.values[line.name]) for line in problem.lines
                   if shown(line.name) or line.name == output)
    gradients: tuple[tuple[str, float], ...] = ()
    if command != "forward" and solution.gradients:
        wrt = [n for n in problem.params if n not in problem.frozen] or list(problem.leaves)
        if only:
            wrt = [n for n in only if n in solution.gradients and n != output]
        gradients = tuple((n, solution.gradients[n]) for n in wrt)
    updates: tuple[tuple[str, float, float], ...] = ()
    loss_after = None
    if updating:
        assert solution.updated is not None
        updates = tuple((n, problem.params[n], v) for n, v in solution.updated.items() if shown(n))
        loss_after = solution.loss_after
    made: list[Step] = [given, Brief(output, values, gradients, updates, loss_after)]
    return Trace(command, output, problem.file, tuple(made), result_of(solution, command))


# --- several outputs: the forward pass, a backward pass from each output, the Jacobian ------------


def _several_outputs(solution: Solution, command: str, only: list[str] | None, max_paths: int) -> Trace:
    """`output: [o1, o2]`: each output's backward pass is the trace of the same solve seen from
    that output alone (so every entry of the Jacobian is written as the sum over the nodes that
    use the name, ∂o/∂x = Σ_j ∂o/∂y_j · ∂y_j/∂x), then the matrix of the leaves' entries."""
    if command == "step":
        solution.problem.require_one_output(command)
    traces = [build(solution.for_output(o), command, only=only, max_paths=max_paths) for o in solution.outputs]
    first = traces[0]
    computed: dict[str, Computed] = {}
    for trace in traces:
        for step in trace.steps:
            if isinstance(step, Forward):
                computed.update((c.name, c) for c in step.lines)
            elif isinstance(step, Loss):
                computed[step.line.name] = step.line
    problem = solution.problem
    made: list[Step] = [s for s in first.steps if isinstance(s, Given)]
    made.append(Forward(tuple(computed[line.name] for line in problem.lines if line.name in computed)))
    if command != "forward":
        leaves = problem.leaves
        for trace in traces:
            for step in trace.steps:
                if isinstance(step, Backward):  # lines that do not lead to this output are left out
                    made.append(step._replace(entries=tuple(
                        e for e in step.entries
                        if not isinstance(e, NodeGradient) or e.terms or e.name in leaves)))
        values = tuple(solution.values[o] for o in solution.outputs)
        jacobian = jacobian_of(solution)
        chosen = tuple(c for c in jacobian.columns if c in (only or ()))
        made.append(JacobianMatrix(jacobian._replace(columns=chosen) if chosen else jacobian, values))
    return Trace(command, solution.output, problem.file, tuple(made),
                 result_of(solution, command, first.result.locals))


def _shortcut(solution: Solution, name: str) -> Shortcut | None:
    # with --round the outputs no longer sum exactly as the identity assumes: the sum alone is shown
    identity = solution.problem.identities.get(name)
    if identity is None or solution.round is not None:
        return None
    out, target, scale, what = identity
    formula = substitute_names(user_formula(SHORTCUT), {"out": Name(out), "t": Name(target)})
    if scale != 1.0:
        formula = Bin("/", formula, Num(float(round(1.0 / scale))))
    values = solution.values
    return Shortcut(out, target, scale, what, formula, _numbers(formula, solution),
                    evaluate(formula, values))


def _numbers(e: Expr, solution: Solution) -> Expr:
    try:
        return substitute(e, solution.values, solution.round)
    except RecursionError:
        return e


def _path_sum(target: str, output: str, reaching: dict[str, list[str]],
              local: dict[tuple[str, str], float], gradient: float, left_out: int,
              lines: list[Line], uses: dict[str, list[str]]) -> PathSum:
    """Every path from the output down to `target` without a zero factor, and the edges whose
    local derivative of 0 cut the others."""
    found: list[Path] = []
    stack: list[tuple[str, tuple[str, ...]]] = [(target, (target,))]
    while stack:
        node, suffix = stack.pop()
        if node == output:
            nodes = tuple(reversed(suffix))
            fs = tuple(local[(nodes[i], nodes[i + 1])] for i in range(len(nodes) - 1))
            found.append(Path(nodes, fs, math.prod(fs)))
            continue
        for c in reversed(reaching.get(node, ())):
            if local[(c, node)] != 0.0:
                stack.append((c, suffix + (c,)))
    zeros: list[tuple[str, str]] = []
    if left_out:
        above = {target}  # the names from which the target is reached
        for line in lines:
            if any(u in above for u in uses.get(line.name, ())):
                above.add(line.name)
        zeros = [(c, u) for u in above for c in reaching.get(u, ()) if local[(c, u)] == 0.0]
        zeros.sort(key=lambda e: (e[0], e[1]))
    return PathSum(target, tuple(found), gradient, left_out, tuple(zeros))


def _ancestors(solution: Solution, names: list[str]) -> set[str]:
    """The names themselves and every name they are computed from."""
    graph = solution.graph
    seen = set(names)
    stack = list(names)
    while stack:
        node = graph.index[stack.pop()]
        for u in graph.uses[node]:
            name = graph.names[u]
            if name not in seen:
                seen.add(name)
                stack.append(name)
    return seen


def _descendants(lines: list[Line], solution: Solution, names: list[str]) -> set[str]:
    """The names themselves and every line computed from them: the way from them to the output."""
    seen = set(names)
    for line in lines:
        if any(u in seen for u, _ in solution.local.get(line.name, ())):
            seen.add(line.name)
    return seen
