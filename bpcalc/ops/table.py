"""The op table: one record per primitive, holding everything bpcalc knows about it.

A record gives the primitive's value (a Python function with its domain checks, or for the
arithmetic operators a formula the engine inlines), and the partial derivative of its output with
respect to each argument as a *formula* over the arguments' names and `out` (the output, which
`--round` may have rounded, as the worked examples write σ′ = out(1 − out)).  Everything else is
derived from these formulas: the engine's numeric kernels (`kernels.py`), the symbolic derivatives
and so every printed formula (`symbolic.py`), the case notes at kinks, the network activations and
the functions an expression file may call.  A derivative is written here and nowhere else.

Conventions at kinks: relu′(0) = 0, leaky_relu′(0) = slope, abs′(0) = 0, elu′(0) = out + α, and
max/min pass the whole gradient to the first argument that attains the extreme (as PyTorch's max).

To add a primitive, add its record to TABLE (and its name to the README's lists).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple


class DomainError(ArithmeticError):
    """A primitive cannot be evaluated at these inputs; the engine names the node."""


# A sum within round-off of zero is zero, as on paper: 0.5 − 0.6 + 0.1 is 0, not 2.8e-17, which
# would decide relu′, abs′ or max′ at a kink the other way than a person working in decimals.
# "Within round-off" is 8 ulps of the larger operand; sums of 1e-6 or more are never touched.
CANCELLED = 8 * 2.0**-52
CANCEL_BELOW = 1e-6


def cancelled(s: float, a: float, b: float) -> float:
    """s = a ± b, or 0.0 when s is only the round-off left after a and b cancel."""
    if -CANCEL_BELOW < s < CANCEL_BELOW and s != 0.0 and abs(s) <= CANCELLED * max(abs(a), abs(b)):
        return 0.0
    return s


class Case(NamedTuple):
    """How a derivative-only function that picks a case is written and which case holds.

    `written` is (then, condition, otherwise) with `{0}`, `{1}` for the arguments, `{k}` for the
    argument the function asks about and `{max}`/`{min}` for the call over all of them; None
    writes the function by its name.  `holds(at, index, result)` says why the case that applies
    does, about argument `subject` (or the asked-about one when `subject` is None)."""

    written: tuple[str, str, str] | None
    holds: Callable[[tuple[float, ...], int, float], str]
    subject: int | None = 0


class Primitive(NamedTuple):
    """One primitive operation of the tape.

    params:    the arguments' names in the formulas (`a`, `b`; `x`, `slope`); for a variadic
               primitive the name of each argument is `x1`, `x2`, …
    partials:  ∂out/∂argument, one formula per argument, over `params` and `out` (none for the
               helpers, which are never differentiated).  A variadic
               primitive gives `each_partial` instead: ∂out/∂x_k is that helper over all the
               arguments, asking about argument k.  A vector primitive (softmax) gives the
               diagonal ∂out_k/∂x_k and the off-diagonal ∂out_k/∂x_j, with `other` = out_j.
    forward:   the value, raising DomainError outside the domain; or None when `formula` is
               the value (the arithmetic operators, inlined by the engine).
    """

    name: str
    params: tuple[str, ...]
    partials: tuple[str, ...] = ()
    forward: Callable[..., float] | None = None
    formula: str | None = None
    kind: str = "function"  # operator | function | helper (only in derivatives) | vector
    defaults: tuple[float, ...] = ()  # the values of trailing arguments a call may leave out
    variadic: bool = False  # any number of arguments, at least len(params)
    each_partial: str | None = None
    indexed: bool = False  # the value takes the component/argument index first: softmax, ismax
    rounds: bool = False  # `--round N` rounds the output: the value one reads off a calculator
    activation: bool = False  # usable as a layer's activation in a network file
    cancels: bool = False  # a sum within round-off of zero is zero (see `cancelled`)
    aliases: tuple[str, ...] = ()
    symbol: str | None = None  # how formulas name it: σ, ln
    latex: str | None = None  # \sigma, \ln; default \operatorname{name}
    case: Case | None = None
    # A partial whose formula cannot be evaluated at this point: (argument, arguments, out) ->
    # the value it takes there (a limit), or raise DomainError saying why it is undefined.
    singular: Callable[[int, tuple[float, ...], float], float] | None = None
    describe: str = ""

    @property
    def detached(self) -> bool:
        """No gradient flows through it (stop): every partial is 0, whatever its value does."""
        return bool(self.partials) and all(f == "0" for f in self.partials)

    @property
    def arity(self) -> tuple[int, int | None]:
        """(fewest, most or None for any number) arguments."""
        most = None if self.variadic else len(self.params)
        return (len(self.params) - len(self.defaults), most)


# --- values with their domain checks ----------------------------------------------------------------


def _pow(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise DomainError("0 raised to a negative power")
    if a < 0 and not float(b).is_integer():
        raise DomainError("a negative number raised to a fractional power")
    try:
        return math.pow(a, b)
    except OverflowError:
        raise DomainError("the power overflows") from None


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


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


def _elu(x: float, alpha: float = 1.0) -> float:
    return x if x > 0 else alpha * math.expm1(x)


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def softmax_vector(xs: tuple[float, ...] | list[float]) -> list[float]:
    top = max(xs)
    es = [math.exp(x - top) for x in xs]
    total = sum(es)
    return [e / total for e in es]


def _softmax(index: int, *xs: float) -> float:
    return softmax_vector(xs)[index]


def _ismax(index: int, *xs: float) -> float:
    return 1.0 if xs.index(max(xs)) == index else 0.0


def _ismin(index: int, *xs: float) -> float:
    return 1.0 if xs.index(min(xs)) == index else 0.0


# --- what a partial is where its formula breaks down -------------------------------------------------


def _pow_singular(i: int, args: tuple[float, ...], out: float) -> float:
    a, b = args
    if i == 0:
        if b == 0:  # a**0 is the constant 1
            return 0.0
        raise DomainError(f"the derivative of x**{b:g} at x = 0 is infinite")
    if a == 0 and b > 0:  # 0**b is 0 for every b > 0: out·ln(a) → 0
        return 0.0
    if a == 0:
        raise DomainError(f"the derivative of 0**b with respect to b is undefined at b = {b:g}")
    raise DomainError("the derivative of a negative base raised to a variable power is undefined")


def _sqrt_singular(i: int, args: tuple[float, ...], out: float) -> float:
    raise DomainError("the derivative of sqrt at 0 is infinite")


def _elu_singular(i: int, args: tuple[float, ...], out: float) -> float:
    return 0.0  # ∂elu/∂α = e^x − 1 only left of 0; e^x overflows only far right of it


# --- which case of a piecewise derivative holds -------------------------------------------------------


def _positive(at: tuple[float, ...], index: int, result: float) -> str:
    return "> 0" if at[0] > 0 else "≤ 0"


def _signed(at: tuple[float, ...], index: int, result: float) -> str:
    return "> 0" if at[0] > 0 else ("< 0" if at[0] < 0 else "= 0")


def _first_largest(at: tuple[float, ...], index: int, result: float) -> str:
    return "is the first largest argument" if result else "is not the first largest argument"


def _first_smallest(at: tuple[float, ...], index: int, result: float) -> str:
    return "is the first smallest argument" if result else "is not the first smallest argument"


# --- the table ------------------------------------------------------------------------------------------

TABLE: tuple[Primitive, ...] = (
    # Arithmetic operators, in the order the engine tests for them (the commonest first).
    Primitive("*", ("a", "b"), ("b", "a"), formula="a*b", kind="operator"),
    Primitive("+", ("a", "b"), ("1", "1"), formula="a + b", kind="operator", cancels=True),
    Primitive("-", ("a", "b"), ("1", "-1"), formula="a - b", kind="operator", cancels=True),
    Primitive("/", ("a", "b"), ("1/b", "-a/b**2"), formula="a/b", kind="operator"),
    Primitive("neg", ("a",), ("-1",), formula="-a", kind="operator"),
    Primitive("id", ("a",), ("1",), formula="a", kind="operator"),
    Primitive("**", ("a", "b"), ("b*a**(b - 1)", "out*log(a)"), _pow, kind="operator",
              singular=_pow_singular),
    # Functions an expression file may call.
    Primitive("sigmoid", ("x",), ("out*(1 - out)",), _sigmoid, rounds=True, activation=True,
              aliases=("logistic",), symbol="σ", latex=r"\sigma", describe="1/(1 + e^−x)"),
    Primitive("tanh", ("x",), ("1 - out**2",), math.tanh, rounds=True, activation=True, latex=r"\tanh",
              describe="hyperbolic tangent"),
    Primitive("relu", ("x",), ("step(x)",), lambda x: x if x > 0 else 0.0, rounds=True, activation=True,
              describe="max(x, 0); relu′(0) = 0"),
    Primitive("leaky_relu", ("x", "slope"), ("leaky_step(x, slope)", "min(x, 0)"),
              lambda x, slope=0.01: x if x > 0 else slope * x, defaults=(0.01,), rounds=True,
              activation=True, describe="x if x > 0 else slope·x (slope 0.01 unless given)"),
    Primitive("exp", ("x",), ("out",), _exp, rounds=True, latex=r"\exp"),
    Primitive("log", ("x",), ("1/x",), _log, rounds=True, aliases=("ln",), symbol="ln", latex=r"\ln",
              describe="natural logarithm"),
    Primitive("sqrt", ("x",), ("1/(2*out)",), _sqrt, rounds=True, singular=_sqrt_singular),
    Primitive("abs", ("x",), ("sign(x)",), abs, describe="|x|; abs′(0) = 0"),
    Primitive("sin", ("x",), ("cos(x)",), math.sin, rounds=True, latex=r"\sin"),
    Primitive("cos", ("x",), ("-sin(x)",), math.cos, rounds=True, latex=r"\cos"),
    Primitive("softplus", ("x",), ("sigmoid(x)",), _softplus, rounds=True, activation=True,
              describe="ln(1 + e^x)"),
    Primitive("elu", ("x", "alpha"), ("leaky_step(x, out + alpha)", "min(exp(x) - 1, 0)"), _elu,
              defaults=(1.0,), rounds=True, activation=True, singular=_elu_singular,
              describe="x if x > 0 else α(e^x − 1) (α = 1 unless given)"),
    Primitive("gelu", ("x",), ("Phi(x) + x*phi(x)",), lambda x: x * _normal_cdf(x), rounds=True,
              activation=True, latex=r"\operatorname{GELU}",
              describe="x·Φ(x), Φ the standard normal distribution function"),
    Primitive("silu", ("x",), ("sigmoid(x)*(1 + x*(1 - sigmoid(x)))",), lambda x: x * _sigmoid(x),
              rounds=True, activation=True, aliases=("swish",), describe="x·σ(x) (swish)"),
    Primitive("stop", ("x",), ("0",), lambda x: x, aliases=("detach", "stop_gradient"),
              latex=r"\operatorname{stop}",
              describe="x, through which no gradient flows (PyTorch's detach): stop′ = 0"),
    Primitive("max", ("x1", "x2"), forward=lambda *xs: max(xs), variadic=True, each_partial="ismax",
              latex=r"\max", describe="the largest argument"),
    Primitive("min", ("x1", "x2"), forward=lambda *xs: min(xs), variadic=True, each_partial="ismin",
              latex=r"\min", describe="the smallest argument"),
    # A network's softmax layer: component k of softmax(x1, …, xn).
    Primitive("softmax", ("x1", "x2"), ("out*(1 - out)", "-(out*other)"), _softmax, kind="vector",
              variadic=True, indexed=True, rounds=True, activation=True),
    # Functions that appear only in derivatives.
    Primitive("step", ("x",), (), lambda x: 1.0 if x > 0 else 0.0, kind="helper",
              case=Case(("1", "{0} > 0", "0"), _positive)),
    Primitive("leaky_step", ("x", "other"), (), lambda x, other: 1.0 if x > 0 else other,
              kind="helper", case=Case(("1", "{0} > 0", "{1}"), _positive)),
    Primitive("sign", ("x",), (), lambda x: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0), kind="helper",
              case=Case(None, _signed)),
    Primitive("ismax", ("x1", "x2"), forward=_ismax, kind="helper", variadic=True, indexed=True,
              case=Case(("1", "{k} = {max}", "0"), _first_largest, subject=None)),
    Primitive("ismin", ("x1", "x2"), forward=_ismin, kind="helper", variadic=True, indexed=True,
              case=Case(("1", "{k} = {min}", "0"), _first_smallest, subject=None)),
    Primitive("Phi", ("x",), ("phi(x)",), _normal_cdf, kind="helper", symbol="Φ", latex=r"\Phi",
              describe="the standard normal distribution function"),
    Primitive("phi", ("x",), ("-x*phi(x)",), _normal_pdf, kind="helper", symbol="φ", latex=r"\varphi",
              describe="the standard normal density"),
)

BY_NAME: dict[str, Primitive] = {p.name: p for p in TABLE}
