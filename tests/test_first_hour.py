"""A student's first hour, as the README and docs/commands.md promise it: a lone NAME beside the
folder's problem file, a runnable copy of an example with its data, the published network from
`bpcalc init`, file names and undefined names that suggest what was meant."""

from __future__ import annotations

import json
import shutil

import pytest

from bpcalc import shipped
from bpcalc.cli.main import main

from helpers import EXAMPLES


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("_BPCALC_COMPLETE", raising=False)
    return tmp_path


# --- explain NAME beside the folder's problem file ---------------------------------------------------------


def test_explain_with_a_lone_name_reads_it_as_the_name(folder, capsys):
    shutil.copy(EXAMPLES / "blog_2_2_2.yaml", folder / "net.yaml")
    code, out, err = run(capsys, "explain", "w1", "--format", "text")
    assert code == 0, err
    assert "no FILE given: using net.yaml" in err
    assert out == run(capsys, "explain", "net.yaml", "w1", "--format", "text")[1]


def test_the_typer_app_reads_a_lone_name_the_same_way(folder, capsys):
    from bpcalc.cli.app import run_app

    shutil.copy(EXAMPLES / "blog_2_2_2.yaml", folder / "net.yaml")
    assert run_app(["explain", "w5", "--format", "text"], False) == 0
    out, err = capsys.readouterr()
    assert "∂E_total/∂w5" in out and "using net.yaml" in err


@pytest.mark.parametrize("argument", ["w1.yaml", "sub/w1", "-"])
def test_a_word_that_looks_like_a_file_stays_the_file(folder, capsys, argument, monkeypatch):
    import io
    import sys

    shutil.copy(EXAMPLES / "blog_2_2_2.yaml", folder / "net.yaml")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, _, err = run(capsys, "explain", argument)
    assert code == 2 and "using net.yaml" not in err


def test_a_lone_name_without_a_problem_file_here_says_what_is_missing(folder, capsys):
    code, _, err = run(capsys, "explain", "w1")
    assert code == 2 and "bpcalc explain needs a problem FILE, and this folder has none" in err


# --- examples copy, and a shipped data file shown -------------------------------------------------------------


def test_examples_copy_writes_a_runnable_copy_with_its_data(folder, capsys):
    code, out, err = run(capsys, "examples", "copy", "train/iris")
    assert code == 0 and out == ""
    assert err == "bpcalc: wrote iris.yaml and iris.csv; run it: bpcalc train iris.yaml\n"
    assert (folder / "iris.csv").read_bytes() == (shipped.FOLDER / "train" / "iris.csv").read_bytes()
    assert (folder / "iris.yaml").read_text(encoding="utf-8") == shipped.shown("train/iris")
    code, out, err = run(capsys, "train", "iris.yaml", "--steps", "3", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["samples"] == 150


def test_examples_copy_never_writes_over_a_file_without_force(folder, capsys):
    (folder / "iris.csv").write_text("mine\n")
    code, _, err = run(capsys, "examples", "copy", "train/iris")
    assert code == 2 and "iris.csv exists; bpcalc examples copy does not write over it" in err
    assert not (folder / "iris.yaml").exists()  # every file checked before any is written
    assert (folder / "iris.csv").read_text() == "mine\n"
    assert run(capsys, "examples", "copy", "train/iris", "--force")[0] == 0
    assert (folder / "iris.csv").read_text() != "mine\n"


def test_examples_copy_into_a_folder_refuses_a_link(folder, capsys):
    code, _, err = run(capsys, "examples", "copy", "blog_2_2_2", "hw")
    assert code == 0 and "wrote hw/blog_2_2_2.yaml; run it: bpcalc step hw/blog_2_2_2.yaml" in err
    (folder / "hw" / "slides_1_1_1.yaml").symlink_to(folder / "elsewhere.yaml")
    code, _, err = run(capsys, "examples", "copy", "slides_1_1_1", "hw", "--force")
    assert code == 2 and "symbolic link" in err and not (folder / "elsewhere.yaml").exists()


def test_examples_show_prints_a_data_file_and_says_a_problem_needs_one(capsys):
    code, out, _ = run(capsys, "examples", "show", "train/iris.csv")
    assert code == 0 and out == (shipped.FOLDER / "train" / "iris.csv").read_text(encoding="utf-8")
    code, out, err = run(capsys, "examples", "show", "train/iris")
    assert code == 0 and out.startswith("# yaml-language-server")
    assert "reads iris.csv beside it: bpcalc examples copy train/iris writes both" in err
    code, out, err = run(capsys, "examples", "show", "train/iris.cs")
    assert code == 2 and "did you mean 'train/iris.csv'?" in err


# --- init: the published network, exactly ---------------------------------------------------------------------


def test_init_2_2_2_is_the_published_example_exactly(folder, capsys):
    """Without --seed, the 2-2-2 starter is examples/blog_2_2_2.yaml: the same values, gradients,
    update and loss after the step (one bias a layer, frozen; the loss named E_total)."""
    assert run(capsys, "init", "--network", "2-2-2")[0] == 0
    mine = json.loads(run(capsys, "step", "net.yaml", "--format", "json")[1])
    published = json.loads(run(capsys, "step", str(EXAMPLES / "blog_2_2_2.yaml"), "--format", "json")[1])
    assert mine == published
    assert mine["output"] == "E_total" and "b1" not in mine["updated"]
    text = (folder / "net.yaml").read_text(encoding="utf-8")
    assert "bias: b1" in text and "frozen: [b1, b2]" in text and "loss: {kind: half_sse, name: E_total}" in text
    worked = run(capsys, "step", "net.yaml", "--format", "text")[1]
    assert worked == run(capsys, "step", str(EXAMPLES / "blog_2_2_2.yaml"), "--format", "text")[1]


def test_init_with_a_seed_trains_a_bias_per_neuron(capsys):
    code, out, _ = run(capsys, "init", "-", "--network", "2-2-2", "--seed", "3")
    assert code == 0 and "bias: [b1, b2]" in out and "\nfrozen:" not in out and "loss: half_sse" in out


# --- a misspelt file name, and an undefined name ---------------------------------------------------------------


def test_a_missing_file_suggests_the_nearest_file_in_its_folder(folder, capsys):
    shutil.copy(EXAMPLES / "blog_2_2_2.yaml", folder / "net.yaml")
    (folder / "sub").mkdir()
    shutil.copy(EXAMPLES / "apples.yaml", folder / "sub" / "shop.yaml")
    code, _, err = run(capsys, "grad", "nett.yaml")
    assert code == 2 and err.splitlines() == ["nett.yaml: error: no such file: nett.yaml",
                                              "hint: did you mean 'net.yaml'?"]
    assert "hint: did you mean 'sub/shop.yaml'?" in run(capsys, "grad", "sub/shop.yml")[2]
    assert "hint: check the path and the spelling" in run(capsys, "grad", "zzzz.qq")[2]
    assert "the folder 'nope' does not exist" in run(capsys, "grad", "nope/net.yaml")[2]


def test_a_missing_file_name_is_suggested_escaped(folder, capsys):
    (folder / "net\x1b[31m.yaml").write_text("inputs: {x: 1}\ndefine: {y: x}\n")
    err = run(capsys, "grad", "net[31m.yaml")[2]
    assert "\x1b" not in err and "\\x1b" in err


@pytest.mark.parametrize(("expression", "first", "then"), [
    # a misspelling: the name meant first, then how to declare a new one
    ("w_hh * x", "did you mean 'w_h'?", "If 'w_hh' is a new name, add it under `params:`"),
    # a new member of a numbered family: declaring it first, then the name it is like
    ("w_h2 * x", "add 'w_h2' under `params:` (or under `inputs:`", "; or did you mean 'w_h'?"),
    ("q * x", "add it under `params:` (or under `inputs:` if it is given, not learned), or define it above", ""),
])
def test_an_undefined_name_says_how_to_declare_it_and_what_is_like_it(folder, capsys, expression, first, then):
    (folder / "u.yaml").write_text(f"inputs: {{x: 1}}\nparams: {{w_h: 0.5}}\ndefine:\n  z: {expression}\n")
    code, _, err = run(capsys, "grad", "u.yaml")
    hint = err.splitlines()[-1]
    assert code == 2 and hint.startswith("hint: " + first) and then in hint


# --- the README's quick start, line by line ------------------------------------------------------------------


def test_the_readmes_quick_start_runs_as_written_in_an_empty_folder(folder, capsys):
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```\n(.*?)```", readme, re.S)
    assert block is not None
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert lines[0] == "bpcalc init" and lines[-1].startswith("bpcalc check")
    for line in lines:
        words = shlex.split(line)
        if words[0] == "echo":  # the answers file the reader writes
            text, target = words[1], words[3]
            (folder / target).write_text(text + "\n", encoding="utf-8")
            continue
        code, out, err = run(capsys, *words[1:])
        assert code == 0, (line, err)
        assert out or err, line
    # the answer written in the quick start is right: ∂E_total/∂w5 = 0.0821670406 (the blog's 0.082167041)
    assert "score: 1 of 1 (100%)" in out


def test_with_several_problem_files_the_hint_keeps_the_name(folder, capsys):
    # `bpcalc explain w1` among a.yaml and b.yaml: the hint is a command that works as pasted
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(EXAMPLES / "blog_2_2_2.yaml", folder / name)
    code, _, err = run(capsys, "explain", "w1")
    assert code == 2 and "name one: bpcalc explain a.yaml w1 " in err
    code, out, err = run(capsys, "explain", "a.yaml", "w1", "--format", "text")
    assert code == 0 and "w1" in out, err


def test_step_o_of_a_shipped_example_names_the_installed_schema(folder, capsys):
    # the shipped file names its schema beside it; a copy written elsewhere names the installed one
    code, _, err = run(capsys, "step", "example:slides_1_1_1", "--round", "2", "-o", "next.yaml")
    assert code == 0, err
    head = (folder / "next.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert head == "# yaml-language-server: $schema=" + shipped.SCHEMA_FILE.as_uri()
