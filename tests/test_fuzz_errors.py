"""Fuzzing the whole command line: whatever the input, bpcalc exits 0 or 2, never with a traceback
or an internal error (70), and never hangs (docs/errors.md)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bpcalc.cli.main import main

from helpers import as_written

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORKDIR = Path(tempfile.mkdtemp(prefix="bpcalc-fuzz-"))


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def run_cli(text: str | bytes, *options: str) -> tuple[int, str, str]:
    path = WORKDIR / "input.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*options[:1], str(path), *options[1:]])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


#: what must never reach the terminal from a message: controls but the newline, bidi and invisible characters
HIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _not_json(constant: str) -> float:
    raise AssertionError(f"{constant} in the JSON output: not JSON")


def check(text: str | bytes, *options: str) -> None:
    code, out, err = run_cli(text, *options)
    event(f"exit {code}")
    if code == 2:
        event(err.split("error: ", 1)[-1].split("'")[0][:40])  # which checks the fuzzing reaches
    assert code in (0, 2), f"exit {code}\n{err}\n--- input ---\n{text!r}"
    assert "Traceback" not in out + err
    assert not HIDDEN.search(err), repr(err)
    if code == 2:
        first = err.splitlines()[0]
        assert "error: " in first, err
    elif "json" in options:  # valid JSON: never Infinity or NaN
        json.loads(out, parse_constant=_not_json)


# --- random bytes and text ------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes):
    check(data, "grad")


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("inputs:params{}[],-#&*!|>'\"\n x1.5w=define ")),
               max_size=200))
def test_random_yaml_like_text(text: str):
    check(text, "grad")


# --- random documents built from the format's keys ------------------------------------------------

NAMES = st.sampled_from(["x", "y", "w", "b", "w1", "w2", "z", "loss", "h", "o", "i1", "i2", "t", "x", "w",
                         "__x", "1x", "sigmoid"])
NUMBERS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 0.5, -1.0, 1e308, 1e-320, 710, -710]))
TOKENS = ["x", "y", "w", "b", "z", "2", "0", "0.5", "1e3", "1e400", "+", "-", "*", "/", "**", "^", "(",
          ")", ",", "sigmoid(", "tanh(", "relu(", "leaky_relu(", "exp(", "log(", "ln(", "sqrt(",
          "abs(", "sin(", "cos(", "softplus(", "max(", "min(", "logistic(", " ", ".", "[", "]", "'",
          "\"", "__import__", "lambda", ":", "for", "if", "=", "#", "%", "@", "{", "\\", "é"]
EXPRESSIONS = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=25).map("".join)
SCALARS = st.one_of(NUMBERS, EXPRESSIONS, NAMES, st.none(), st.booleans())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(NAMES, inner, max_size=4)),
                      max_leaves=12)
LEAVES = st.dictionaries(NAMES, st.one_of(NUMBERS, VALUES), max_size=5)


def documents(form: str) -> st.SearchStrategy[dict]:
    if form == "expression":
        fields = {
            "inputs": LEAVES, "params": LEAVES,
            "define": st.dictionaries(NAMES, st.one_of(EXPRESSIONS, NUMBERS, VALUES), max_size=5),
            "output": st.one_of(NAMES, VALUES), "lr": st.one_of(NUMBERS, VALUES),
            "round": st.one_of(st.integers(-2, 20), VALUES), "frozen": st.one_of(st.lists(NAMES), VALUES),
        }
    else:
        matrix = st.lists(st.lists(st.one_of(NUMBERS, NAMES), min_size=1, max_size=3), min_size=1, max_size=3)
        layer = st.fixed_dictionaries({"weights": st.one_of(matrix, VALUES)}, optional={
            "name": st.one_of(NAMES, VALUES),
            "activation": st.one_of(st.sampled_from(["sigmoid", "logistic", "tanh", "relu", "leaky_relu",
                                                     "linear", "identity", "softplus", "softmax",
                                                     "sigmod"]),
                                    st.dictionaries(st.just("leaky_relu"), NUMBERS, max_size=1), VALUES),
            "bias": st.one_of(st.lists(st.one_of(NUMBERS, NAMES), max_size=3), NUMBERS, NAMES, VALUES),
        })
        sample = st.fixed_dictionaries({}, optional={
            "inputs": st.one_of(st.lists(NUMBERS, max_size=3), st.dictionaries(NAMES, NUMBERS, max_size=3), VALUES),
            "targets": st.one_of(st.lists(NUMBERS, max_size=3), st.dictionaries(NAMES, NUMBERS, max_size=3), VALUES),
        })
        fields = {
            "network": st.fixed_dictionaries({}, optional={
                "inputs": st.one_of(st.lists(NAMES, min_size=1, max_size=3), VALUES),
                "layers": st.one_of(st.lists(layer, min_size=1, max_size=3), VALUES),
            }),
            "params": LEAVES, "frozen": st.one_of(st.lists(NAMES), VALUES),
            "sample": st.one_of(sample, VALUES), "samples": st.one_of(st.lists(sample, max_size=3), VALUES),
            "reduction": st.one_of(st.sampled_from(["mean", "sum", "avg"]), VALUES),
            "loss": st.one_of(st.sampled_from(["half_sse", "sse", "mse", "bce", "cross_entropy", "l2"]),
                              st.fixed_dictionaries({}, optional={"kind": st.sampled_from(["half_sse", "mse", "x"]),
                                                                  "name": NAMES}), VALUES),
            "naming": st.one_of(st.fixed_dictionaries({}, optional={"pre": NAMES, "post": NAMES}), VALUES),
            "lr": st.one_of(NUMBERS, VALUES), "round": st.one_of(st.integers(-2, 20), VALUES),
        }
    core = ("network", "params", "sample") if form == "network" else ("inputs", "params", "define")
    required = {key: fields.pop(key) for key in core}
    documents = st.fixed_dictionaries(required, optional=fields)
    # now and then a key the format does not have
    return st.tuples(documents, st.integers(0, 9), NAMES, VALUES).map(
        lambda d: {**d[0], f"{d[2]}_": d[3]} if d[1] == 0 else d[0])


OPTIONS = st.sampled_from([("grad",), ("forward",), ("step",), ("step", "--round", "2"),
                           ("grad", "--format", "json"), ("step", "--format", "json", "--lr", "0.1")])


@FUZZ
@given(documents("expression"), OPTIONS)
def test_random_expression_documents(doc: dict, options: tuple[str, ...]):
    check(yaml.safe_dump(doc, allow_unicode=True), *options)


@FUZZ
@given(documents("network"), OPTIONS)
def test_random_network_documents(doc: dict, options: tuple[str, ...]):
    check(yaml.safe_dump(doc, allow_unicode=True), *options)


# --- well-formed problems with random numbers and formulas (they reach the engine) --------------------


def formulas(names: list[str]) -> st.SearchStrategy[str]:
    atoms = st.one_of(st.sampled_from(names), st.sampled_from(["0", "1", "2", "0.5", "3e2", "1e-9"]))
    unary = st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "exp", "log", "sqrt", "abs", "sin",
                             "cos", "softplus", "-"])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(unary, inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    ), max_leaves=8)


@st.composite
def expression_problems(draw) -> dict:
    leaves = ["x", "y", "w", "b"]
    define = {}
    for i in range(draw(st.integers(1, 3))):
        define[f"z{i}"] = draw(formulas(leaves + list(define)))
    return {"inputs": {"x": draw(NUMBERS), "y": draw(NUMBERS)}, "params": {"w": draw(NUMBERS), "b": draw(NUMBERS)},
            "define": define}


@st.composite
def network_problems(draw) -> dict:
    inputs = [f"i{k}" for k in range(1, draw(st.integers(1, 3)) + 1)]
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    activations = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus", {"leaky_relu": 0.1}]
    layers, n_in = [], len(inputs)
    for li, size in enumerate(sizes):
        last = li == len(sizes) - 1
        layers.append({
            "name": f"L{li}",
            "activation": draw(st.sampled_from(activations + (["softmax"] if last else []))),
            "weights": [[draw(NUMBERS) for _ in range(n_in)] for _ in range(size)],
            "bias": draw(st.one_of(st.none(), NUMBERS, st.lists(NUMBERS, min_size=size, max_size=size))),
        })
        n_in = size
    loss = draw(st.sampled_from(["half_sse", "sse", "mse", "bce", "cross_entropy"]))
    return {"network": {"inputs": inputs, "layers": layers}, "loss": loss,
            "sample": {"inputs": [draw(NUMBERS) for _ in inputs], "targets": [draw(NUMBERS) for _ in range(n_in)]}}


@FUZZ
@given(st.one_of(expression_problems(), network_problems()), OPTIONS)
def test_random_well_formed_problems(doc: dict, options: tuple[str, ...]):
    for layer in doc.get("network", {}).get("layers", []):
        if layer["bias"] is None:
            del layer["bias"]
    check(yaml.safe_dump(doc), *options)


# --- random expressions in an otherwise good file ----------------------------------------------------


@FUZZ
@given(EXPRESSIONS, st.sampled_from(["plain", "double", "folded"]), OPTIONS)
def test_random_expressions(expression: str, style: str, options: tuple[str, ...]):
    if style == "plain":
        line = yaml.safe_dump({"z": expression}, allow_unicode=True, width=10**6).rstrip("\n")
    elif style == "double":
        line = "z: " + yaml.safe_dump(expression, default_style='"', allow_unicode=True).split("\n")[0]
    else:
        line = "z: >-\n    " + expression.replace("\n", " ")
    text = f"inputs: {{x: 1.5, y: -2}}\nparams: {{w: 0.3, b: 0}}\ndefine:\n  {line.replace(chr(10), chr(10) + '  ')}\n"
    check(text, *options)


# --- network files with anchors and aliases, and `step -o` read back ----------------------------------


@st.composite
def shared_networks(draw) -> dict:
    """A well-formed network whose rows, biases, layers and samples may be one object several times:
    yaml.safe_dump writes such sharing as anchors (&id001) and aliases (*id001)."""
    n_in = draw(st.integers(1, 3))
    inputs = [f"i{k}" for k in range(1, n_in + 1)]
    value = st.sampled_from([0.1, -0.2, 0.25, 0.5, 1, 0, -1.5, 2, 0.05])
    layers, width = [], n_in
    shared_layer = None
    for _ in range(draw(st.integers(1, 3))):
        size = draw(st.integers(1, 3))
        row = [draw(value) for _ in range(width)]
        rows = [row if draw(st.booleans()) else [draw(value) for _ in range(width)] for _ in range(size)]
        layer = {"activation": draw(st.sampled_from(["sigmoid", "tanh", "linear", "softplus", "leaky_relu"])),
                 "weights": rows}
        bias = draw(st.one_of(st.none(), value, st.lists(value, min_size=size, max_size=size)))
        if bias is not None:
            layer["bias"] = bias
        if shared_layer is not None and size == len(shared_layer["weights"]) and width == size \
                and draw(st.booleans()):
            layer = shared_layer  # the same layer again (its names default to L1, L2, …)
        elif size == width:
            shared_layer = layer
        layers.append(layer)
        width = size
    one = {"inputs": [draw(value) for _ in inputs], "targets": [draw(value) for _ in range(width)]}
    samples = [one if draw(st.booleans()) else {"inputs": [draw(value) for _ in inputs],
                                                "targets": [draw(value) for _ in range(width)]}
               for _ in range(draw(st.integers(1, 3)))]
    doc: dict = {"network": {"inputs": inputs, "layers": layers}}
    doc["samples" if len(samples) > 1 else "sample"] = samples if len(samples) > 1 else samples[0]
    doc["loss"] = draw(st.sampled_from(["half_sse", "sse", "mse"]))
    if draw(st.booleans()):
        doc["lr"] = draw(st.sampled_from([0.1, 0.5, 2]))
    return doc


@FUZZ
@given(shared_networks(), OPTIONS)
def test_random_networks_with_anchors(doc: dict, options: tuple[str, ...]):
    check(yaml.safe_dump(doc, default_flow_style=None), *options)


@st.composite
def shared_expressions(draw) -> dict:
    value = st.sampled_from([0.1, -0.2, 0.25, 0.5, 1, 2, -1.5])
    shared = draw(value)
    names = ["w", "b", "c"]
    params = {n: (shared if draw(st.booleans()) else draw(value)) for n in names}
    doc: dict = {"inputs": {"x": draw(value), "t": draw(value)}, "params": params,
                 "define": {"z": draw(formulas(["x", *names])), "loss": "0.5*(t - z)**2"}}
    if draw(st.booleans()):
        doc["frozen"] = [draw(st.sampled_from(names))]
    return doc


def _float_representer(dumper: yaml.SafeDumper, value: float) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", repr(value))


class _Dumper(yaml.SafeDumper):
    """Writes every shared number, list and mapping as an anchor and aliases (names and keys as
    they are: a key that is an alias is refused, which is not what this test is about)."""

    def ignore_aliases(self, data: object) -> bool:
        return data is None or isinstance(data, (str, bool))


_Dumper.add_representer(float, _float_representer)


@FUZZ
@given(st.one_of(shared_networks(), shared_expressions()), st.sampled_from(["", "\t# note", "\u2028", "\r\n"]))
def test_step_output_reads_back_as_the_printed_update(doc: dict, spice: str):
    """`step -o`: whatever anchors share, the written file reads back with every param at exactly
    the printed update and everything else as it was; or the step fails (exit 2) and writes nothing."""
    text = yaml.dump(doc, Dumper=_Dumper, default_flow_style=None, sort_keys=False)
    text = text.replace("\n", spice + "\n", 1) if spice != "\r\n" else text.replace("\n", "\r\n")
    source, target = WORKDIR / "anchored.yaml", WORKDIR / "next.yaml"
    source.write_bytes(text.encode("utf-8"))
    target.unlink(missing_ok=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["step", str(source), "-o", str(target), "--format", "json"])
    assert code in (0, 2), err.getvalue()
    event(f"exit {code}")
    if code == 2:
        assert not target.exists() and out.getvalue() == ""
        return
    import bpcalc

    printed = json.loads(out.getvalue(), parse_constant=_not_json)
    old, new = bpcalc.load(str(source)), bpcalc.load(str(target))
    assert new.inputs == old.inputs and new.frozen == old.frozen
    assert new.params == {name: as_written(printed["updated"].get(name, value)) for name, value in old.params.items()}
    assert [(ln.name, ln.source) for ln in new.lines] == [(ln.name, ln.source) for ln in old.lines]
    assert not list(WORKDIR.glob(".bpcalc-*"))
