"""`explain`: everything about one gradient on one screen, and the slides' proportional error split.

    explain(solution, name)   every path from the output to the name, each a product of named
                              factors, and their sum; for a network's param the same gradient in
                              the δ form (∂E/∂w = δ_j · input, with each δ written out) and as
                              the blog's factored derivation.  Past the path cap, the δ form alone.
    split(solution)           per hidden neuron, the slides' picture — each neuron's error shared
                              out in proportion to the weights, Loss_j = Σ_l w_jl/(Σ_k w_kl)·Loss_l
                              — beside the true ∂E/∂out_j = Σ_l w_jl·δ_l and δ_j = φ′(net_j)·∂E/∂out_j.

Every number is the engine's; the shares are the slides' arithmetic on the engine's weights and δs.
"""

from __future__ import annotations

from ..engine import Solution
from ..errors import InputError, did_you_mean, printable
from .builder import build
from .data import result_of
from .delta import require_layers, weights_of
from .steps import (
    ChainRule,
    DeltaBackward,
    DeltaForm,
    ErrorSplit,
    Factored,
    Share,
    SplitNeuron,
    Step,
    Trace,
)


def explain(solution: Solution, name: str, *, max_paths: int = 16, delta_sign: int = 1) -> Trace:
    problem = solution.problem
    problem.require_one_output("explain")
    names = [*problem.leaves, *(line.name for line in problem.lines)]
    if name not in names:
        raise InputError(f"no name '{printable(name)}' in {printable(problem.file)}", None,
                         did_you_mean(name, names) or "names: " + ", ".join(names[:30]))
    if name == problem.output:
        raise InputError(f"'{name}' is the output: its gradient is 1, with no path to explain", None,
                         "name a param, an input or a line the output is computed from")
    paths = build(solution, "grad", only=[name], max_paths=max_paths)
    chain = next(s for s in paths.steps if isinstance(s, ChainRule))
    if not chain.entries:
        raise InputError(f"'{name}' does not reach the output {problem.output}: its gradient is 0, with no path",
                         None, "name a param, an input or a line the output is computed from")
    made: list[Step] = [chain]
    capped = isinstance(chain.entries[0], DeltaForm)
    if problem.kind == "network" and problem.layer_of and name in problem.params:
        delta = build(solution, "grad", notation="delta", delta_sign=delta_sign)
        backward = next(s for s in delta.steps if isinstance(s, DeltaBackward))
        factored = next(s for s in delta.steps if isinstance(s, Factored))
        made.append(_only_param(backward, name))
        if not capped:
            made.append(factored._replace(per_param=tuple(p for p in factored.per_param if p[0] == name)))
    return Trace("explain", problem.output, problem.file, tuple(made), result_of(solution, "grad"))


def _only_param(step: DeltaBackward, param: str) -> DeltaBackward:
    """The δ form of one param's gradient: its row, and the δs it needs — those of the neurons it
    feeds and, for a hidden one, of every neuron after it."""
    weights = tuple(w for w in step.weights if w.param == param)
    wanted = {u.neuron for w in weights for u in w.uses}
    by_neuron = {d.neuron: d for _, ds in step.layers for d in ds}
    stack = list(wanted)
    while stack:
        d = by_neuron.get(stack.pop())
        for u in d.upstream if d else ():
            if u.neuron not in wanted:
                wanted.add(u.neuron)
                stack.append(u.neuron)
    layers = tuple((layer, tuple(d for d in ds if d.neuron in wanted)) for layer, ds in step.layers)
    return step._replace(layers=tuple((layer, ds) for layer, ds in layers if ds), weights=weights)


def split(solution: Solution) -> Trace:
    """The slides' proportional split of the error over a network's hidden neurons, beside the
    true back-propagated gradient."""
    problem = solution.problem
    require_layers(problem, "split")
    if problem.samples > 1:
        raise InputError("--split pictures one sample's error: this file has several samples", None,
                         "keep one sample (`sample:`) to see the split")
    delta = build(solution, "grad", notation="delta")
    backward = next(s for s in delta.steps if isinstance(s, DeltaBackward))
    lines = {line.name: line for line in problem.lines}
    values = solution.values
    # each neuron's error in the picture: an output neuron's δ, a hidden one's share of the errors after it
    error: dict[str, float] = {}
    outputs: list[tuple[str, str, float]] = []
    hidden: list[tuple[str, tuple[SplitNeuron, ...]]] = []
    for layer, deltas in backward.layers:  # output layer first
        neurons = []
        for d in deltas:
            if not d.upstream:
                error[d.neuron] = d.value
                outputs.append((d.neuron, d.net, d.value))
                continue
            if d.derivative is None:
                continue
            shares = []
            for u in d.upstream:
                weights = tuple((w, values[w]) for w, x in weights_of(lines[u.net].expr).items() if x is not None)
                total = sum(x for _, x in weights)
                shares.append(Share(u.neuron, u.net, u.weight, u.w, weights, total,
                                    error.get(u.neuron, u.delta), u.delta))
            picture = sum(s.w / s.total * s.error if s.total else float("nan") for s in shares)
            error[d.neuron] = picture
            neurons.append(SplitNeuron(d.neuron, d.out, d.net, tuple(shares), picture,
                                       solution.gradients[d.out], d.derivative.value, d.value))
        if neurons:
            hidden.append((layer, tuple(neurons)))
    if not hidden:
        raise InputError("the network has no hidden layer: there is no error to share out", None,
                         "--split pictures how the output error is shared over hidden neurons")
    step = ErrorSplit(problem.output, tuple(outputs), tuple(hidden))
    return Trace("explain", problem.output, problem.file, (step,), result_of(solution, "grad"))
