"""The table of primitives: for each, the forward value and the local partial derivatives.

Kept apart from the engine (one entry per primitive, nothing else); a primitive missing here is a
KeyError naming it at compile time, never a silent wrong number.  Symbolic derivatives, the ones
printed as formulas, live in `symbolic.py` and are tested against these.

Conventions at kinks: relu'(0) = 0, leaky_relu'(0) = slope, abs'(0) = 0, and max/min pass the
whole gradient to the first argument that attains the extreme (as PyTorch's max does).
"""

from __future__ import annotations

import math


class DomainError(ArithmeticError):
    """A primitive cannot be evaluated at these inputs; the engine names the node."""


# A sum within round-off of zero is zero, as on paper: 0.5 − 0.6 + 0.1 is 0, not 2.8e-17, which
# would decide relu′, abs′ or max′ at a kink the other way than a person working in decimals.
# "Within round-off" is 8 ulps of the larger operand; sums of 1e-6 or more are never touched.
CANCELLED = 8 * 2.0**-52


def cancelled(s: float, a: float, b: float) -> float:
    """s = a ± b, or 0.0 when s is only the round-off left after a and b cancel."""
    if -1e-6 < s < 1e-6 and s != 0.0 and abs(s) <= CANCELLED * max(abs(a), abs(b)):
        return 0.0
    return s


def _add(a: float, b: float) -> float:
    return cancelled(a + b, a, b)


def _sub(a: float, b: float) -> float:
    return cancelled(a - b, a, b)


def _mul(a: float, b: float) -> float:
    return a * b


def _div(a: float, b: float) -> float:
    if b == 0:
        raise DomainError("division by zero")
    return a / b


def _pow(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise DomainError("0 raised to a negative power")
    if a < 0 and not float(b).is_integer():
        raise DomainError("a negative number raised to a fractional power")
    try:
        return math.pow(a, b)
    except OverflowError:
        raise DomainError("the power overflows") from None


def _neg(a: float) -> float:
    return -a


def _id(a: float) -> float:
    return a


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _tanh(z: float) -> float:
    return math.tanh(z)


def _relu(z: float) -> float:
    return z if z > 0 else 0.0


def _leaky_relu(z: float, slope: float = 0.01) -> float:
    return z if z > 0 else slope * z


def _exp(z: float) -> float:
    try:
        return math.exp(z)
    except OverflowError:
        raise DomainError("exp overflows (the argument is above 709.78)") from None


def _log(z: float) -> float:
    if z <= 0:
        raise DomainError("log of a number that is not positive")
    return math.log(z)


def _sqrt(z: float) -> float:
    if z < 0:
        raise DomainError("square root of a negative number")
    return math.sqrt(z)


def _softplus(z: float) -> float:
    return math.log1p(math.exp(-abs(z))) + (z if z > 0 else 0.0)


def _max(*xs: float) -> float:
    return max(xs)


def _min(*xs: float) -> float:
    return min(xs)


def softmax_vector(xs: tuple[float, ...] | list[float]) -> list[float]:
    top = max(xs)
    es = [math.exp(x - top) for x in xs]
    total = sum(es)
    return [e / total for e in es]


#: op name -> forward function of the argument values
FORWARD = {
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _div,
    "**": _pow,
    "neg": _neg,
    "id": _id,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "exp": _exp,
    "log": _log,
    "sqrt": _sqrt,
    "abs": abs,
    "sin": math.sin,
    "cos": math.cos,
    "softplus": _softplus,
    "max": _max,
    "min": _min,
}

#: integer codes for the tape: the engine compares ints, not strings, and inlines the arithmetic
#: codes below ARITHMETIC; every other primitive goes through FORWARD and `partials` by name.
ADD, SUB, MUL, DIV, NEG, ID = range(6)
ARITHMETIC = 6
NAMES: list[str] = ["+", "-", "*", "/", "neg", "id"] + [n for n in FORWARD if n not in
                                                        ("+", "-", "*", "/", "neg", "id")] + ["softmax"]
CODES: dict[str, int] = {name: code for code, name in enumerate(NAMES)}

#: the functions whose outputs `--round N` rounds: what one reads off a calculator
ROUNDED = frozenset(
    {"sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax", "exp", "log", "sqrt", "sin", "cos"}
)


def partials(op: str, args: tuple[float, ...], out: float) -> tuple[float, ...]:
    """∂out/∂arg for each argument, at these argument values and this (possibly rounded) output.

    The derivatives of sigmoid, tanh and exp are written in terms of the output, as the worked
    examples do: with `--round`, σ'(z) is out·(1 − out) of the rounded out.
    """
    if op == "+":
        return (1.0, 1.0)
    if op == "*":
        return (args[1], args[0])
    if op == "-":
        return (1.0, -1.0)
    if op == "/":
        a, b = args
        return (1.0 / b, -a / (b * b))
    if op == "**":
        a, b = args
        d_a = b * _pow(a, b - 1) if b != 0 else 0.0
        if a > 0:
            d_b = out * math.log(a)
        elif a == 0 and b > 0:
            d_b = 0.0
        else:
            d_b = math.nan  # only used when the exponent is not a constant (the engine checks)
        return (d_a, d_b)
    if op == "neg":
        return (-1.0,)
    if op == "id":
        return (1.0,)
    if op == "sigmoid":
        return (out * (1.0 - out),)
    if op == "tanh":
        return (1.0 - out * out,)
    if op == "relu":
        return (1.0 if args[0] > 0 else 0.0,)
    if op == "leaky_relu":
        slope = args[1] if len(args) > 1 else 0.01
        if args[0] > 0:
            return (1.0, 0.0)[: len(args)]
        return (slope, args[0])[: len(args)]
    if op == "exp":
        return (out,)
    if op == "log":
        return (1.0 / args[0],)
    if op == "sqrt":
        if out == 0:
            raise DomainError("the derivative of sqrt at 0 is infinite")
        return (0.5 / out,)
    if op == "abs":
        z = args[0]
        return (1.0 if z > 0 else (-1.0 if z < 0 else 0.0),)
    if op == "sin":
        return (math.cos(args[0]),)
    if op == "cos":
        return (-math.sin(args[0]),)
    if op == "softplus":
        return (_sigmoid(args[0]),)
    if op in ("max", "min"):
        k = args.index(out) if out in args else 0
        return tuple(1.0 if i == k else 0.0 for i in range(len(args)))
    raise KeyError(f"no derivative for primitive {op!r}")


def softmax_partials(index: int, args: tuple[float, ...], outs: list[float]) -> tuple[float, ...]:
    """∂out_k/∂net_j = out_k(δ_kj − out_j), from the (possibly rounded) outputs of the layer."""
    ok = outs[index]
    return tuple(ok * ((1.0 if j == index else 0.0) - outs[j]) for j in range(len(args)))
