"""`step -o NEXT.yaml`: the updated params where they were, comments and key order kept, the input
untouched, and the written file loads and starts from the updated values."""

from __future__ import annotations

import json
import shutil

import pytest

import bpcalc
from bpcalc.cli.main import main

from helpers import EXAMPLES, as_written

AUTO_NETWORK = """\
# numbers inside `weights` and `bias` become automatic params
network:
  inputs: [x1, x2]
  layers:
    - name: h          # two hidden neurons
      activation: tanh
      weights: [[0.5, -0.3], [0.8, 0.2]]
      bias: 0.1        # one shared bias, written once
    - name: o
      activation: sigmoid
      weights: [[1.5, -2.0]]
      bias: [0.25]
sample: {inputs: [1.0, 2.0], targets: [0.3]}
loss: half_sse
lr: 0.5
"""


def step_to(capsys, source, target, *extra):
    code = main(["step", str(source), "-o", str(target), "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("example", ["blog_2_2_2.yaml", "blog_2_2_2_graph.yaml",
                                     "slides_1_1_1.yaml", "slides_1_1_1_network.yaml"])
def test_step_output_file(tmp_path, capsys, example):
    source = tmp_path / example
    shutil.copy(EXAMPLES / example, source)
    before = source.read_bytes()
    target = tmp_path / "next.yaml"
    data = step_to(capsys, source, target)
    assert source.read_bytes() == before  # the input is never modified

    written = target.read_text()
    original = before.decode()
    # every comment line and every top-level key survive, in order
    comments = [ln.strip() for ln in original.splitlines() if ln.strip().startswith("#")]
    assert comments == [ln.strip() for ln in written.splitlines() if ln.strip().startswith("#")]
    keys = [ln.split(":")[0] for ln in original.splitlines() if ln and ln[0].isalpha()]
    assert keys == [ln.split(":")[0] for ln in written.splitlines() if ln and ln[0].isalpha()]

    again = bpcalc.load(str(target))
    old = bpcalc.load(str(source))
    for name, value in data["updated"].items():
        assert again.params[name] == as_written(value)  # in full, or the short decimal under its noise
    for name in old.frozen | set(old.inputs):
        assert again.leaves[name] == old.leaves[name]
    assert again.frozen == old.frozen and again.lr == old.lr
    # the next step starts where this one ended
    assert bpcalc.solve(again).loss == pytest.approx(data["loss_after"], rel=1e-14)


def test_frozen_biases_unchanged_in_the_written_file(tmp_path, capsys):
    target = tmp_path / "next.yaml"
    data = step_to(capsys, EXAMPLES / "blog_2_2_2.yaml", target)
    again = bpcalc.load(str(target))
    assert again.params["b1"] == 0.35 and again.params["b2"] == 0.60
    assert again.params["w5"] == as_written(data["updated"]["w5"]) != 0.40


def test_numbers_inside_weights_are_updated_in_place(tmp_path, capsys):
    source = tmp_path / "auto.yaml"
    source.write_text(AUTO_NETWORK)
    target = tmp_path / "next.yaml"
    data = step_to(capsys, source, target)
    assert set(data["updated"]) == {"w_h1_x1", "w_h1_x2", "w_h2_x1", "w_h2_x2", "b_h", "w_o_h1",
                                    "w_o_h2", "b_o"}
    again = bpcalc.load(str(target))
    assert again.params == {k: as_written(v) for k, v in data["updated"].items()}
    text = target.read_text()
    assert "# one shared bias, written once" in text and "# two hidden neurons" in text
    assert "params:" not in text  # nothing added: the numbers stay inside the layers
    assert source.read_text() == AUTO_NETWORK


def test_lr_and_round_options_apply_to_the_written_step(tmp_path, capsys):
    target = tmp_path / "next.yaml"
    data = step_to(capsys, EXAMPLES / "slides_1_1_1.yaml", target, "--round", "2", "--lr", "0.1")
    again = bpcalc.load(str(target))
    assert again.params["w_o"] == as_written(data["updated"]["w_o"]) == pytest.approx(0.3 + 0.1 * 0.02895543)
    assert again.lr == 0.5  # the file's own settings are not rewritten


def test_refuses_to_overwrite_its_input(tmp_path, capsys):
    source = tmp_path / "p.yaml"
    shutil.copy(EXAMPLES / "slides_1_1_1.yaml", source)
    before = source.read_bytes()
    code = main(["step", str(source), "-o", str(source)])
    _, err = capsys.readouterr()
    assert code == 2 and "overwrite" in err and source.read_bytes() == before


def test_missing_folder_is_exit_2(tmp_path, capsys):
    code = main(["step", str(EXAMPLES / "slides_1_1_1.yaml"), "-o", str(tmp_path / "no" / "x.yaml")])
    _, err = capsys.readouterr()
    assert code == 2 and "does not exist" in err
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.parametrize("example", ["blog_2_2_2.yaml", "slides_1_1_1_network.yaml"])
def test_layout_is_kept_only_param_lines_change(tmp_path, capsys, example):
    """Indentation of nested keys and of `- ` items is the user's: only lines holding a param differ."""
    source = tmp_path / example
    shutil.copy(EXAMPLES / example, source)
    target = tmp_path / "next.yaml"
    data = step_to(capsys, source, target)
    before = source.read_text().splitlines()
    after = target.read_text().splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed, "the step changed no value"
    for _, line in changed:
        assert line.startswith("params:"), line
        for name, value in data["updated"].items():
            assert f"{name}: {as_written(value)!r}" in line
