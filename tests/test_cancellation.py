"""A sum that cancels to round-off is zero, as on paper, so a kink is decided as by hand."""

import pytest

import bpcalc
from bpcalc.ops import CANCELLED, cancelled

DEAD_RELU = """\
inputs: {x1: 1, x2: 2, t: 1}
params: {w1: 0.5, w2: -0.3, b1: 0.1}
define:
  net: w1*x1 + w2*x2 + b1
  out: relu(net)
  loss: 0.5*(t - out)**2
"""


def test_relu_at_an_exact_decimal_zero_has_derivative_zero():
    # 0.5·1 − 0.3·2 + 0.1 is 0 by hand (floats alone give 2.8e-17, and relu′ would be 1)
    sol = bpcalc.solve(bpcalc.loads(DEAD_RELU))
    assert sol.values["net"] == 0.0 and sol.values["out"] == 0.0
    assert sol.local["out"] == [("net", 0.0)]
    assert sol.gradients["w1"] == 0.0 and sol.gradients["b1"] == 0.0


@pytest.mark.parametrize("expr", ["a + b - c", "c - b - a", "a - c + b", "-(a + b) + c"])
def test_decimal_sums_that_are_zero_come_out_zero(expr):
    text = f"inputs: {{a: 0.1, b: 0.2, c: 0.3}}\ndefine:\n  s: {expr}\n"
    assert bpcalc.solve(bpcalc.loads(text)).values["s"] == 0.0


@pytest.mark.parametrize("a, b, expected", [
    (1e-20, 1e-20, 2e-20),          # tiny operands: a real value, not round-off
    (1e-7, -2e-7, -1e-7),
    (1.0, -0.999999, 1.0 - 0.999999),  # a real difference far above round-off
    (3.0, 4.0, 7.0),
])
def test_real_values_are_kept(a, b, expected):
    assert cancelled(a + b, a, b) == expected


def test_only_round_off_is_cancelled():
    a = 0.6
    noise = a * CANCELLED
    assert cancelled(noise / 2, a, -a) == 0.0      # below 8 ulps of the operands: round-off
    assert cancelled(noise * 2, a, -a) == noise * 2  # above it: kept
