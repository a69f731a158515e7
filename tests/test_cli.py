"""The command line, in process through `bpcalc.cli.main` (and once through `python -m bpcalc`):
exit codes (docs/errors.md), the JSON contract (docs/output-formats.md), stdin, --lr, --round, --help, --version."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import bpcalc
from bpcalc.cli.main import main

from helpers import EXAMPLES, published

SEED003 = str(EXAMPLES / "slides_1_1_1.yaml")
SEED002 = str(EXAMPLES / "blog_2_2_2.yaml")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_step_json_prints_the_published_seed003_numbers(capsys):
    data = run_json(capsys, "step", SEED003, "--round", "2")
    assert data["output"] == "loss"
    assert data["values"]["y_h"] == 0.57 and data["values"]["y_o"] == 0.59
    assert published(data["loss"], "0.02205")
    g, u = data["gradients"], data["updated"]
    assert published(g["w_o"], "-0.02895543") and published(u["w_o"], "0.314477715")
    assert published(g["b_o"], "-0.050799") and published(u["b_o"], "0.2253995")
    assert published(g["w_h"], "-0.00373525047") and published(g["b_h"], "-0.00373525047")
    assert published(u["w_h"], "0.201867625") and published(u["b_h"], "0.101867625")
    local = {(d["of"], d["wrt"]): d for d in data["local"]}
    assert local["y_o", "z_o"]["formula"] == "y_o*(1 - y_o)"
    assert local["y_o", "z_o"]["value"] == pytest.approx(0.2419, rel=1e-14)
    assert local["loss", "y_o"]["value"] == pytest.approx(-0.21, rel=1e-14)


def test_json_keys_per_command(capsys):
    contract = {"output", "loss", "values"}
    fwd = run_json(capsys, "forward", SEED002)
    grad = run_json(capsys, "grad", SEED002)
    step = run_json(capsys, "step", SEED002)
    assert contract <= set(fwd) and not {"gradients", "updated", "loss_after"} & set(fwd)
    assert contract | {"gradients", "local"} <= set(grad)
    assert not {"updated", "loss_after"} & set(grad)
    assert contract | {"gradients", "local", "updated", "loss_after"} <= set(step)
    for d in grad["local"]:
        assert set(d) >= {"of", "wrt", "formula", "value"}
        assert isinstance(d["formula"], str) and isinstance(d["value"], float)
    # values and gradients: every leaf and every named node, full precision
    names = {"i1", "i2", "t_o1", "t_o2", "w1", "b1", "net_h1", "out_h1", "net_o2", "out_o2", "E_total"}
    assert names <= set(grad["values"]) and names <= set(grad["gradients"])
    assert set(grad["values"]) == set(grad["gradients"])
    assert grad["output"] == "E_total" and grad["loss"] == grad["values"]["E_total"]
    assert published(grad["values"]["out_h1"], "0.593269992")
    assert grad["values"]["out_h1"] != round(grad["values"]["out_h1"], 12)  # not rounded for display
    assert step["loss_after"] < step["loss"]
    assert set(step["updated"]) == {f"w{k}" for k in range(1, 9)}


def test_json_is_indented_for_a_homework_and_on_one_line_for_thousands_of_lines(capsys, tmp_path):
    code, out, _ = run(capsys, "grad", SEED002, "--format", "json")
    assert code == 0 and out.startswith('{\n  "output": "E_total",\n')
    # v_i = v_(i-1)·a + b from x = 1 with a = b = 0.5: every v_i is 1; ∂v_n/∂a = 1 + a·∂v_(n-1)/∂a,
    # so 2·(1 − 0.5ⁿ), which is 2.0 in floats at n = 2,000; ∂v_n/∂x = 0.5ⁿ underflows to 0
    lines = ["inputs: {x: 1}", "params: {a: 0.5, b: 0.5}", "define:", "  v1: x * a + b"]
    lines += [f"  v{i}: v{i - 1} * a + b" for i in range(2, 2_001)]
    f = tmp_path / "chain.yaml"
    f.write_text("\n".join(lines) + "\n")
    code, out, _ = run(capsys, "grad", str(f), "--format", "json")
    assert code == 0 and out.count("\n") == 1 and out.endswith("}\n")  # 12,006 records: one line
    data = json.loads(out)
    assert data["loss"] == 1.0 and data["gradients"]["a"] == 2.0 and data["gradients"]["x"] == 0.0
    assert {"of": "v2", "wrt": "a", "formula": "v1", "value": 1.0} in data["local"]
    # a long training run of a small network is not large data: its history does not count
    code, out, _ = run(capsys, "train", SEED002, "--steps", "10001", "--every", "1", "--format", "json")
    assert code == 0 and out.startswith('{\n  "output": "E_total",\n')
    assert len(json.loads(out)["history"]) > 10_000


def test_json_equals_the_python_api(capsys):
    data = run_json(capsys, "step", SEED002)
    sol = bpcalc.solve(bpcalc.load(SEED002), step=True)
    assert data["values"] == sol.values and data["gradients"] == sol.gradients
    assert data["updated"] == sol.updated and data["loss_after"] == sol.loss_after


def test_dash_reads_standard_input(capsys, monkeypatch):
    with open(SEED003, "rb") as fh:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(fh.read())))
    data = run_json(capsys, "step", "-", "--round", "2")
    assert data["values"]["y_o"] == 0.59 and published(data["updated"]["w_o"], "0.314477715")


def test_lr_overrides_the_file(capsys):
    data = run_json(capsys, "step", SEED003, "--round", "2", "--lr", "0.1")
    assert data["updated"]["w_o"] == pytest.approx(0.3 - 0.1 * -0.02895543, rel=1e-14)


def test_round_overrides_the_file(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text(open(SEED003).read() + "round: 3\n")
    assert run_json(capsys, "grad", str(f))["values"]["y_h"] == 0.574
    assert run_json(capsys, "grad", str(f), "--round", "2")["values"]["y_h"] == 0.57


def test_text_format_lists_every_value_and_gradient(capsys):
    code, out, _ = run(capsys, "step", SEED003, "--round", "2", "--format", "text")
    assert code == 0
    # the text format writes minus signs as U+2212, as printed mathematics does
    for needle in ["y_h", "0.57", "0.59", "0.02205", "−0.02895543", "0.314477715", "0.2253995",
                   "−0.050799", "0.101867625"]:
        assert needle in out, needle
    assert "0.028955430000000003" not in out  # no float noise


@pytest.mark.parametrize("command", ["forward", "grad", "step"])
def test_help_of_each_command_shows_an_example(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "Example:" in out and f"bpcalc {command} example:" in out


def test_top_level_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "forward" in out and "step" in out and "Example:" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"bpcalc {bpcalc.__version__}"


# --- exit codes ------------------------------------------------------------------------------------------


def test_missing_file_is_exit_2_without_traceback(capsys):
    code, out, err = run(capsys, "grad", "no/such/file.yaml")
    assert code == 2 and out == ""
    assert "error: no such file" in err and "Traceback" not in err


def test_bad_expression_is_exit_2_with_position(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("inputs: {x: 1}\ndefine:\n  y: x ** foo(x)\n")
    code, _, err = run(capsys, "grad", str(f))
    assert code == 2
    assert err.startswith(f"{f}:3:") and "unknown function 'foo'" in err and "^" in err


def test_math_error_is_exit_2_naming_the_node(tmp_path, capsys):
    f = tmp_path / "div.yaml"
    f.write_text("inputs: {x: 1}\ndefine:\n  d: x - 1\n  y: x / d\n")
    code, _, err = run(capsys, "forward", str(f))
    assert code == 2 and "division by zero" in err and "'y" in err and "d = 0" in err


@pytest.mark.parametrize("args", [["grad"], ["grad", SEED003, "--no-such-option"], ["frobnicate"],
                                  ["grad", SEED003, "--round", "x"], ["step", SEED003, "--lr", "-1"],
                                  ["grad", SEED003, "--format", "pdf"]])
def test_usage_errors_are_exit_2(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2 and "Traceback" not in err + out


def test_internal_error_is_exit_70(capsys, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("a bug")
    monkeypatch.setattr("bpcalc.engine.solve", broken)
    code, _, err = run(capsys, "grad", SEED003)
    assert code == 70 and "internal error" in err and "Traceback" not in err


def test_interrupt_is_exit_130(capsys, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr("bpcalc.engine.solve", interrupted)
    code, _, _ = run(capsys, "grad", SEED003)
    assert code == 130


def test_python_dash_m():
    done = subprocess.run([sys.executable, "-m", "bpcalc", "step", SEED003, "--round", "2",
                           "--format", "json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert published(json.loads(done.stdout)["updated"]["b_h"], "0.101867625")
    done = subprocess.run([sys.executable, "-m", "bpcalc", "grad", "missing.yaml"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no such file" in done.stderr


def test_help_as_a_command_is_the_help(capsys):
    assert main(["help"]) == 0
    assert "Usage: bpcalc [OPTIONS] COMMAND" in capsys.readouterr().out
    assert main(["help", "step"]) == 0
    assert "Usage: bpcalc step [OPTIONS] [FILE]" in capsys.readouterr().out
