"""What a line's parse gives beside its tree: the census the budget and the checks read (each
operation counted, each name's first use found where the text has it), and values that keep what
IEEE arithmetic says (a zero's sign)."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpcalc
from bpcalc.errors import InputError
from bpcalc.expr.parser import parse, parse_line
from bpcalc.expr.tree import Name, Neg, Num, census
from bpcalc.ops import USER

#: a variable's name in the text: not part of a number (1e5), not a function's name (before "(")
VARIABLE = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")


def test_a_line_that_parsed_before_still_refuses_what_is_wrong():
    parse("a * b + c", USER)
    with pytest.raises(InputError, match="names starting with '__'"):
        parse("a * __b + c", USER)
    with pytest.raises(InputError, match="unknown function 'sigmod'"):
        parse("sigmod(a) + c", USER)
    parse("sigmoid(a) + c", USER)
    with pytest.raises(InputError, match="unknown function"):
        parse("sigmod(a) + c", USER)


def _formulas() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(["x", "w1", "bias", "e", "_t", "0", "2", "0.5", "3e2", "1e-9"])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", " - ", "*", " / ", "**", "^"]), inner).map(lambda t: "".join(t)),
        st.tuples(st.sampled_from(["sigmoid", "tanh", "-", "exp", "(", " ( "]), inner).map(
            lambda t: f"{t[0]}({t[1]})" if t[0].strip() != "(" else f"{t[0]}{t[1]})"),
        st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(lambda t: f"{t[0]}({t[1]},  {t[2]})"),
    ), max_leaves=10)


def _operations(e) -> int:  # written out: each operator once, a call once per argument
    if isinstance(e, (Name, Num)):
        return 0
    if isinstance(e, Neg):
        return 1 + _operations(e.x)
    if hasattr(e, "op"):
        return 1 + _operations(e.a) + _operations(e.b)
    return len(e.args) + sum(_operations(a) for a in e.args)


@settings(max_examples=200, deadline=None)
@given(_formulas())
def test_census_counts_operations_and_finds_each_names_first_use(src):
    e = parse(src, USER)
    # the first use of each name, in the order written: the variables found in the text
    written: dict[str, int] = {}
    for m in VARIABLE.finditer(src):
        written.setdefault(m.group(1), m.start())
    line = parse_line(src, USER)  # the parser's census, taken as it builds the tree
    for count, first in (census(e), (line.operations, line.first_uses)):
        assert count == _operations(e)
        assert first == written
        assert list(first) == list(written)  # in order


def test_a_zeros_sign_is_kept():
    """-0 and 0 are equal floats, but x * -0 is -0.0 (IEEE 754), in every line."""
    text = "inputs: {x: 2}\ndefine:\n" + "".join(f"  u{i}: x * 0\n" for i in range(3)) + "".join(
        f"  v{i}: x * -0\n" for i in range(3)) + "output: v2\n"
    values = bpcalc.solve(bpcalc.loads(text)).values
    assert all(math.copysign(1.0, values[f"u{i}"]) == 1.0 for i in range(3))
    assert all(math.copysign(1.0, values[f"v{i}"]) == -1.0 for i in range(3))


def test_a_line_given_another_formula_through_the_api_is_computed_as_written():
    text = "inputs: {x: 0.5}\nparams: {w: 0.7, b: 0.1}\ndefine:\n" + "".join(
        f"  v{i}: tanh({'x' if i == 1 else f'v{i - 1}'} * w + b)\n" for i in range(1, 6))
    problem = bpcalc.loads(text)
    last = problem.lines[-1]
    changed = dataclasses.replace(last, expr=parse("v4 * 2", USER), source="v4 * 2")
    sol = bpcalc.solve(dataclasses.replace(problem, lines=[*problem.lines[:-1], changed]))
    assert sol.values["v5"] == 2 * sol.values["v4"]
    assert sol.gradients["v4"] == 2.0
