"""The matrix form of a network's passes (Nielsen's BP1–BP4; Goodfellow's Algorithm 6.4), read
off the dense engine's numpy computation of the layers for one sample:

    z^l = W^l a^(l−1) + b^l,   a^l = φ(z^l)                          (a^0 = x, the inputs)
    BP1  δ^L = ∇_a C ⊙ φ′(z^L)             (softmax: δ^L = (J^L)ᵀ ∇_a C, J = ∂a/∂z)
    BP2  δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ φ′(z^l)
    BP3  ∂C/∂b^l = δ^l
    BP4  ∂C/∂W^l = δ^l (a^(l−1))ᵀ

W^l[j][k] is the weight from input k to neuron j (the network file's `weights` rows).  A param
named in several places (a bias shared by a layer) has as gradient the sum of its entries.
"""

from __future__ import annotations

from ..engine import Solution
from ..errors import InputError
from .steps import MatrixBackward, MatrixForward, MatrixLayer, SharedParam


def matrix_steps(solution: Solution) -> tuple[MatrixForward, MatrixBackward]:
    problem = solution.problem
    net = problem.network
    if net is None or not problem.layer_of:
        raise InputError("--notation matrix needs a network file: its layers are the matrices", None,
                         "an expression file has lines, not layers: use --notation paths (the default), or write "
                         "the problem as a network file (bpcalc examples show blog_2_2_2)")
    if len(net.samples) != 1:
        raise InputError(f"--notation matrix writes one sample's vectors, and this file has {len(net.samples)} "
                         "samples", None, "keep one sample (`sample:`), or use --notation delta or paths")
    if solution.round is not None:
        raise InputError("--notation matrix computes the layers exactly, and --round rounds as it goes", None,
                         "leave out --round (or `round:`), or use --notation paths or delta")
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
    places: dict[str, int] = {}
    for layer in net.layers:
        for name in [n for row in layer.weights for n in row] + list(layer.biases or ()):
            places[name] = places.get(name, 0) + 1
    shared = tuple(SharedParam(name, count, solution.gradients[name]) for name, count in places.items() if count > 1)
    return (MatrixForward(tuple(layers)),
            MatrixBackward(problem.output, tuple(layers), shared))


def _vector(x: object) -> tuple[float, ...]:
    return tuple(float(v) for v in x)  # type: ignore[attr-defined]


def _matrix(x: object) -> tuple[tuple[float, ...], ...]:
    return tuple(_vector(row) for row in x)  # type: ignore[attr-defined]
