"""The δ form of a layered network's backward pass (Rumelhart, Mitchell) and the blog's
factored derivation, read off a solved network: every number is the engine's.

    δ_j = ∂E/∂net_j;   output neuron: δ_j = ∂E/∂out_j · φ′(net_j)
                       hidden neuron: δ_j = φ′(net_j) · Σ_l w_jl δ_l
    ∂E/∂w_ij = δ_j · out_i  (summed over every neuron, and sample, the param feeds)

With the sign convention δ_j = −∂E/∂net_j (`sign = -1`) every δ flips and ∂E/∂w_ij = −δ_j·out_i;
no gradient changes.
"""

from __future__ import annotations

from ..engine import Solution
from ..errors import InputError
from ..expr.tree import Bin, Expr, Name
from ..problem import Problem
from .data import Locals
from .steps import Delta, DeltaBackward, Factored, FactoredUse, NodeGradient, WeightedDelta, WeightGradient, WeightUse


def require_layers(problem: Problem, notation: str) -> None:
    if problem.kind != "network" or not problem.layer_of:
        raise InputError(f"--notation {notation} needs a network file: its layers and neurons are what the "
                         f"{notation} form is written in", None,
                         "an expression file has lines, not layers: use --notation paths (the default), or "
                         "write the problem as a network file (bpcalc examples show blog_2_2_2)")


def weights_of(expr: Expr) -> dict[str, str | None]:
    """A net line's params and the input each multiplies (None for a bias): w1*i1 + w2*i2 + b1."""
    out: dict[str, str | None] = {}
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Bin) and e.op == "+":
            stack.extend((e.b, e.a))
        elif isinstance(e, Bin) and e.op == "*" and isinstance(e.a, Name) and isinstance(e.b, Name):
            out[e.a.id] = e.b.id
        elif isinstance(e, Name):
            out[e.id] = None
    return out


def neuron_of(net: str) -> str:
    """net_h1 → h1, z_o[2] → o[2]."""
    return net.split("_", 1)[1]


def delta_steps(solution: Solution, locals_: Locals, node_gradient: dict[str, NodeGradient],
                sign: int) -> tuple[DeltaBackward, Factored]:
    problem = solution.problem
    grads, values = solution.gradients, solution.values
    lines = {line.name: line for line in problem.lines}
    roles, layer_of = problem.roles, problem.layer_of
    nets = [line.name for line in problem.lines if roles.get(line.name) == "net"]
    out_of = {}  # net_j -> out_j: the out line whose expression uses net_j alone (or softmax's own)
    for line in problem.lines:
        if roles.get(line.name) == "out":
            net = next((u for u, _ in solution.local.get(line.name, ()) if roles.get(u) == "net"
                        and line.name.split("_", 1)[1] == u.split("_", 1)[1]), None)
            if net is not None:
                out_of[net] = line.name
    consumers: dict[str, list[str]] = {}
    for line in problem.lines:
        for u, _ in solution.local.get(line.name, ()):
            consumers.setdefault(u, []).append(line.name)
    uses = {net: weights_of(lines[net].expr) for net in nets}
    local = {(of, wrt): d for of, parts in solution.local.items() for wrt, d in parts}

    def delta(net: str) -> float:
        return sign * grads[net]

    by_layer: dict[int, list[Delta]] = {}
    for net in nets:
        out = out_of[net]
        feeds = [c for c in consumers.get(out, ()) if roles.get(c) == "net"]
        softmax = [c for c in consumers.get(net, ()) if roles.get(c) == "out"] != [out]
        if softmax:
            d = Delta(neuron_of(net), net, out, delta(net), None, None, 0.0, (), node_gradient[net])
        elif feeds:  # a hidden neuron: φ′(net_j) · Σ_l w_jl δ_l
            upstream = tuple(WeightedDelta(c, neuron_of(c), _weight_for(uses[c], out), local[(c, out)], delta(c))
                             for c in feeds)
            d = Delta(neuron_of(net), net, out, delta(net), locals_.get(out, net), None, grads[out], upstream)
        else:  # an output neuron: ∂E/∂out_j · φ′(net_j)
            direct = [c for c in consumers.get(out, ()) if c == solution.output]
            loss_grad = locals_.get(solution.output, out) if direct else None
            d = Delta(neuron_of(net), net, out, delta(net), locals_.get(out, net), loss_grad, grads[out], ())
        by_layer.setdefault(layer_of[net], []).append(d)
    layers = tuple((_layer_name(ds), tuple(ds)) for _, ds in sorted(by_layer.items(), reverse=True))

    weights: list[WeightGradient] = []
    factored: list[tuple[str, tuple[FactoredUse, ...], float]] = []
    for param in problem.params:
        fed = [net for net in nets if param in uses[net]]
        if not fed:
            continue
        weight_uses = []
        factored_uses = []
        for net in fed:
            x = uses[net][param]
            xv = values[x] if x is not None else 1.0
            weight_uses.append(WeightUse(neuron_of(net), x, xv, delta(net)))
            out = out_of[net]
            d_param = local[(net, param)]
            if [c for c in consumers.get(net, ()) if roles.get(c) == "out"] != [out]:  # softmax: ∂E/∂net_j whole
                factored_uses.append(FactoredUse(net, "", grads[net], 1.0, d_param, grads[net] * d_param, ()))
                continue
            spread = tuple(WeightedDelta(c, neuron_of(c), _weight_for(uses[c], out), local[(c, out)], grads[c])
                           for c in consumers.get(out, ()) if roles.get(c) == "net")
            phi = local[(out, net)]
            factored_uses.append(FactoredUse(net, out, grads[out], phi, d_param, grads[out] * phi * d_param,
                                             spread))
        weights.append(WeightGradient(param, tuple(weight_uses), grads[param]))
        factored.append((param, tuple(factored_uses), grads[param]))
    return (DeltaBackward(solution.output, sign, layers, tuple(weights)),
            Factored(solution.output, tuple(factored)))


def _weight_for(uses: dict[str, str | None], out: str) -> str:
    return next((w for w, x in uses.items() if x == out), "w")


def _layer_name(deltas: list[Delta]) -> str:
    """The layer's name, as the network file gave it: o for o1, o2; h for h."""
    first = deltas[0].neuron.split("[")[0]
    return first.rstrip("0123456789") or first


__all__ = ["delta_steps", "require_layers"]
