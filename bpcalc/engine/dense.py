"""The dense engine: a network file's layers as matrices, forward and backward batched over the
samples with numpy — for training, where the scalar engine's named nodes are not printed.

The layers come from the network file's lowering (`Problem.network`): each weight matrix is a
grid of param names, so a param named twice (a shared bias, a weight tied across layers) is one
entry of the parameter vector θ and its gradient is the sum over its places.  Every derivative
comes from the op table, as in the scalar engine: an activation's partial is the table's formula,
compiled by `ops.kernels` with the whole-array forms of the table's functions below; softmax's
Jacobian is built from the table's diagonal and off-diagonal formulas; the loss's derivative with
respect to each output is the symbolic derivative (`symbolic.derivative`) of the very loss
expression the scalar graph uses, compiled the same way.  numpy is imported with this module, and
this module only when a dense computation is asked for.

    dense = Dense(problem)
    loss, grad = dense.gradient(dense.theta)          # grad[i] = ∂loss/∂(problem's i-th param)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError, MathError
from ..expr.tree import Expr, Name, names_in, substitute_names, to_text
from ..ops import lookup
from ..ops.formulas import partial
from ..ops.kernels import Kernel, formula_kernel
from ..ops.table import Primitive
from ..problem import Layer, Network, Problem
from ..symbolic import derivative

Array = Any  # numpy.ndarray (numpy has no precise array type that mypy strict accepts cheaply)


# --- the op table's functions on whole arrays ---------------------------------------------------------
#
# The same functions as the table's scalar value functions (tests/test_dense.py checks each
# against them over a range of points); a primitive without an entry here is the table's own
# scalar function applied element by element, so a new primitive works here too, only slower.


def _sigmoid(z: Array) -> Array:
    # 1/(1 + e^−z) for every z: where e^−z overflows the value is 0, as it should be
    return 1.0 / (1.0 + np.exp(-z))


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _erfc(x: Array) -> Array:
    return np.asarray(_ERFC(x), dtype=float)


def _normal_cdf(x: Array) -> Array:
    return 0.5 * _erfc(-x / math.sqrt(2.0))


def _normal_pdf(x: Array) -> Array:
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _min(*xs: Array) -> Array:
    out = xs[0]
    for x in xs[1:]:
        out = np.minimum(out, x)
    return out


def _max(*xs: Array) -> Array:
    out = xs[0]
    for x in xs[1:]:
        out = np.maximum(out, x)
    return out


ARRAY_VALUES: dict[str, Callable[..., Array]] = {
    "**": np.power,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x, slope=0.01: np.where(x > 0, x, slope * x),
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sin": np.sin,
    "cos": np.cos,
    "softplus": lambda z: np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0),
    "elu": lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))),
    "gelu": lambda x: x * _normal_cdf(x),
    "silu": lambda x: x * _sigmoid(x),
    "max": _max,
    "min": _min,
    "step": lambda x: np.greater(x, 0.0).astype(float),  # 1 if x > 0 else 0, as in the table (0 at 0 and nan)
    "leaky_step": lambda x, other: np.where(x > 0, 1.0, other),
    "sign": np.sign,
    "Phi": _normal_cdf,
    "phi": _normal_pdf,
}


def array_value(p: Primitive) -> Callable[..., Array]:
    """A primitive's value on whole arrays: the form above, or the table's scalar function
    applied element by element."""
    made = ARRAY_VALUES.get(p.name)
    if made is not None:
        return made
    if p.forward is None or p.indexed:
        raise KeyError(f"no array form of primitive {p.name!r}")
    return np.vectorize(p.forward, otypes=[float])


@cache
def _array_kernel(formula: Expr, names: tuple[str, ...]) -> Kernel:
    return formula_kernel(formula, names, values=array_value)


def softmax_rows(z: Array) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- one layer -------------------------------------------------------------------------------------------


class _Place:
    """Where a grid of param names sits in θ: a slice when the names are consecutive params
    (the usual case: a view, no copy), else an index array (gathered, gradients summed back)."""

    __slots__ = ("shape", "start", "stop", "index", "size")

    def __init__(self, names: list[list[str]], index: dict[str, int], size: int):
        flat = [index[n] for row in names for n in row]
        self.shape = (len(names), len(names[0]))
        self.size = size
        first = flat[0]
        if flat == list(range(first, first + len(flat))):
            self.start, self.stop, self.index = first, first + len(flat), None
        else:
            self.start = self.stop = 0
            self.index = np.array(flat, dtype=np.intp)

    def take(self, theta: Array) -> Array:
        if self.index is None:
            return theta[self.start:self.stop].reshape(self.shape)
        return theta[self.index].reshape(self.shape)

    def add(self, grad: Array, values: Array) -> None:
        if self.index is None:
            grad[self.start:self.stop] += values.reshape(-1)
        else:
            grad += np.bincount(self.index, weights=values.reshape(-1), minlength=self.size)


class _Layer:
    """A layer's parameters in θ and its activation with its derivative from the op table."""

    def __init__(self, layer: Layer, index: dict[str, int], size: int):
        self.weights = _Place([list(row) for row in layer.weights], index, size)
        self.biases = _Place([list(layer.biases)], index, size) if layer.biases is not None else None
        self.linear = layer.activation == "linear"
        self.softmax = False
        self.extra: tuple[float, ...] = ()
        if self.linear:
            return
        p = lookup(layer.activation)
        if p.kind == "vector":
            self.softmax = True
            n = len(layer.neurons)
            self.diagonal = _array_kernel(partial(p, 0, n), ("out", "other"))
            self.off = _array_kernel(partial(p, 1, n), ("out", "other"))
            return
        value = array_value(p)
        if layer.parameter is not None and layer.parameter != p.defaults[-1]:
            self.extra = (layer.parameter,)
        n = 1 + len(self.extra)
        self.value = value
        self.derivative = _array_kernel(partial(p, 0, n), (*p.params[:n], "out"))

    def forward(self, a: Array, theta: Array) -> tuple[Array, Array]:
        z = a @ self.weights.take(theta).T
        if self.biases is not None:
            z += self.biases.take(theta)
        if self.linear:
            return z, z
        if self.softmax:
            return z, softmax_rows(z)
        return z, self.value(z, *self.extra)

    def slope(self, z: Array, out: Array) -> Array:
        """∂out/∂z: for an element-wise activation φ′(z) per entry (same shape as z); for softmax
        each sample's Jacobian, [s, k, j] = ∂out_k/∂z_j."""
        if self.linear:
            return np.ones_like(z)
        if self.softmax:
            jac: Array = self.off(out[:, :, None], out[:, None, :])
            k = np.arange(out.shape[1])
            jac[:, k, k] = self.diagonal(out, out)
            return jac
        return _shaped(self.derivative(z, *self.extra, out), z.shape)

    def back(self, dout: Array, z: Array, out: Array) -> Array:
        """∂loss/∂z from ∂loss/∂out: the activation's partials from the table."""
        if self.linear:
            return dout
        if self.softmax:  # ∂out_k/∂z_j: the off-diagonal formula, the diagonal one on k = j
            jac: Array = self.off(out[:, :, None], out[:, None, :])
            k = np.arange(out.shape[1])
            jac[:, k, k] = self.diagonal(out, out)
            return np.einsum("sk,skj->sj", dout, jac)
        return dout * self.derivative(z, *self.extra, out)


# --- the loss ---------------------------------------------------------------------------------------------


class _Loss:
    """One sample's loss and its derivative with respect to each output, on rows of samples:
    the network's loss expression and its symbolic derivatives, compiled for arrays."""

    def __init__(self, net: Network):
        # the file's names become placeholders (x1 … x2n): generated source holds no user text
        n = self.n = len(net.outputs)
        outs = [f"x{k + 1}" for k in range(n)]
        targets = [f"x{n + k + 1}" for k in range(n)]
        names = (*outs, *targets)
        loss = substitute_names(net.loss, {old: Name(new) for old, new in zip((*net.outputs, *net.targets), names)})
        self.value = _array_kernel(loss, names)
        formulas = [derivative(loss, out) for out in outs]
        self.columns = [_array_kernel(f, names) for f in formulas]
        # the same formula for every output, with its own output and target: one kernel on the matrices
        templates = [substitute_names(f, {o: Name("out"), t: Name("t")}) for f, o, t in zip(formulas, outs, targets)]
        self.whole: Kernel | None = None
        if len({to_text(f) for f in templates}) == 1 and set(names_in(templates[0])) <= {"out", "t"}:
            self.whole = _array_kernel(templates[0], ("out", "t"))

    def losses(self, out: Array, t: Array) -> Array:
        """Each sample's loss."""
        cols = [out[:, k] for k in range(self.n)] + [t[:, k] for k in range(self.n)]
        return _shaped(self.value(*cols), (out.shape[0],))

    def gradient(self, out: Array, t: Array) -> Array:
        """∂(one sample's loss)/∂out, for each sample and output."""
        if self.whole is not None:
            return _shaped(self.whole(out, t), out.shape)
        cols = [out[:, k] for k in range(self.n)] + [t[:, k] for k in range(self.n)]
        return np.stack([_shaped(k(*cols), (out.shape[0],)) for k in self.columns], axis=1)


def _shaped(values: Array, shape: tuple[int, ...]) -> Array:
    """A kernel's result as an array of `shape` (a formula that is a constant gives a number)."""
    if getattr(values, "shape", None) == shape:
        return values
    return np.broadcast_to(values, shape).copy()


# --- the engine ----------------------------------------------------------------------------------------------


class Pass(NamedTuple):
    """One forward and backward pass over some samples: the loss (the file's reduction over
    them), ∂loss/∂θ, and per layer the pre-activations z, outputs and their gradients."""

    loss: float
    gradient: Array
    z: list[Array]
    out: list[Array]
    dz: list[Array]
    dout: list[Array]


class Dense:
    """A network problem as matrices.  θ is the problem's params in their order."""

    def __init__(self, problem: Problem):
        net = problem.network
        if net is None:
            raise InputError(f"{problem.file} is not a network file; the dense engine needs layers")
        self.problem = problem
        self.names = list(problem.params)
        index = {n: i for i, n in enumerate(self.names)}
        self.theta = np.array([problem.params[n] for n in self.names], dtype=float)
        self.layers = [_Layer(layer, index, len(self.names)) for layer in net.layers]
        self.loss_fn = _Loss(net)
        self.x = np.array(net.samples, dtype=float)
        self.t = np.array(net.sample_targets, dtype=float)
        self.mean = net.reduction == "mean"
        self.trainable = np.array([n not in problem.frozen for n in self.names])
        # the usual case: every layer's weights then biases, one after another, are all of θ, each
        # param once: the gradient is their gradients laid end to end
        pieces = [place for layer in self.layers for place in (layer.weights, layer.biases) if place is not None]
        ends = [(place.start, place.stop) for place in pieces if place.index is None]
        self.tiled = len(ends) == len(pieces) and ends[0][0] == 0 and ends[-1][1] == len(self.names) and all(
            a[1] == b[0] for a, b in zip(ends, ends[1:]))

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    def rows(self, batch: Array | None) -> tuple[Array, Array]:
        return (self.x, self.t) if batch is None else (self.x[batch], self.t[batch])

    def loss(self, theta: Array, batch: Array | None = None) -> float:
        """The loss at θ over the samples (all, or the rows in `batch`)."""
        x, t = self.rows(batch)
        a = x
        with np.errstate(all="ignore"):
            for layer in self.layers:
                a = layer.forward(a, theta)[1]
            return self._reduce(self.loss_fn.losses(a, t))

    def outputs(self, theta: Array) -> Array:
        """The output layer's values at θ, a row per sample."""
        a = self.x
        with np.errstate(all="ignore"):
            for layer in self.layers:
                a = layer.forward(a, theta)[1]
        return a

    def _reduce(self, losses: Array) -> float:
        total = float(losses.sum())
        return total / losses.shape[0] if self.mean else total

    def gradient(self, theta: Array, batch: Array | None = None) -> tuple[float, Array]:
        """(loss, ∂loss/∂θ) at θ over the samples (all, or the rows in `batch`)."""
        with np.errstate(all="ignore"):
            loss, grad = self.fast_gradient(theta, batch)
        _check(loss)
        return loss, grad

    def fast_gradient(self, theta: Array, batch: Array | None = None, with_loss: bool = True) -> tuple[float, Array]:
        """gradient() for a training loop: no checks, run inside np.errstate by the caller; the
        loss is nan unless `with_loss` (a step between the loss curve's points needs none)."""
        return self._pass(theta, batch, with_loss, None)

    def run(self, theta: Array, batch: Array | None = None) -> Pass:
        """One pass with every layer's values and gradients kept (the matrix notation shows them)."""
        kept: tuple[list[Array], list[Array], list[Array], list[Array]] = ([], [], [], [])
        with np.errstate(all="ignore"):
            loss, grad = self._pass(theta, batch, True, kept)
        _check(loss)
        return Pass(loss, grad, *kept)

    def _pass(self, theta: Array, batch: Array | None, with_loss: bool,
              kept: tuple[list[Array], list[Array], list[Array], list[Array]] | None) -> tuple[float, Array]:
        """The one forward and backward pass: (loss, ∂loss/∂θ); with `kept`, each layer's z, out,
        ∂loss/∂z and ∂loss/∂out appended to its four lists, first layer first."""
        x, t = (self.x, self.t) if batch is None else (self.x[batch], self.t[batch])
        zs = []
        outs = [x]
        a = x
        for layer in self.layers:
            z, a = layer.forward(a, theta)
            zs.append(z)
            outs.append(a)
        loss_fn = self.loss_fn
        loss = float(loss_fn.losses(a, t).sum()) if with_loss else math.nan
        dout = loss_fn.gradient(a, t)
        if self.mean:
            loss /= x.shape[0]
            dout = dout * (1.0 / x.shape[0])
        layers = self.layers
        # tiled: each layer's gradients are written straight into their place in ∂loss/∂θ
        tiled = self.tiled
        grad = np.empty_like(theta) if tiled else np.zeros_like(theta)
        dzs, douts = [], []
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            dz = layer.back(dout, zs[i], outs[i + 1])
            if kept is not None:
                dzs.append(dz)
                douts.append(dout)
            w, b = layer.weights, layer.biases
            if tiled:
                np.matmul(dz.T, outs[i], out=grad[w.start:w.stop].reshape(w.shape))
                if b is not None:
                    np.add.reduce(dz, axis=0, out=grad[b.start:b.stop])
            else:
                w.add(grad, dz.T @ outs[i])
                if b is not None:
                    b.add(grad, np.add.reduce(dz, axis=0))
            if i:
                dout = dz @ w.take(theta)
        if kept is not None:
            kept[0].extend(zs)
            kept[1].extend(outs[1:])
            kept[2].extend(reversed(dzs))
            kept[3].extend(reversed(douts))
        return loss, grad


def _check(loss: float) -> None:
    if not math.isfinite(loss):
        raise MathError("the loss is not finite: a value overflowed or left its domain",
                        None, "lower the learning rate, or scale the inputs down")


__all__ = ["ARRAY_VALUES", "Dense", "Pass", "array_value", "softmax_rows"]
