"""The matrix form of a network's passes (Nielsen's BP1–BP4; Goodfellow's Algorithm 6.4), read
off the dense engine's numpy computation of the layers for one sample:

    z^l = W^l a^(l−1) + b^l,   a^l = φ(z^l)                          (a^0 = x, the inputs)
    BP1  δ^L = ∇_a C ⊙ φ′(z^L)             (softmax: δ^L = (J^L)ᵀ ∇_a C, J = ∂a/∂z)
    BP2  δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ φ′(z^l)
    BP3  ∂C/∂b^l = δ^l
    BP4  ∂C/∂W^l = δ^l (a^(l−1))ᵀ

W^l[j][k] is the weight from input k to neuron j (the network file's `weights` rows).  A param
named in several places (a bias shared by a layer) has as gradient the sum of its entries.

A file of n samples is worked as one batch, a row per sample (the form of a mini-batch):

    Z^l = A^(l−1) (W^l)ᵀ + 1 (b^l)ᵀ,   A^l = φ(Z^l)                  (A^0 = X, n × inputs)
    BP1  Δ^L = ∇_A E_s ⊙ φ′(Z^L)           (softmax: row s is (∇_a E_s)ᵀ J_s)
    BP2  Δ^l = (Δ^(l+1) W^(l+1)) ⊙ φ′(Z^l)
    BP3  ∂E/∂b^l = c (Δ^l)ᵀ 1
    BP4  ∂E/∂W^l = c (Δ^l)ᵀ A^(l−1)

Row s of Δ^l is sample s's own δ^l = ∂E_s/∂z^l (E_s its loss, the file's E[s]), so each row is
what the one-sample form writes for that sample alone; the loss over the samples is their mean
(c = 1/n) or their sum (c = 1), as the file's `reduction` says, and c enters BP3 and BP4 only.
"""

from __future__ import annotations

from typing import Any

from ..engine import Solution
from ..errors import InputError
from .data import substitute
from .steps import (
    BatchBackward,
    BatchForward,
    BatchLayer,
    Computed,
    Matrix,
    MatrixBackward,
    MatrixForward,
    MatrixLayer,
    SharedParam,
)


def matrix_steps(solution: Solution) -> tuple[MatrixForward | BatchForward, MatrixBackward | BatchBackward]:
    problem = solution.problem
    net = problem.network
    if net is None or not problem.layer_of:
        raise InputError("--notation matrix needs a network file: its layers are the matrices", None,
                         "an expression file has lines, not layers: use --notation paths (the default), or write "
                         "the problem as a network file (bpcalc examples show blog_2_2_2)")
    if solution.round is not None:
        raise InputError("--notation matrix computes the layers exactly, and --round rounds as it goes", None,
                         "leave out --round (or `round:`), or use --notation paths or delta")
    if len(net.samples) != 1:
        return _batch_steps(solution)
    import numpy as np

    from ..engine.dense import Dense

    dense = Dense(problem)
    theta = np.array([problem.params[n] for n in dense.names], dtype=float)
    run = dense.run(theta)
    lines_by_layer: dict[int, dict[str, list[str]]] = {}
    for line in problem.lines:
        role = problem.roles.get(line.name)
        if role in ("net", "out") and line.name in problem.layer_of:
            lines_by_layer.setdefault(problem.layer_of[line.name], {}).setdefault(role, []).append(line.name)
    layers: list[MatrixLayer] = []
    inputs, a_in = tuple(net.inputs), tuple(float(x) for x in net.samples[0])
    for i, (layer, engine_layer) in enumerate(zip(net.layers, dense.layers)):
        z, a = run.z[i][0], run.out[i][0]
        slope = engine_layer.slope(run.z[i], run.out[i])[0]
        softmax = engine_layer.softmax
        names = lines_by_layer.get(i, {})
        w = tuple(tuple(problem.params[n] for n in row) for row in layer.weights)
        b = tuple(problem.params[n] for n in layer.biases) if layer.biases is not None else None
        delta = run.dz[i][0]
        layers.append(MatrixLayer(
            layer.name, layer.activation, tuple(names.get("net", ())), tuple(names.get("out", ())),
            layer.weights, w, layer.biases, b, inputs, a_in,
            _vector(z), _vector(a),
            None if softmax else _vector(slope), _matrix(slope) if softmax else None,
            _vector(run.dout[i][0]), _vector(delta),
            tuple(tuple(float(d * x) for x in a_in) for d in delta),
            _vector(delta) if layer.biases is not None else None))
        inputs, a_in = tuple(names.get("out", ())), _vector(a)
    return (MatrixForward(tuple(layers)),
            MatrixBackward(problem.output, tuple(layers), _shared(solution)))


def _shared(solution: Solution) -> tuple[SharedParam, ...]:
    """The params named in several entries of the matrices, each with its gradient (their sum)."""
    places: dict[str, int] = {}
    for layer in solution.problem.network.layers if solution.problem.network else ():
        for name in [n for row in layer.weights for n in row] + list(layer.biases or ()):
            places[name] = places.get(name, 0) + 1
    return tuple(SharedParam(name, count, solution.gradients[name]) for name, count in places.items() if count > 1)


def _batch_steps(solution: Solution) -> tuple[BatchForward, BatchBackward]:
    """The n samples at once, a row each: the forward pass from the dense engine's layers, then
    Δ^L from each sample's own loss and BP2 row by row — no 1/n in Δ — and the gradients of the
    file's loss over the samples as c·Δᵀ A_in and c·Δᵀ 1 (c = 1/n for the mean)."""
    problem = solution.problem
    net = problem.network
    assert net is not None
    import numpy as np

    from ..engine.dense import Dense

    dense = Dense(problem)
    theta = np.array([problem.params[n] for n in dense.names], dtype=float)
    n = dense.n_samples
    scale = 1.0 / n if net.reduction == "mean" else 1.0
    # the scalar graph's names, sample by sample: a layer's lines come in the file's order, each
    # sample's after the one before
    named: dict[tuple[int, str], list[str]] = {}
    losses: list[str] = []
    for line in problem.lines:
        role = problem.roles.get(line.name)
        if role in ("net", "out") and line.name in problem.layer_of:
            named.setdefault((problem.layer_of[line.name], role), []).append(line.name)
        elif role == "loss" and line.name != problem.output:
            losses.append(line.name)

    def per_sample(i: int, role: str, size: int) -> tuple[tuple[str, ...], ...]:
        names = named.get((i, role), [])
        return tuple(tuple(names[s * size:(s + 1) * size]) for s in range(n))

    x, t = dense.x, dense.t
    with np.errstate(all="ignore"):
        zs, outs = [], [x]
        for engine_layer in dense.layers:
            z, a = engine_layer.forward(outs[-1], theta)
            zs.append(z)
            outs.append(a)
        # Δ^L from each sample's own loss, then BP2 down the layers
        dout = dense.loss_fn.gradient(outs[-1], t)
        douts: list[Any] = [None] * len(dense.layers)
        deltas: list[Any] = [None] * len(dense.layers)
        for i in range(len(dense.layers) - 1, -1, -1):
            engine_layer = dense.layers[i]
            douts[i] = dout
            deltas[i] = delta = engine_layer.back(dout, zs[i], outs[i + 1])
            dout = delta @ engine_layer.weights.take(theta)
    layers: list[BatchLayer] = []
    inputs = tuple(tuple(f"{name}[{s + 1}]" for name in net.inputs) for s in range(n))
    for i, (layer, engine_layer) in enumerate(zip(net.layers, dense.layers)):
        size = len(layer.weights)
        z, a, a_in, delta = zs[i], outs[i + 1], outs[i], deltas[i]
        slope = engine_layer.slope(z, a)
        softmax = engine_layer.softmax
        w = tuple(tuple(problem.params[name] for name in row) for row in layer.weights)
        b = tuple(problem.params[name] for name in layer.biases) if layer.biases is not None else None
        grad_w = scale * (delta.T @ a_in)
        grad_b = scale * delta.sum(axis=0)
        layers.append(BatchLayer(
            layer.name, layer.activation, per_sample(i, "net", size), per_sample(i, "out", size),
            layer.weights, w, layer.biases, b, inputs, _matrix(a_in), _matrix(z), _matrix(a),
            None if softmax else _matrix(slope), tuple(_matrix(j) for j in slope) if softmax else None,
            _matrix(douts[i]), _matrix(delta), _matrix(grad_w),
            _vector(grad_b) if layer.biases is not None else None))
        inputs = per_sample(i, "out", size)
    targets = tuple(tuple(f"{name}[{s + 1}]" for name in net.targets) for s in range(n))
    lines = {line.name: line for line in problem.lines}
    computed = tuple(Computed(name, lines[name].expr, substitute(lines[name].expr, solution.values),
                              solution.values[name], None) for name in losses)
    return (BatchForward(tuple(layers), targets, _matrix(t), computed),
            BatchBackward(problem.output, tuple(losses), net.reduction, tuple(layers), _shared(solution)))


def _vector(x: object) -> tuple[float, ...]:
    return tuple(float(v) for v in x)  # type: ignore[attr-defined]


def _matrix(x: object) -> Matrix:
    return tuple(_vector(row) for row in x)  # type: ignore[attr-defined]
