"""`bpcalc export FILE --to torch`: the script runs with torch alone and prints bpcalc's numbers
(each shipped example, every function of the op table, every activation, loss, reduction and
optimiser, to 1e-12 relative); it is valid Python for any problem; and nothing in a file — names,
numbers — can put code into it.  The tests that run a script skip, saying why, without torch."""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import bpcalc
from bpcalc import shipped
from bpcalc.cli.main import main
from bpcalc.export import script
from bpcalc.export.torch import Identifiers, number
from bpcalc.expr.tree import Bin, Call, Expr, Name, Num
from bpcalc.problem import Line, Problem

EXAMPLES = shipped.names()
REL = 1e-12


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@functools.cache
def _torch_missing() -> str | None:
    """Why an exported script cannot run here, or None: torch imported in a process of its own
    (not in the test's, which then stays light)."""
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True, timeout=300)
    if probe.returncode == 0:
        return None
    last = (probe.stderr.strip().splitlines() or ["it cannot be imported"])[-1]
    return f"torch is not importable ({last}); pip install -e '.[torch]' to run the exported scripts"


@pytest.fixture
def torch_python():
    why = _torch_missing()
    if why is not None:
        pytest.skip(why)
    return sys.executable


def run_script(python: str, text: str, folder: Path) -> dict[str, dict[str, float]]:
    """The script's printed `what: name = value` lines, by what and name."""
    path = folder / "exported.py"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([python, str(path)], capture_output=True, text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    got: dict[str, dict[str, float]] = {}
    for line in done.stdout.splitlines():
        what, _, rest = line.partition(": ")
        name, _, value = rest.rpartition(" = ")
        assert name not in got.get(what, {}), line
        got.setdefault(what, {})[name] = float(value)
    return got


def comments(text: str) -> str:
    """The script's comments as one text (a note wraps over several lines)."""
    return " ".join(line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith("#"))


def step_json(capsys, file: str, *extra: str) -> dict:
    code, out, err = run(capsys, "step", file, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def differences(got: dict[str, dict[str, float]], want: dict, problem: Problem) -> dict[str, float]:
    """The largest relative difference of each kind of number, after checking that the script
    printed exactly the numbers bpcalc gives: the loss, each param's gradient (each input's when
    there is no param), each trainable param's update, the loss after."""
    output = want["output"]
    shown = list(problem.params) or list(problem.inputs)
    assert set(got) <= {"loss", "gradients", "updated", "loss_after"}
    assert list(got["loss"]) == [output] and list(got["loss_after"]) == [output]
    assert list(got["gradients"]) == shown
    assert list(got.get("updated", {})) == list(want["updated"])

    def rel(a: float, b: float) -> float:
        return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))

    return {"loss": rel(got["loss"][output], want["loss"]),
            "gradients": max(rel(got["gradients"][n], want["gradients"][n]) for n in shown),
            "updated": max([rel(v, want["updated"][n]) for n, v in got.get("updated", {}).items()], default=0.0),
            "loss_after": rel(got["loss_after"][output], want["loss_after"])}


def assert_as_bpcalc(capsys, python: str, folder: Path, file: str, *extra: str, as_graph: bool = False) -> dict:
    """Export `file` (by the command, or the library for `as_graph`), run the script, compare."""
    if as_graph:
        text = script(bpcalc.load(file), as_graph=True)
    else:
        code, text, err = run(capsys, "export", file, *extra)
        assert code == 0, err
    worst = differences(run_script(python, text, folder), step_json(capsys, file, *extra), bpcalc.load(file))
    assert max(worst.values()) <= REL, worst
    return worst


# --- every shipped example, against bpcalc step --format json --------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_exported_gives_bpcalcs_numbers(capsys, tmp_path, torch_python, name):
    assert_as_bpcalc(capsys, torch_python, tmp_path, f"example:{name}")


@pytest.mark.parametrize("name", [n for n in EXAMPLES if bpcalc.load(f"example:{n}").network is not None])
def test_a_network_written_as_its_graph_gives_the_same_numbers(capsys, tmp_path, torch_python, name):
    assert_as_bpcalc(capsys, torch_python, tmp_path, f"example:{name}", as_graph=True)


@pytest.mark.parametrize("kind", ["momentum", "adam", "rmsprop", "adagrad"])
def test_each_optimiser_is_torch_optims(capsys, tmp_path, torch_python, kind):
    assert_as_bpcalc(capsys, torch_python, tmp_path, "example:blog_2_2_2", "--optimizer", kind, "--lr", "0.1")


# --- every function of the op table, every activation, loss and reduction ---------------------------------

FUNCTIONS = """\
inputs: {x: 0.3, z: 0.0, big: 40.0, neg: -1.2}
params: {a: 0.7, b: -0.4, s: 0.2, al: 0.8, c: 0.7}
define:
  l1: sigmoid(a*x) + tanh(b) + relu(b) + relu(a) + relu(z*a)
  l2: leaky_relu(b) + leaky_relu(b, 0.1) + leaky_relu(b, s) + leaky_relu(a, s) + leaky_relu(z*a, s)
  l3: exp(b) + log(a) + sqrt(a) + abs(b) + abs(z*a) + sin(a) + cos(b)
  l4: softplus(a) + softplus(big*a) + elu(b) + elu(b, 0.5) + elu(b, al) + elu(a, al) + elu(z*a, al) + gelu(b) + silu(b)
  l5: max(a, c) + max(b, a, c) + min(a, c) + min(c, a, b) + max(a, 2) + min(3, 4)*a + max(z*a, 0)
  l6: a**2 + a**b + 2**a + (-a)**3 + x**-2 + -a**2 + a - (b - c) + a/(b*c) + a*(b*c)
  l7: logistic(a) + ln(a) + swish(b) + neg*-0.5 + 2*3 + stop(a*b)*a + detach(c)
  total: l1*l2 + l3 - l4 + l5*l6 + l7
lr: 0.001
"""

NETWORKS = {
    "every_activation": """\
network:
  inputs: [x1, x2, x3]
  layers:
    - {name: h, activation: {leaky_relu: 0.1}, weights: [[0.1, -0.2, 0.3], [w, -0.5, 0.6]], bias: [0.1, -0.1]}
    - {name: j, activation: {elu: 0.5}, weights: [[w, 0.3], [0.2, -0.7]]}
    - {name: k, activation: gelu, weights: [[0.5, 0.4], [-0.3, 0.2]], bias: bk}
    - {name: m, activation: silu, weights: [[0.5, 0.4], [-0.3, 0.2]], bias: 0.05}
    - {name: n, activation: softplus, weights: [[0.5, 0.4], [-0.3, 0.2]]}
    - {name: p, activation: tanh, weights: [[0.5, w], [-0.3, 0.2]]}
    - {name: q, activation: relu, weights: [[0.5, 0.4], [-0.3, 0.2]], bias: [0.1, 0.1]}
    - {name: r, activation: leaky_relu, weights: [[0.5, 0.4], [-0.3, 0.2]]}
    - {name: u, activation: elu, weights: [[0.5, 0.4], [-0.3, 0.2]]}
    - {name: o, activation: linear, weights: [[0.5, 0.4], [-0.3, 0.2]]}
params: {w: 0.4, bk: 0.02}
frozen: [bk]
samples:
  - {inputs: [0.5, -1.0, 2.0], targets: [0.3, -0.2]}
  - {inputs: [1.5, 0.5, -0.4], targets: [0.1, 0.4]}
  - {inputs: [-0.5, 0.25, 1.0], targets: [0.0, 0.2]}
loss: mse
reduction: sum
lr: 0.3
""",
    "softmax_cross_entropy": """\
network:
  inputs: [x1, x2]
  layers:
    - {name: h, activation: tanh, weights: [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], bias: [0.1, 0.0, -0.2]}
    - {name: o, activation: softmax, weights: [[0.3, -0.1, 0.2], [0.6, 0.4, -0.5], [-0.2, 0.3, 0.1]], bias: bo}
params: {bo: 0.05}
samples:
  - {inputs: [1.0, 2.0], targets: [0, 1, 0]}
  - {inputs: [-1.0, 0.5], targets: [1, 0, 0]}
loss: {kind: cross_entropy, name: CE}
""",
    "bce_two_outputs": """\
network:
  inputs: [x]
  layers:
    - {name: o, activation: sigmoid, weights: [[v], [-0.6]], bias: [b, b]}
params: {v: 0.8, b: -0.1}
samples:
  - {inputs: [1.5], targets: [1, 0]}
  - {inputs: [-0.5], targets: [0, 1]}
naming: {pre: z, post: a}
loss: bce
reduction: mean
optimizer: {kind: adam, beta1: 0.8, beta2: 0.99, eps: 1e-6}
lr: 0.05
""",
    "sse_one_sample": """\
network:
  inputs: [x1, x2]
  layers:
    - {name: h, activation: relu, weights: [[0.5, -0.5], [0.3, 0.3]]}
    - {name: o, activation: sigmoid, weights: [0.2, -0.9], bias: 0.3}
params: {}
sample: {inputs: [1.0, 1.0], targets: [0.7]}
loss: sse
optimizer: {kind: momentum, momentum: 0.5}
""",
    "mse_one_output": """\
network:
  inputs: [x]
  layers:
    - {name: y, activation: linear, weights: [[w]], bias: b}
params: {w: 1.0, b: 0.0}
samples:
  - {inputs: [1], targets: [3]}
  - {inputs: [2], targets: [5]}
loss: mse
""",
}


def deep_file() -> str:
    """A chain of calls and a sum each as deep as a file's line may be (100 operations): the
    script computes parts of them on lines of their own."""
    nested = "a"
    for _ in range(95):
        nested = f"sigmoid({nested})"
    total = " + ".join(["a*x"] * 90)
    return f"inputs: {{x: 0.001}}\nparams: {{a: 0.5}}\ndefine:\n  d: {nested}\n  s: {total}\n  out: d*s\n"


def test_a_line_deeper_than_python_can_parse_is_written_in_parts(tmp_path):
    """A problem made in Python (or a wide network as its graph) may nest thousands deep: Python's
    parser and compiler cannot take that on one line, so parts of it are lines of their own."""
    nested: Expr = Name("a")
    for _ in range(600):
        nested = Call("sigmoid", (nested,))
    total: Expr = Name("a")
    for _ in range(3000):
        total = Bin("+", total, Bin("*", Name("a"), Name("x")))
    problem = Problem("deep", {"x": 0.001}, {"a": 0.5}, [Line("d", nested, ""), Line("s", total, ""),
                                                          Line("out", Bin("*", Name("d"), Name("s")), "")], "out")
    text = script(problem)
    compile(ast.parse(text), "deep", "exec")
    if _torch_missing() is None:
        got = run_script(sys.executable, text, tmp_path)
        want = bpcalc.solve(problem, step=True)
        assert math.isclose(got["loss"]["out"], want.loss, rel_tol=REL)
        assert math.isclose(got["gradients"]["a"], want.gradients["a"], rel_tol=REL)
        assert math.isclose(got["updated"]["a"], want.updated["a"], rel_tol=REL)


@pytest.mark.parametrize("name", ["functions", *NETWORKS, "deep"])
def test_every_function_activation_loss_and_reduction_gives_bpcalcs_numbers(capsys, tmp_path, torch_python, name):
    text = {"functions": FUNCTIONS, "deep": deep_file(), **NETWORKS}[name]
    file = tmp_path / f"{name}.yaml"
    file.write_text(text, encoding="utf-8")
    assert_as_bpcalc(capsys, torch_python, tmp_path, str(file))
    if bpcalc.load(str(file)).network is not None:
        assert_as_bpcalc(capsys, torch_python, tmp_path, str(file), as_graph=True)


def test_a_script_with_a_kink_says_what_torch_cannot_copy(capsys, tmp_path):
    """bpcalc takes a sum cancelling to round-off as 0 (docs/design.md), which decides the side of
    a kink as a person working in decimals would (1.5·0.1 − 0.1 − 0.15 + 0.1 is 0, relu′ there is 0);
    torch sees the round-off.  A script that calls a function with a kink says so; one without, not."""
    file = tmp_path / "kink.yaml"
    file.write_text("inputs: {x: 1.5}\nparams: {w: 0.1}\ndefine:\n  out: relu(w*x - 0.1 - 0.15 + 0.1)\n",
                    encoding="utf-8")
    code, text, _ = run(capsys, "export", file)
    assert code == 0 and "cancels down to round-off" in comments(text)
    assert "relu′(0) = 0 in torch, as in bpcalc" in comments(text)
    code, text, _ = run(capsys, "export", "example:blog_2_2_2")
    assert code == 0 and "round-off" not in text


@pytest.mark.parametrize("name", ["every_activation", "softmax_cross_entropy", "bce_two_outputs"])
def test_a_loss_the_exporter_does_not_know_is_written_term_by_term(capsys, tmp_path, name):
    """A kind of loss added to bpcalc later is written from the network's loss expression itself."""
    file = tmp_path / f"{name}.yaml"
    file.write_text(NETWORKS[name], encoding="utf-8")
    problem = bpcalc.load(str(file))
    text = script(dataclasses.replace(problem, loss_kind="newly_added"))
    assert "newly_added: bpcalc's loss of one sample, term by term" in comments(text)
    assert "out[:, 1]" in text and "target[:, 1]" in text
    compile(text, name, "exec")
    if _torch_missing() is None:
        worst = differences(run_script(sys.executable, text, tmp_path), step_json(capsys, str(file)), problem)
        assert max(worst.values()) <= REL, worst


def test_max_and_min_pass_a_tie_to_the_first_argument_as_bpcalc_does(capsys, tmp_path, torch_python):
    file = tmp_path / "ties.yaml"
    file.write_text("params: {a: 2, b: 2, c: 1}\ndefine:\n  out: max(a, b) + 3*min(c, b, c)\n", encoding="utf-8")
    code, text, _ = run(capsys, "export", file)
    assert "first_max(a, b)" in text and "torch.maximum and torch.minimum split it" in comments(text)
    got = run_script(torch_python, text, tmp_path)["gradients"]
    assert got == {"a": 1.0, "b": 0.0, "c": 3.0}  # torch.maximum would give a and b 0.5 each


# --- valid Python, whatever the file holds ------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_examples_script_is_python(name):
    problem = bpcalc.load(f"example:{name}")
    for as_graph in (False, True):
        text = script(problem, as_graph=as_graph)
        tree = ast.parse(text)
        compile(tree, name, "exec")
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert imported <= {"torch", "torch.nn.functional"}  # torch alone: never bpcalc
        assert not any(isinstance(n, ast.ImportFrom) for n in ast.walk(tree))


#: names a file may give (identifiers) that are Python's words, builtins or the script's own names
PYTHON_WORDS = """\
inputs: {class: 1.0, print: 0.5, torch: 2.0, F: 0.25}
params: {lambda: 0.3, PARAMS: 0.2, report: 0.1, None: 0.5, output: 0.6, leaf: 0.7, exec: 0.4, match: 0.9}
frozen: [leaf]
define:
  import: lambda*class + PARAMS
  def: sigmoid(import)*print + report*F + exec*match
  output_value: def*torch + None + output + leaf
  name: output_value*2
"""

PYTHON_WORDS_NETWORK = """\
network:
  inputs: [print, class]
  layers:
    - {name: import, activation: sigmoid, weights: [[weight, act], [exec, 0.2]], bias: [bias, bias]}
    - {name: lambda, activation: sigmoid, weights: [[torch, layers]]}
params: {weight: 0.1, act: 0.2, exec: 0.3, bias: 0.4, torch: 0.5, layers: -0.6}
sample: {inputs: [0.5, 1.0], targets: [1.0]}
loss: {kind: bce, name: return}
"""


@pytest.mark.parametrize("text", [PYTHON_WORDS, PYTHON_WORDS_NETWORK], ids=["graph", "network"])
def test_names_that_are_python_words_are_renamed_and_still_printed_as_written(capsys, tmp_path, text):
    file = tmp_path / "words.yaml"
    file.write_text(text, encoding="utf-8")
    code, exported, err = run(capsys, "export", file)
    assert code == 0, err
    compile(ast.parse(exported), "words", "exec")
    assert "class_ = torch.tensor(1.0)  # class in the file" in exported or "network" in text
    assert "'PARAMS': PARAMS_," in exported or "network" in text
    if _torch_missing() is None:
        assert max(differences(run_script(sys.executable, exported, tmp_path), step_json(capsys, str(file)),
                               bpcalc.load(str(file))).values()) <= REL


#: names that no file can hold but a Problem made in Python can, each trying to break out of where
#: the script writes it: a string literal, a comment, a docstring, an identifier
HOSTILE = ["x); import os; os.system('echo pwned') #", "a\nimport os\nos.system('echo pwned')", "'''", '"""',
           "\\", "é", "\u202e", "\u2028", "1abc", "", " ", "__import__", "__builtins__", "x'], __import__('os')#",
           "#", "\x1b[2J", "}", "{", "f'{1}'", "torch", "PARAMS", "part1"]


def hostile_problem(names: list[str], values: list[float]) -> Problem:
    inputs = {names[0]: values[0]}
    params = dict(zip(names[1:], values[1:]))
    # one line per name: a chain through each of them, so every name is read and written
    lines = []
    previous: Name | Num = Name(names[0])
    for k, n in enumerate(names[1:]):
        line = f"{n}·line{k}"
        lines.append(Line(line, Call("sigmoid", (Bin("+", Bin("*", Name(n), previous), Num(0.5)),)), ""))
        previous = Name(line)
    return Problem("x'\nimport os", inputs, params, lines, lines[-1].name, frozen={names[2]}, lr=0.25)


def structure(text: str) -> str:
    """The script's syntax tree with every identifier and string made the same: what the code does,
    whatever the names are."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = "N"
        elif isinstance(node, ast.arg):
            node.arg = "N"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = "S"
    return ast.dump(tree)


def test_hostile_names_cannot_put_code_into_the_script(capsys, tmp_path):
    plain = [f"n{k}" for k in range(len(HOSTILE))]
    values = [0.1 * (k + 1) for k in range(len(HOSTILE))]
    hostile = script(hostile_problem(HOSTILE, values), source="x\nimport os")
    benign = script(hostile_problem(plain, values), source="plain.yaml")
    # the same program as with plain names: every name became an identifier or a string, nothing else
    assert structure(hostile) == structure(benign)
    tree = ast.parse(hostile)
    imports = [ast.dump(n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert imports == [ast.dump(ast.parse("import torch").body[0])]
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert called <= {"output_value", "report", "print", "set", "float", "SystemExit"}
    for line in hostile.splitlines():  # no line break of a name's ends a comment early
        assert line.isprintable() or line == "", repr(line)
    if _torch_missing() is None:
        got = run_script(sys.executable, hostile, tmp_path)
        want = bpcalc.solve(hostile_problem(HOSTILE, values), step=True)
        assert math.isclose(got["loss"][repr(want.output)], want.loss, rel_tol=REL)
        shown = {(n if n.isidentifier() and n.isascii() else repr(n)): n for n in HOSTILE[1:]}
        assert set(got["gradients"]) == set(shown)
        for printed, name in shown.items():
            assert math.isclose(got["gradients"][printed], want.gradients[name], rel_tol=REL, abs_tol=1e-300)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, 0.1, -2.5, 1e-05])
def test_a_number_is_written_as_python_reads_back_the_same_float(x):
    text = number(x)
    back = eval(text, {"__builtins__": {}, "float": float})  # noqa: S307 - bpcalc's own output, no builtins
    assert (math.isnan(back) and math.isnan(x)) or (back == x and math.copysign(1, back) == math.copysign(1, x))
    script(hostile_problem(["i", "p", "q"], [x, 0.5, x]))  # and in a script, still Python
    compile(script(hostile_problem(["i", "p", "q"], [x, 0.5, x])), "numbers", "exec")


def test_identifiers_are_unique_and_never_pythons_own():
    names = ["class", "class_", "a.b", "a_b", "1x", "v_1x", "", "torch", "é", "__x"]
    ids = Identifiers(names, frozenset({"torch"}))
    made = [ids[n] for n in names]
    assert len(set(made)) == len(made)
    assert all(m.isidentifier() and m.isascii() and not m.startswith("__") for m in made)
    assert ids["class_"] == "class_" and ids["a_b"] == "a_b"  # a usable name keeps itself
    assert ids["class"] == "class__" and ids["torch"] == "torch_"


# --- the command ---------------------------------------------------------------------------------------------


def test_export_prints_the_script_and_o_writes_it_once(capsys, tmp_path):
    code, out, err = run(capsys, "export", "example:slides_1_1_1", "--to", "pytorch")
    assert code == 0 and out.startswith("# The graph of example:slides_1_1_1 in PyTorch")
    target = tmp_path / "slides.py"
    code, again, err = run(capsys, "export", "example:slides_1_1_1", "-o", target)
    assert code == 0 and again == "" and target.read_text(encoding="utf-8") == out and "wrote" in err
    code, _, err = run(capsys, "export", "example:blog_2_2_2", "-o", target)
    assert code == 2 and "exists" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == out
    code, _, err = run(capsys, "export", "example:blog_2_2_2", "-o", target, "--force")
    assert code == 0 and "The network of example:blog_2_2_2" in target.read_text(encoding="utf-8")


def test_export_never_writes_over_its_input(capsys, tmp_path):
    file = tmp_path / "net.yaml"
    file.write_text(shipped.read("blog_2_2_2")[0], encoding="utf-8")
    code, _, err = run(capsys, "export", file, "-o", file, "--force")
    assert code == 2 and "input" in err
    link = tmp_path / "link.py"
    link.symlink_to(file)
    code, _, err = run(capsys, "export", "example:apples", "-o", link, "--force")
    assert code == 2 and "never writes through a link" in err  # bpcalc/outputs.py's policy
    assert file.read_text(encoding="utf-8") == shipped.read("blog_2_2_2")[0]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".bpcalc-")] == []


def test_round_is_refused_and_a_files_round_is_said_in_the_script(capsys, tmp_path):
    code, out, err = run(capsys, "export", "example:slides_1_1_1", "--round", "2")
    assert code == 2 and "--round cannot be reproduced" in err and out == ""
    file = tmp_path / "rounded.yaml"
    file.write_text(shipped.read("slides_1_1_1")[0] + "round: 2\n", encoding="utf-8")
    code, out, err = run(capsys, "export", file)
    assert code == 0 and "`round: 2`" in comments(out) and "which autograd cannot reproduce" in comments(out)


def test_lr_and_optimizer_reach_the_script_and_its_command_line(capsys):
    code, out, _ = run(capsys, "export", "example:blog_2_2_2", "--lr", "0.1", "--optimizer", "adam")
    assert code == 0
    assert "torch.optim.Adam(" in out and "lr=0.1, betas=(0.9, 0.999), eps=1e-08)" in out
    assert "bpcalc step example:blog_2_2_2 --format json --lr 0.1 --optimizer adam" in out


def test_several_outputs_and_unknown_frameworks_are_refused(capsys, tmp_path):
    file = tmp_path / "two.yaml"
    file.write_text("inputs: {x: 1}\nparams: {w: 2}\ndefine:\n  a: w*x\n  b: w + x\noutput: [a, b]\n",
                    encoding="utf-8")
    code, _, err = run(capsys, "export", file)
    assert code == 2 and "`export` needs one output" in err
    code, _, err = run(capsys, "export", "example:apples", "--to", "jax")
    assert code == 2 and "--to must be one of torch" in err


def test_the_exporter_is_not_loaded_by_the_command_lines_start():
    done = subprocess.run([sys.executable, "-c", "import sys, bpcalc.cli.main; "
                           "print(any(m.startswith(('bpcalc.export', 'torch')) for m in sys.modules))"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_the_docs_show_what_the_script_prints(capsys, tmp_path, torch_python):
    docs = (Path(__file__).resolve().parent.parent / "docs" / "commands.md").read_text(encoding="utf-8")
    block = docs.split("$ bpcalc export example:slides_1_1_1 -o slides.py\n$ python slides.py\n", 1)[1]
    shown = block.split("```", 1)[0]
    code, text, err = run(capsys, "export", "example:slides_1_1_1")
    assert code == 0, err
    path = tmp_path / "slides.py"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([torch_python, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == shown, done.stderr


def test_the_script_without_pytorch_says_so_in_one_line(tmp_path):
    path = tmp_path / "blog.py"
    path.write_text(script(bpcalc.load("example:blog_2_2_2")), encoding="utf-8")
    blocked = "import sys; sys.modules['torch'] = None; sys.argv = [sys.argv[1]]; exec(open(sys.argv[0]).read())"
    done = subprocess.run([sys.executable, "-c", blocked, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.strip() == "this script needs PyTorch: pip install torch"
