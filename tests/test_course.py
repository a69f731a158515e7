"""From pip install to a first solution: the shipped examples (`bpcalc examples`, example:NAME),
the JSON Schema of both file forms, `bpcalc init`'s starters, a command line without FILE, and
the help.  (The course kit, `bpcalc variants`, is tests/test_variants.py; the installed wheel,
tests/test_install.py.)"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import jsonschema
import pytest

import bpcalc
from bpcalc import shipped
from bpcalc.cli import options
from bpcalc.cli.main import main
from bpcalc.commands.schema import schema_text
from bpcalc.errors import InputError
from bpcalc.reading import expression, network, schema
from bpcalc.reading.yamldoc import parse_yaml

from helpers import EXAMPLES, published

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def data_of(text: str, name: str = "f.yaml"):
    """The file as bpcalc reads it (1e-3 a number), for the schema validator."""
    return parse_yaml(text, name).data


VALIDATOR = jsonschema.Draft7Validator(schema.json_schema())
TEMPLATE_VALIDATOR = jsonschema.Draft7Validator(schema.json_schema(ranges=True))


def schema_errors(text: str, validator=VALIDATOR) -> list[str]:
    return [e.message for e in validator.iter_errors(data_of(text))]


# --- the shipped examples -------------------------------------------------------------------------------


def test_the_examples_live_once_inside_the_package():
    """examples/ is a link to bpcalc/examples/, the package's own folder: one copy of each file."""
    link = ROOT / "examples"
    assert link.is_symlink() and link.resolve() == shipped.FOLDER
    assert EXAMPLES.resolve() == shipped.FOLDER
    assert shipped.FOLDER.parent == Path(bpcalc.__file__).resolve().parent
    problems = shipped.names()
    assert len(problems) >= 7 and "blog_2_2_2" in problems
    assert sorted(p.stem for p in shipped.FOLDER.glob("*.yaml")) == [n for n in problems if "/" not in n]


@pytest.mark.parametrize("name", shipped.names())
def test_every_shipped_example_runs_grad_and_step_as_example_name(capsys, name):
    file = str(shipped.FOLDER / f"{name}.yaml")
    for command in ("grad", "step"):
        code, by_name, err = run(capsys, command, f"example:{name}", "--format", "json")
        assert code == 0, err
        code, by_path, err = run(capsys, command, file, "--format", "json")
        assert code == 0, err
        assert json.loads(by_name) == json.loads(by_path)
    code, out, _ = run(capsys, "step", f"example:{name}", "--format", "text")
    assert code == 0 and f"example:{name}" not in out  # the text layout has no title; markdown has:
    code, out, _ = run(capsys, "grad", f"example:{name}", "--format", "markdown")
    assert code == 0 and out.startswith("## bpcalc grad: example:" + name.replace("_", "\\_"))


@pytest.mark.parametrize("name", shipped.names() + shipped.templates())
def test_every_shipped_file_has_a_description_and_names_its_schema(name):
    text = shipped.path(name).read_text(encoding="utf-8")
    first = text.splitlines()[0]
    wanted = "bpcalc-template.schema.json" if name.startswith("templates/") else "bpcalc.schema.json"
    assert first.startswith("# yaml-language-server: $schema=") and first.endswith(wanted)
    relative = first.split("$schema=")[1]
    assert (shipped.path(name).parent / relative).resolve().is_file()
    description = shipped.describe(name)
    assert description and description == text.splitlines()[1].lstrip("# ")


def test_examples_lists_each_with_its_line_within_80_columns(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    for name in shipped.names() + shipped.templates():
        assert re.search(rf"^  {re.escape(name)} +{re.escape(shipped.describe(name))}$", out, re.M), name
    assert "bpcalc step example:NAME" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_examples_show_prints_the_file_with_the_installed_schema(capsys):
    code, out, _ = run(capsys, "examples", "show", "blog_2_2_2")
    assert code == 0
    text = (shipped.FOLDER / "blog_2_2_2.yaml").read_text(encoding="utf-8")
    assert out.splitlines()[1:] == text.splitlines()[1:]
    assert out.splitlines()[0] == "# yaml-language-server: $schema=" + shipped.SCHEMA_FILE.as_uri()
    assert run(capsys, "examples", "blog_2_2_2")[1] == out  # `show` may be left out
    code, out, _ = run(capsys, "examples", "show", "templates/blog_homework")
    assert code == 0 and out.splitlines()[0].endswith(shipped.TEMPLATE_SCHEMA_FILE.as_uri())


@pytest.mark.parametrize("args,message,hint", [
    (["examples", "show", "seed02_network"], "no shipped example named 'seed02_network'",
     "did you mean 'blog_2_2_2'?"),
    (["grad", "example:seed003_expresion"], "no shipped example named 'seed003_expresion'",
     "did you mean 'slides_1_1_1'?"),
    (["grad", "example:slides_1_1"], "no shipped example named 'slides_1_1'", "did you mean 'slides_1_1_1'?"),
    (["examples", "show"], "bpcalc examples show needs the NAME of an example", "bpcalc examples lists them"),
    (["examples", "list", "all"], "bpcalc examples takes show NAME, not list all", "bpcalc examples show"),
])
def test_a_wrong_example_name_is_one_message(capsys, args, message, hint):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and message in err and hint in err and "Traceback" not in err


def test_a_real_file_named_like_an_example_is_read_as_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("example:mine").write_text("inputs: {x: 3}\ndefine:\n  y: x * x\n")
    code, out, err = run(capsys, "grad", "example:mine", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["gradients"]["x"] == 6


# --- the JSON Schema ------------------------------------------------------------------------------------------


def test_the_loader_checks_keys_with_the_lists_the_schema_is_made_from():
    """One source: the loader's key lists are the schema module's (a training file's `data:`
    keys, reading/training.py's), and the schema's properties are exactly those keys."""
    from bpcalc.reading import training

    assert tuple(schema.DATA) == training.DATA_KEYS
    from bpcalc.ops.optimizers import KINDS

    assert schema.json_schema()["definitions"]["optimizer"]["anyOf"][0]["enum"] == list(KINDS)
    assert expression.EXPRESSION_KEYS is schema.EXPRESSION_KEYS
    assert network.NETWORK_KEYS is schema.NETWORK_KEYS
    assert network.LAYER_KEYS is schema.LAYER_KEYS and network.LOSSES is schema.LOSSES
    made = schema.json_schema()["definitions"]
    pairs = [("expression_file", schema.EXPRESSION_KEYS), ("network_file", schema.NETWORK_KEYS),
             ("network", schema.NETWORK_BLOCK_KEYS), ("layer", schema.LAYER_KEYS),
             ("sample", schema.SAMPLE_KEYS), ("loss", schema.LOSS_KEYS), ("naming", schema.NAMING_KEYS)]
    for definition, keys in pairs:
        assert tuple(made[definition]["properties"]) == keys, definition
        assert made[definition]["additionalProperties"] is False
    assert made["activation"]["anyOf"][0]["enum"] == list(bpcalc.ops.ACTIVATIONS)


def test_the_shipped_schema_files_are_the_generated_ones():
    for file, ranges in ((shipped.SCHEMA_FILE, False), (shipped.TEMPLATE_SCHEMA_FILE, True)):
        assert file.read_text(encoding="utf-8") == schema_text(ranges), (
            f"{file.name} is out of date: bpcalc schema{' --variants' if ranges else ''} > {file}")


@pytest.mark.parametrize("name", shipped.names())
def test_every_shipped_example_is_valid_under_the_schema(name):
    jsonschema.Draft7Validator.check_schema(schema.json_schema())
    assert schema_errors(shipped.path(name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", shipped.templates())
def test_a_template_is_valid_only_under_the_template_schema(name):
    text = shipped.path(name).read_text(encoding="utf-8")
    assert schema_errors(text, TEMPLATE_VALIDATOR) == []
    assert schema_errors(text) != []  # a range where a number goes: not a problem file
    with pytest.raises(InputError, match="must be a number"):
        bpcalc.loads(text)


SEED002 = (EXAMPLES / "blog_2_2_2.yaml").read_text(encoding="utf-8")
SEED003 = (EXAMPLES / "slides_1_1_1.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text,unexpected", [
    (SEED003.replace("output: loss", "ouput: loss"), "'ouput' was unexpected"),
    (SEED002.replace("      activation: sigmoid\n", "      activation: sigmoid\n      bais: [b1, b1]\n", 1),
     "'bais' was unexpected"),
    (SEED002.replace("sample:\n", "sample:\n  target: [1, 2]\n"), "'target' was unexpected"),
    (SEED002 + "naming: {pre: z, psot: y}\n", "'psot' was unexpected"),
    (SEED002.replace("  inputs: [i1, i2]", "  inputs: [i1, i2]\n  input: [i1]"), "'input' was unexpected"),
    (re.sub(r"^loss: .*$", "loss: {kind: sse, nmae: E}", SEED002, flags=re.M), None),
    (SEED002.replace("activation: sigmoid", "activation: sigmod", 1), None),
    (SEED003.replace("lr: 0.5", "lr: -1"), None),
    (SEED003 + "round: 2.5\n", None),
])
def test_what_the_schema_refuses_the_loader_refuses(text, unexpected):
    errors = schema_errors(text)
    assert errors, text
    if unexpected:
        assert any(unexpected in e for e in errors), errors
    with pytest.raises(InputError):
        bpcalc.loads(text)


# --- bpcalc init -------------------------------------------------------------------------------------------

SHAPES = [
    [],
    ["--network", "1-1"],
    ["--network", "3-4-1", "--activation", "relu", "--loss", "mse", "--seed", "7"],
    ["--network", "2-3-3", "--loss", "cross_entropy"],
    ["--network", "2-2-1", "--loss", "bce", "--seed", "1"],
    ["--network", "4-2-2-2-2", "--activation", "tanh", "--output-activation", "linear", "--loss", "sse"],
    ["--network", "2-2-2", "--activation", "leaky_relu", "--seed", "3"],
    ["--expression"],
    ["--expression", "--activation", "tanh", "--loss", "bce", "--seed", "11"],
]


def starter(capsys, *args) -> str:
    code, out, err = run(capsys, "init", "-", *args)
    assert code == 0, err
    return out


def uncommented(text: str) -> str:
    """The starter with its optional keys switched on (`# round: 2` -> `round: 2`)."""
    return re.sub(r"^# (frozen|round|reduction|naming|optimizer): ", r"\1: ", text, flags=re.M)


@pytest.mark.parametrize("args", SHAPES)
def test_init_writes_a_starter_that_runs_as_written(tmp_path, capsys, args):
    text = starter(capsys, *args)
    assert schema_errors(text) == []
    for version in (text, uncommented(text)):
        file = tmp_path / "net.yaml"
        file.write_text(version, encoding="utf-8")
        for command in ("grad", "step"):
            code, out, err = run(capsys, command, str(file), "--format", "json")
            assert code == 0, (err, version)
        assert set(json.loads(out)["updated"])  # something to learn
    assert uncommented(text) != text


@pytest.mark.parametrize("args", SHAPES)
def test_init_explains_every_key_it_writes_or_offers(capsys, args):
    text = starter(capsys, *args)
    lines = text.splitlines()
    form = schema.EXPRESSION_FORM if "--expression" in args else schema.NETWORK_FORM
    seen = set()
    for i, line in enumerate(lines):
        key = re.match(r"(?:# )?([a-z_]+):", line)
        if key and key.group(1) in form and (not line.startswith("#") or lines[i - 1].startswith("# ")):
            seen.add(key.group(1))
            # the comment above the key is the key's description (its first words)
            above = [x[2:] for x in lines[max(0, i - 4):i] if x.startswith("# ")]
            assert form[key.group(1)].doc.split()[0] in " ".join(above), key.group(1)
    assert seen >= set(form) - {"sample" if "--expression" in args else "", "samples", "inputs"} - {""}
    assert lines[0] == shipped.modeline()


def test_init_2_2_2_is_seed_002(tmp_path, capsys):
    """Without --seed, the 2-2-2 starter is the blog post's network (one bias a layer, frozen): its
    published results."""
    file = tmp_path / "net.yaml"
    file.write_text(starter(capsys, "--network", "2-2-2"), encoding="utf-8")
    code, out, err = run(capsys, "step", str(file), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert published(data["values"]["out_h1"], "0.593269992")
    assert published(data["values"]["out_o1"], "0.75136507")
    assert published(data["loss"], "0.298371109")
    assert published(data["gradients"]["w5"], "0.082167041")
    assert published(data["gradients"]["w1"], "0.000438568")
    assert published(data["updated"]["w5"], "0.35891648")


def test_init_seed_draws_the_same_numbers_again(capsys):
    a = starter(capsys, "--network", "3-3-2", "--seed", "5")
    assert starter(capsys, "--network", "3-3-2", "--seed", "5") == a
    assert starter(capsys, "--network", "3-3-2", "--seed", "6") != a
    assert starter(capsys, "--network", "3-3-2") != a


def test_init_never_writes_over_a_file_without_force(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "init")
    assert code == 0 and out == "" and "wrote net.yaml" in err
    first = Path("net.yaml").read_text(encoding="utf-8")
    assert "A 2-2-2 network" in first
    code, _, err = run(capsys, "init", "--network", "3-1")
    assert code == 2 and "net.yaml exists" in err and "--force" in err
    assert Path("net.yaml").read_text(encoding="utf-8") == first
    code, _, err = run(capsys, "init", "--network", "3-1", "--force")
    assert code == 0 and "A 3-1 network" in Path("net.yaml").read_text(encoding="utf-8")
    code, _, err = run(capsys, "init", "other.yaml", "--expression")
    assert code == 0 and "bpcalc step other.yaml" in err and "define:" in Path("other.yaml").read_text()
    Path("folder").mkdir()
    code, _, err = run(capsys, "init", "folder")
    assert code == 2 and "is a folder" in err
    code, _, err = run(capsys, "init", "no/such/dir/net.yaml")
    assert code == 2 and "does not exist" in err
    assert sorted(os.listdir()) == ["folder", "net.yaml", "other.yaml"]  # no temporary file left


@pytest.mark.parametrize("args,message,hint", [
    (["--network", "2"], "--network must be layer sizes such as 2-2-2, not 2", "inputs first"),
    (["--network", "2-0-1"], "--network must be layer sizes such as 2-2-2, not 2-0-1", "each from 1 to 32"),
    (["--activation", "sigmod"], "--activation: unknown activation 'sigmod'", "did you mean 'sigmoid'?"),
    (["--loss", "MSE"], "--loss: unknown loss 'MSE'", "did you mean 'mse'?"),
    (["--loss", "cross_entropy", "--output-activation", "sigmoid"],
     "--loss cross_entropy needs --output-activation softmax, not sigmoid", "leave out --output-activation"),
    (["--activation", "softmax"], "softmax is for the output layer", "--output-activation softmax"),
    (["--expression", "--network", "2-2-2"], "--expression and --network", "give one"),
    (["--expression", "--loss", "cross_entropy"], "needs a softmax layer", "--network 2-2-2"),
])
def test_init_refuses_what_would_not_run(capsys, args, message, hint):
    code, out, err = run(capsys, "init", "-", *args)
    assert code == 2 and out == "" and message in err and hint in err


# --- a command line without FILE -----------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("_BPCALC_COMPLETE", raising=False)
    return tmp_path


@pytest.mark.parametrize("args", [[], ["step", "--lr", "0.5"], ["grad"], ["--round", "2"]])
def test_without_a_problem_file_here_it_shows_the_two_ways_to_start(folder, capsys, args):
    (folder / "notes.yaml").write_text("gradients: {w1: 0.5}\n")  # YAML, but no problem
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert "and this folder has none" in err and "bpcalc init" in err and "bpcalc examples" in err
    assert "Missing argument" not in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["step", "--lr", "0.5"], ["grad", "--only", "w_o"], ["variants", "--count", "1"]])
def test_the_one_problem_file_here_is_used_and_said(folder, capsys, args):
    shutil.copy(EXAMPLES / "slides_1_1_1.yaml", folder / "hw.yaml")
    (folder / "notes.yaml").write_text("gradients: {w1: 0.5}\n")
    code, out, err = run(capsys, *args, *(["--format", "json"] if args[0] == "step" else []))
    assert code == 0, err
    assert "no FILE given: using hw.yaml, the problem file in this folder" in err
    if args[0] == "step":
        assert out == run(capsys, "step", "hw.yaml", "--lr", "0.5", "--format", "json")[1]


def test_a_command_that_needs_more_than_file_says_what_it_needs(folder, capsys):
    shutil.copy(EXAMPLES / "slides_1_1_1.yaml", folder / "hw.yaml")
    code, out, err = run(capsys, "check")
    assert code == 2 and out == "" and "bpcalc check needs FILE and ANSWERS" in err
    assert "for example: bpcalc check example:blog_2_2_2" in err and "Missing argument" not in err


def test_bpcalc_alone_runs_step_on_the_problem_file_here(folder, capsys):
    shutil.copy(EXAMPLES / "slides_1_1_1.yaml", folder / "hw.yaml")
    code, out, err = run(capsys)
    assert code == 0 and "running bpcalc step hw.yaml" in err
    assert out == run(capsys, "step", "hw.yaml")[1]
    code, out, err = run(capsys, "--round", "2", "--format", "json")
    assert code == 0 and json.loads(out)["values"]["y_h"] == 0.57


def test_net_yaml_is_the_problem_file_among_several(folder, capsys):
    shutil.copy(EXAMPLES / "slides_1_1_1.yaml", folder / "a.yaml")
    shutil.copy(EXAMPLES / "apples.yaml", folder / "b.yml")
    code, _, err = run(capsys, "grad")
    assert code == 2 and "this folder has several: a.yaml, b.yml" in err and "name one: bpcalc grad a.yaml" in err
    shutil.copy(EXAMPLES / "blog_2_2_2.yaml", folder / "net.yaml")
    code, out, err = run(capsys, "grad", "--format", "json")
    assert code == 0 and "using net.yaml" in err and "w5" in json.loads(out)["gradients"]


def test_the_typer_app_takes_a_missing_file_the_same_way(folder, capsys):
    from bpcalc.cli.app import run_app

    assert run_app(["grad", "--format", "json"], False) == 2
    assert "and this folder has none" in capsys.readouterr().err
    shutil.copy(EXAMPLES / "apples.yaml", folder / "shop.yaml")
    assert run_app(["grad", "--format", "json"], False) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["gradients"]["tax"] == 65 and "using shop.yaml" in err


def test_shell_completion_is_left_to_the_typer_app(folder, capsys, monkeypatch):
    monkeypatch.setenv("_BPCALC_COMPLETE", "complete_bash")
    assert options.parse([]) is None
    monkeypatch.setenv("COMP_WORDS", "bpcalc gr")
    monkeypatch.setenv("COMP_CWORD", "1")
    with pytest.raises(SystemExit):  # click answers the shell and exits
        main([])
    out = capsys.readouterr().out
    assert set(out.split()) == {"grad", "graph", "gradcheck"}


# --- help that teaches ---------------------------------------------------------------------------------------


def test_the_command_list_is_in_the_order_a_student_meets_the_commands(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    listed = re.findall(r"^  ([a-z]+) {2,}", out.split("Commands:")[1], re.M)
    order = [n for n in options.HELP_ORDER if n in options.BY_NAME]
    assert listed[:len(order)] == order and set(listed) == set(options.BY_NAME)
    for command in options.COMMANDS:  # the purpose line whole, not cut with …
        purpose = command.help.partition(". ")[0].rstrip(".") + "."
        assert re.search(rf"^  {command.name} +{re.escape(purpose)}$", out, re.M), command.name
    assert "bpcalc init" in out and "bpcalc examples" in out


@pytest.mark.parametrize("command", options.COMMANDS, ids=[c.name for c in options.COMMANDS])
def test_each_commands_help_has_its_purpose_and_its_example_on_one_line(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, command.name, "--help")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"Usage: bpcalc {command.name} [OPTIONS]")
    assert "{" not in lines[0] and "<str>" not in out
    if options.FILE in command.arguments:  # [FILE] where it may be left out (check: before ANSWERS…)
        assert (" [FILE]" if options.leavable(command, options.FILE) else " FILE ") in lines[0] + " "
    assert lines[2] == "  " + command.help.partition(". ")[0].rstrip(".") + "."
    assert f"  Example:\n    {command.example}\n" in out
    assert len(command.example) <= 76


EXAMPLE_SKIPS = {"graph": "svg needs Graphviz's dot"}


@pytest.mark.parametrize("command", options.COMMANDS, ids=[c.name for c in options.COMMANDS])
def test_each_commands_example_runs(folder, capsys, command):
    """The example in each --help is a real one: it runs in an empty folder."""
    args = shlex.split(command.example)
    assert args[:2] == ["bpcalc", command.name]
    if command.name in EXAMPLE_SKIPS and shutil.which("dot") is None:
        pytest.skip(EXAMPLE_SKIPS[command.name])
    argv = args[1:]
    if command.name == "variants":  # the example makes 30; 3 show it runs
        argv[argv.index("--count") + 1] = "3"
    if ">" in argv:  # a shell redirection
        argv = argv[:argv.index(">")]
    code, out, err = run(capsys, *argv)
    # check's example grades a sample sheet with wrong answers in it: exit 1 says so (docs/errors.md)
    assert code == (1 if command.name == "check" else 0), err
    assert (out or os.listdir(folder)) and "error" not in err  # printed, or written to a file


# --- the README's quick start and the docs, as they are shown ---------------------------------------------


def shown_block(doc: str, after: str) -> str:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return text.split(f"$ {after}\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize(("doc", "command"), [
    ("README.md", "bpcalc step net.yaml --only w5 --digits 6"),
    ("docs/commands.md", "bpcalc examples"),
    ("docs/course-kit.md", "bpcalc variants example:templates/blog_homework --count 30 --seed 1 -o hw"),
])
def test_the_docs_show_what_the_quick_start_prints(folder, capsys, monkeypatch, doc, command):
    monkeypatch.setenv("COLUMNS", "80")
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, *shlex.split(command)[1:])
    assert code == 0, err
    assert out == shown_block(doc, command)


def test_the_readme_quick_start_runs_in_an_empty_folder(folder, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```\n", 2)[1]
    lines = [line.split("#")[0].split() for line in block.splitlines() if line.startswith("bpcalc ")]
    assert [words[1] for words in lines] == ["init", "grad", "step", "check"]
    for words in lines[:3]:  # check: its own tests
        code, _, err = run(capsys, *words[1:])
        assert code == 0, (words, err)
