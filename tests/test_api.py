"""The Python API as the README shows it: load, loads, solve, trace."""

from pathlib import Path

import pytest

import bpcalc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_readme_api_walkthrough():
    problem = bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml"))
    solution = bpcalc.solve(problem, round=2, lr=0.5, step=True)
    assert solution.values["y_o"] == 0.59
    assert solution.gradients["w_o"] == pytest.approx(-0.02895543, abs=1e-15)
    # ∂y_o/∂z_o = y_o(1 − y_o) = 0.59 × 0.41 (the slides' 0.2419)
    assert solution.local["y_o"] == [("z_o", pytest.approx(0.2419, abs=1e-15))]
    assert solution.updated["w_o"] == pytest.approx(0.314477715, abs=1e-15)
    assert solution.loss_after is not None


def test_loads_names_the_source_in_errors():
    with pytest.raises(bpcalc.InputError) as err:
        bpcalc.loads("inputs: {x: 1}\ndefine:\n  y: sigmod(x)\n", name="hw.yaml")
    assert err.value.span.file == "hw.yaml" and err.value.span.line == 3
    assert "sigmoid" in (err.value.hint or "")


def test_trace_holds_the_steps_of_each_command():
    problem = bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml"))
    solution = bpcalc.solve(problem, round=2, step=True)
    kinds = [type(s).__name__ for s in bpcalc.trace_of(solution, "step").steps]
    assert kinds == ["Given", "Forward", "Loss", "Backward", "ChainRule", "UpdateStep", "LossAfter"]
    kinds = [type(s).__name__ for s in bpcalc.trace_of(solution, "grad").steps]
    assert kinds == ["Given", "Forward", "Loss", "Backward", "ChainRule"]


def test_a_trace_without_a_command_shows_what_the_solution_holds():
    problem = bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml"))
    stepped = bpcalc.trace_of(bpcalc.solve(problem, round=2, step=True))
    assert stepped.command == "step" and type(stepped.steps[-2]).__name__ == "UpdateStep"
    assert bpcalc.trace_of(bpcalc.solve(problem, round=2)).command == "grad"
    forward = bpcalc.trace_of(bpcalc.solve(problem, round=2, backward=False))
    assert forward.command == "forward" and [type(s).__name__ for s in forward.steps] == ["Given", "Forward", "Loss"]


def test_trace_chain_rule_is_the_slides_product():
    solution = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), round=2)
    chain = next(s for s in bpcalc.trace_of(solution, "grad").steps if type(s).__name__ == "ChainRule")
    w_o = next(e for e in chain.entries if e.target == "w_o")
    (path,) = w_o.paths
    # ∂Loss/∂w_o = ∂Loss/∂y_o · ∂y_o/∂z_o · ∂z_o/∂w_o = −0.21 × 0.2419 × 0.57
    assert path.nodes == ("loss", "y_o", "z_o", "w_o")
    assert path.factors == pytest.approx((-0.21, 0.2419, 0.57), abs=1e-15)
    assert path.value == pytest.approx(-0.21 * 0.2419 * 0.57, abs=1e-15)
