"""Bounded cost: every file under 10 kB, however hostile, is solved or refused (exit 0 or 2) within
10 s of CPU time and 1 GB of memory.  Each file below is the worst its kind can be in 10 kB, and
runs as its own process under those limits (`resource.setrlimit`): past either, the process is
killed or fails, and the test with it."""

from __future__ import annotations

import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad"
SMALL = 10_000  # bytes
CPU_SECONDS = 10
MEMORY = 1 << 30


def _matrix(rows: int, cols: int, entry: str = "1") -> str:
    return "[" + ", ".join("[" + ", ".join([entry] * cols) + "]" for _ in range(rows)) + "]"


def _balanced(k: int) -> str:
    return "x" if k == 1 else f"({_balanced(k // 2)})*({_balanced(k - k // 2)})"


def hostile_files() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (text, the command and options to run it with)."""
    rng = random.Random(15)
    step = ("step", "--format", "text")
    files: dict[str, tuple[str, tuple[str, ...]]] = {}

    # networks that make many operations from few bytes
    samples = ", ".join(f"{{inputs: [0.{rng.randint(0, 9)}], targets: [0.5]}}" for _ in range(105))
    files["samples_at_the_limit"] = (
        "network:\n  inputs: [x]\n  layers:\n    - {name: h, activation: tanh, weights: "
        + _matrix(8, 1, "0.3") + ", bias: 0.1}\n    - {name: o, weights: " + _matrix(1, 8, "0.2")
        + "}\nsamples: [" + samples + "]\n", step)
    files["samples_past_the_limit"] = ((BAD / "network_too_many_samples.yaml").read_text(), step)
    row = "[" + ", ".join(["0.01"] * 40) + "]"
    files["aliased_rows"] = (
        "network:\n  inputs: [" + ", ".join(f"i{k}" for k in range(40)) + "]\n  layers:\n    - name: h\n"
        "      weights: [&r " + row + ", " + ", ".join(["*r"] * 55) + "]\n    - {name: o, weights: [["
        + ", ".join(["0.1"] * 56) + "]]}\nsample: {inputs: [" + ", ".join(["1"] * 40) + "], targets: [0.5]}\n",
        step)
    files["aliased_samples"] = (
        "network:\n  inputs: [a, b]\n  layers:\n    - {name: h, weights: " + _matrix(16, 2, "0.1")
        + "}\n    - {name: o, weights: " + _matrix(1, 16, "0.1") + "}\nsamples: [&s {inputs: [1, 2], "
        "targets: [0.5]}, " + ", ".join(["*s"] * 2000) + "]\n", step)
    n = 64
    files["softmax_at_the_limit"] = (
        "network:\n  inputs: [x]\n  layers:\n    - {name: o, activation: softmax, weights: "
        + _matrix(n, 1, "0.1") + "}\nloss: cross_entropy\nsample: {inputs: [1], targets: ["
        + ", ".join(["1"] + ["0"] * (n - 1)) + "]}\n", step)
    n = 700
    files["wide_neuron"] = (
        "network:\n  inputs: [" + ", ".join(f"i{k}" for k in range(n)) + "]\n  layers:\n"
        "    - {name: o, weights: [[" + ", ".join(["0"] * n) + "]]}\nsample: {inputs: ["
        + ", ".join(["1"] * n) + "], targets: [0.5]}\n", step)
    files["paths_at_the_limit"] = (
        "network:\n  inputs: [a, b]\n  layers:\n    - {name: h, weights: " + _matrix(20, 2)
        + "}\n    - {name: g, weights: " + _matrix(60, 20) + "}\n    - {name: o, weights: " + _matrix(1, 60)
        + "}\nsample: {inputs: [1, 2], targets: [0.5]}\n", (*step, "--max-paths", "100"))
    files["deep_narrow_network"] = (
        "network:\n  inputs: [x]\n  layers:\n" + "    - {weights: [[0.9]]}\n" * 350
        + "sample: {inputs: [1], targets: [0.5]}\n", step)

    # expressions whose derivatives grow faster than their text
    files["product_chains"] = (
        "inputs: {x: 1.0001}\ndefine:\n" + "".join(f"  z{i}: " + "*".join(["x"] * 99) + "\n" for i in range(45)),
        step)
    files["balanced_product"] = ("inputs: {x: 1.0001}\ndefine:\n  z: " + _balanced(1400) + "\n", step)
    files["nested_functions"] = (
        "inputs: {x: 0.001}\ndefine:\n" + "".join(f"  z{i}: " + "sin(" * 99 + "x" + ")" * 99 + "\n"
                                                 for i in range(18)), step)
    names = [f"a{k}" for k in range(100)]
    files["max_of_many"] = (
        "inputs: {" + ", ".join(f"{x}: {k / 100}" for k, x in enumerate(names)) + "}\ndefine:\n"
        + "".join(f"  m{j}: max(" + ", ".join(names) + ")\n" for j in range(16)), step)
    names = [f"x{k}" for k in range(45)]
    files["functions_around_a_sum"] = (
        "inputs: {" + ", ".join(f"{x}: 0.01" for x in names) + "}\ndefine:\n"
        + "".join(f"  z{j}: " + "sigmoid(" * 50 + " + ".join(names) + ")" * 50 + "\n" for j in range(8)), step)
    files["repeated_expression"] = ((BAD / "alias_repeats_an_expression.yaml").read_text(), step)

    # YAML that expands, nests or holds what no problem needs
    files["alias_bomb"] = ((BAD / "alias_repeats_too_much.yaml").read_text(), step)
    files["deep_yaml"] = ("inputs: {x: 1, y: " + "[" * 3000 + "1" + "]" * 3000 + "}\ndefine:\n  z: x\n", step)
    files["many_values"] = ("inputs: {x: 1}\nnoise: [" + ", ".join(["0"] * 3300) + "]\ndefine:\n  z: x\n", step)
    files["huge_number"] = ("inputs: {x: " + "9" * 9900 + "}\ndefine:\n  z: x\n", step)
    files["long_line"] = ("inputs: {x: 1}\ndefine:\n  z: max(" + ", ".join(["x"] * 100) + ")" + " " * 9000
                          + "\n", step)
    return files


FILES = hostile_files()


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


@pytest.mark.parametrize("name", list(FILES))
def test_a_small_hostile_file_is_solved_or_refused_in_bounded_time_and_memory(name, tmp_path):
    text, (command, *options) = FILES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    assert path.stat().st_size < SMALL, f"{name} is {path.stat().st_size} bytes"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "bpcalc", command, str(path), *options], capture_output=True,
                          preexec_fn=_limits, timeout=600, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode in (0, 2), f"exit {done.returncode} after {cpu:.1f} s of CPU\n{err[-2000:]}"
    assert "Traceback" not in err and "internal error" not in err
    if done.returncode == 2:
        assert err.startswith(f"{path}:") and ": error: " in err.splitlines()[0]
    assert cpu < CPU_SECONDS


def test_the_files_that_must_be_refused_are():
    """The limits themselves are what keeps these bounded: each is refused, not merely fast."""
    refused = {"samples_past_the_limit", "repeated_expression", "alias_bomb", "deep_yaml", "huge_number"}
    assert refused <= set(FILES)
    for name in refused:
        text, _ = FILES[name]
        done = subprocess.run([sys.executable, "-m", "bpcalc", "grad", "-"], input=text.encode(),
                              capture_output=True, timeout=120, cwd=ROOT)
        assert done.returncode == 2, name


def test_a_worked_solution_leaves_no_cycle_for_the_garbage_collector():
    """grad, step and forward run with the cycle collector off (commands/solve.py), and the console
    script collects the oldest generation rarely (cli/main.py): what bpcalc makes is freed by
    reference counting.  A reference cycle (two nested functions calling each other, say) would be
    found here."""
    import gc

    import bpcalc
    from bpcalc.expr.parser import parse
    from bpcalc.ops import USER
    from bpcalc.render import Options, render
    from bpcalc.trace import build
    from bpcalc.trace.data import data_trace

    examples = Path(__file__).resolve().parent.parent / "examples"

    def work(round_: int) -> None:
        for name in ("blog_2_2_2", "slides_1_1_1", "apples", "bce_one_neuron"):
            sol = bpcalc.solve(bpcalc.load(str(examples / f"{name}.yaml")), step=True)
            for fmt in ("text", "rich", "latex", "html", "markdown", "csv"):
                render(build(sol, "step"), fmt, Options())
            render(data_trace(sol, "step"), "json", Options())
            if sol.problem.kind == "network":  # the course's notations
                render(build(sol, "step", notation="delta"), "text", Options())
                render(build(sol, "grad", notation="matrix"), "latex", Options())
        for k in range(50):  # lines parsed anew
            parse(f"v{k} * {round_}.{k}5 + w{'*x' * (k % 3)}", USER)

    work(0)  # imports and caches made once
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        work(1)
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    # json.dumps with an indent encodes in pure Python with nested functions that refer to each
    # other: a few dozen objects a call, whatever the solution (one call a run); nothing else
    ours = [o for o in found if not _of_the_json_encoder(o)]
    assert ours == []
    assert len(found) < 50 * 4


def _of_the_json_encoder(o: object) -> bool:
    import json.encoder
    import types

    if isinstance(o, json.encoder.JSONEncoder):
        return True
    if isinstance(o, types.FunctionType):
        return o.__module__ == "json.encoder"
    if isinstance(o, types.MethodType):
        return isinstance(o.__self__, json.encoder.JSONEncoder)
    return isinstance(o, (types.CellType, tuple, dict))  # (the closures' cells, argument tuples and scopes)


def test_the_console_script_ends_at_once_with_its_whole_output(tmp_path, capsys):
    """grad, step and forward leave their results to the end of the process, which ends with
    os._exit (cli/exits.end): the whole output is written and flushed, with the job's exit code."""
    import json

    n = 3000
    lines = "\n".join(f"  v{i}: v{i - 1} * a + b" for i in range(1, n + 1))
    chain = tmp_path / "chain.yaml"
    chain.write_text(f"inputs: {{v0: 1}}\nparams: {{a: 0.5, b: 0.5}}\ndefine:\n{lines}\n")
    done = subprocess.run([sys.executable, "-m", "bpcalc", "grad", str(chain), "--format", "json"],
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and done.stderr == b""
    data = json.loads(done.stdout)
    assert len(data["local"]) == 3 * n
    # v_k = 0.5·v_(k−1) + 0.5 stays 1; ∂v_n/∂b = Σ 0.5^k = 2(1 − 0.5^n), which is 2.0 in floats
    assert data["gradients"]["b"] == 2.0 and data["values"][f"v{n}"] == 1.0
    # the worked step as text, to its last line: as main() run in this process prints it (no os._exit)
    done = subprocess.run([sys.executable, "-m", "bpcalc", "step", str(chain), "--format", "text"],
                          capture_output=True, timeout=120)
    from bpcalc.cli.main import main

    assert main(["step", str(chain), "--format", "text"]) == 0
    assert done.returncode == 0 and done.stdout.decode() == capsys.readouterr().out
    assert "Loss after the step" in done.stdout.decode()
