"""The starter problems of `bpcalc init [FILE]`: a problem that runs as written, every key explained
by a comment (the words of `reading/schema.py`, which the loader and the JSON Schema read too).

`--network 2-2-2` writes a network file of those layer sizes, inputs first; without `--seed` it
follows the published blog's pattern — its numbers, one bias per layer shared by the layer's
neurons and frozen (the blog never updates them), the loss named E_total — so 2-2-2 is exactly the
blog's network (docs/commands.md, "A starter"); with `--seed N` the numbers are drawn at random,
with a bias per neuron, every one of them trained.  `--expression` writes the slides' 1-1-1
network as an expression file.
FILE is `net.yaml` when left out (the file `bpcalc` with no FILE uses); `-` prints the starter.
An existing FILE is never written over without `--force`.
"""

from __future__ import annotations

import random
import textwrap
from typing import TYPE_CHECKING

from ..errors import UsageError, printable

if TYPE_CHECKING:
    from ..ops.losses import Loss

DEFAULT_FILE = "net.yaml"
MAX_LAYERS = 8  # sizes given, inputs and outputs included
MAX_WIDTH = 32  # neurons in a layer
#: hidden layers' names (i is the inputs', o the outputs')
HIDDEN_NAMES = ("h", "j", "k", "m", "n", "p")
_COMMENT_WIDTH = 88


def _header(title: str, target: str, parts: str) -> list[str]:
    """A written file's first lines: what it is, how to run it, what may be changed."""
    from .. import shipped

    return [shipped.modeline(), f"# {title}",
            f"# It runs as it is: bpcalc step {target} (forward, backward and one SGD step, worked out).",
            f"# Change any {parts}; each key is explained above it (bpcalc schema lists them all).", ""]


def _comment(doc: str, indent: str = "") -> list[str]:
    return textwrap.wrap(doc, _COMMENT_WIDTH, initial_indent=indent + "# ", subsequent_indent=indent + "# ",
                         break_on_hyphens=False)


def _number(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def sizes_of(text: str) -> list[int]:
    parts = text.replace("x", "-").split("-")
    if len(parts) < 2 or not all(p.isdigit() and 1 <= int(p) <= MAX_WIDTH for p in parts) or len(parts) > MAX_LAYERS:
        raise UsageError(f"--network must be layer sizes such as 2-2-2, not {printable(text)}", None,
                         f"inputs first, outputs last: from 2 to {MAX_LAYERS} sizes, each from 1 to {MAX_WIDTH} "
                         "(2-2-2, 3-4-1, 2-3-3-2)")
    return [int(p) for p in parts]


def _activation(flag: str, name: str | None, default: str) -> str:
    from ..errors import did_you_mean
    from ..ops import ACTIVATIONS

    if name is None:
        return default
    if name not in ACTIVATIONS:
        hint = did_you_mean(name, list(ACTIVATIONS)) or "activations: " + ", ".join(ACTIVATIONS)
        raise UsageError(f"{flag}: unknown activation {printable(name)!r}", None, hint)
    return name


def _loss(name: str | None) -> str:
    from ..errors import did_you_mean
    from ..ops.losses import NAMES as LOSSES

    if name is None:
        return "half_sse"
    if name not in LOSSES:
        hint = did_you_mean(name, LOSSES) or "losses: " + ", ".join(LOSSES)
        raise UsageError(f"--loss: unknown loss {printable(name)!r}", None, hint)
    return name


class _Numbers:
    """The starter's numbers: the published blog's pattern, or drawn from --seed."""

    def __init__(self, seed: int | None):
        self.rng = random.Random(seed) if seed is not None else None

    def weight(self, layer: int, k: int) -> float:
        if self.rng is not None:
            return self.rng.choice([-1, 1]) * self.rng.randint(5, 100) / 100
        return 0.15 + 0.25 * (layer % 3) + 0.05 * (k % 8)  # the blog's: w1…w4 0.15…0.30, w5…w8 0.40…0.55

    def bias(self, layer: int) -> float:
        if self.rng is not None:
            return self.rng.randint(-50, 50) / 100
        return 0.35 + 0.25 * (layer % 3)  # the blog's: 0.35, then 0.60

    def inputs(self, n: int) -> list[float]:
        if self.rng is not None:
            return [self.rng.randint(0, 100) / 100 for _ in range(n)]
        return [0.05 * (k + 1) for k in range(n)]

    def targets(self, n: int, loss: str) -> list[float]:
        if loss == "cross_entropy":
            hot = self.rng.randrange(n) if self.rng is not None else 0
            return [1.0 if k == hot else 0.0 for k in range(n)]
        if loss == "bce":
            return [float(self.rng.randint(0, 1)) if self.rng is not None else float(k % 2 == 0) for k in range(n)]
        if self.rng is not None:
            return [self.rng.randint(0, 100) / 100 for _ in range(n)]
        return [0.01 if k % 2 == 0 else 0.99 for k in range(n)]


def network_starter(sizes: list[int], activation: str, output_activation: str, loss: str, seed: int | None,
                    command: str, target: str) -> str:
    from ..reading.schema import LAYER, NETWORK_BLOCK, NETWORK_FORM, SAMPLE

    numbers = _Numbers(seed)
    shape = "-".join(map(str, sizes))
    hidden = HIDDEN_NAMES[:len(sizes) - 2]
    names = [*hidden, "o"]
    inputs = [f"i{k + 1}" for k in range(sizes[0])]
    out = _header(f"A {shape} network, written by `{command}`.", target, "number or name")
    out += _comment(NETWORK_FORM["network"].doc)
    out.append("network:")
    out += _comment(NETWORK_BLOCK["inputs"].doc, "  ")
    out.append(f"  inputs: {_list(inputs)}")
    out += _comment(NETWORK_BLOCK["layers"].doc, "  ")
    out.append("  layers:")
    published = seed is None  # the blog's pattern: one bias a layer, frozen; the loss named E_total
    params: list[tuple[str, float]] = []
    shared: list[tuple[str, float]] = []  # the layers' biases, after every weight (as the blog lists them)
    w = b = 0
    previous = inputs
    for layer, (name, width) in enumerate(zip(names, sizes[1:])):
        neurons = [name] if width == 1 else [f"{name}{j + 1}" for j in range(width)]
        rows, biases = [], []
        layer_biases = []
        for j in range(width):
            row = []
            for k in range(len(previous)):
                w += 1
                row.append(f"w{w}")
                params.append((f"w{w}", numbers.weight(layer, j * len(previous) + k)))
            rows.append(_list(row))
            if not published or j == 0:
                b += 1
                layer_biases.append((f"b{b}", numbers.bias(layer)))
            biases.append(f"b{b}")
        if published:
            shared += layer_biases
        else:
            params += layer_biases
        bias = biases[0] if published else _list(biases)
        act = output_activation if name == "o" else activation
        first = layer == 0
        notes = {key: LAYER[key].doc for key in ("name", "activation", "weights", "bias")} if first else {}
        for key, value in (("name", name), ("activation", act), ("weights", _list(rows)), ("bias", bias)):
            if key in notes:
                out += _comment(notes[key], "    " if key == "name" else "      ")
            out.append(f"{'    - ' if key == 'name' else '      '}{key}: {value}")
        previous = neurons
    out += _comment(NETWORK_FORM["params"].doc)
    out.append("params:")
    out += [f"  {name}: {_number(value)}" for name, value in params + shared]
    if published:
        out += _comment(NETWORK_FORM["frozen"].doc + ": the published example never updates its biases (take "
                        "this line out to train them too)")
        out.append(f"frozen: {_list([name for name, _ in shared])}")
    out += _comment(NETWORK_FORM["sample"].doc)
    out.append("sample:")
    out += _comment(SAMPLE["inputs"].doc, "  ")
    out.append(f"  inputs: {_list([_number(x) for x in numbers.inputs(sizes[0])])}")
    out += _comment(SAMPLE["targets"].doc, "  ")
    out.append(f"  targets: {_list([_number(t) for t in numbers.targets(sizes[-1], loss)])}")
    out += _comment(NETWORK_FORM["loss"].doc)
    out.append(f"loss: {{kind: {loss}, name: E_total}}" if published else f"loss: {loss}")
    out += _comment(NETWORK_FORM["lr"].doc)
    out.append("lr: 0.5")
    example_sample = (f"{{inputs: {_list(['0.1'] * sizes[0])}, targets: {_list(['0.5'] * sizes[-1])}}}")
    out += ["", "# Keys to add when you need them:"]
    example_data = (f"{{csv: data.csv, inputs: {_list([f'x{k + 1}' for k in range(sizes[0])])}, "
                    f"targets: {_list([f'y{k + 1}' for k in range(sizes[-1])])}}}")
    offered = [("frozen", "[b1]")] if not published else []
    offered += [("round", "2"), ("samples", f"[{example_sample}, {example_sample}]"), ("reduction", "mean"),
                ("naming", "{pre: z, post: y}"), ("optimizer", "adam"), ("check", "{sig: 3}"), ("data", example_data)]
    for key, example in offered:
        out += _comment(NETWORK_FORM[key].doc + (" (instead of sample)" if key == "samples" else ""))
        out.append(f"# {key}: {example}")
    return "\n".join(out) + "\n"


def _one_output(loss: Loss) -> bool:
    """Whether the loss has a meaning for one output (softmax's needs a layer of several)."""
    return loss.needs != "softmax"


def expression_starter(activation: str, output_activation: str, loss: str, seed: int | None, command: str,
                       target: str) -> str:
    from ..expr.tree import to_text
    from ..ops import ACTIVATIONS
    from ..ops.losses import BY_NAME, LOSSES, loss_expr
    from ..reading.schema import EXPRESSION_FORM

    record = BY_NAME[loss]
    if not _one_output(record):
        raise UsageError(f"--expression writes one output; --loss {loss} needs a {record.needs} layer", None,
                         f"use --network 2-2-2 --loss {loss}, or a loss of one output: "
                         + ", ".join(other.name for other in LOSSES if _one_output(other)))
    for flag, name in (("--activation", activation), ("--output-activation", output_activation)):
        if ACTIVATIONS[name] == "softmax":
            raise UsageError(f"{flag} softmax needs a layer of several outputs", None,
                             "use --network 2-2-2 --loss cross_entropy")

    def apply(name: str, z: str) -> str:
        return z if ACTIVATIONS[name] == "linear" else f"{name}({z})"

    rng = random.Random(seed) if seed is not None else None
    given = {"x": 1.0, "y": 0.8} if rng is None else {"x": rng.randint(0, 100) / 100,
                                                      "y": float(rng.randint(0, 1)) if loss == "bce"
                                                      else rng.randint(0, 100) / 100}
    params = ({"w_h": 0.2, "b_h": 0.1, "w_o": 0.3, "b_o": 0.2} if rng is None else
              {k: rng.choice([-1, 1]) * rng.randint(5, 100) / 100 for k in ("w_h", "b_h", "w_o", "b_o")})
    doc = EXPRESSION_FORM
    out = _header(f"The slides' 1-1-1 network written as a graph, by `{command}`.", target,
                  "number, name or line")
    out += _comment(doc["inputs"].doc)
    out.append("inputs: {" + ", ".join(f"{k}: {_number(v)}" for k, v in given.items()) + "}")
    out += _comment(doc["params"].doc)
    out.append("params: {" + ", ".join(f"{k}: {_number(v)}" for k, v in params.items()) + "}")
    out += _comment(doc["define"].doc + "; numbers, + - * / **, parentheses and functions such as sigmoid, "
                    "tanh, relu, exp, log")
    out += ["define:",
            "  z_h: w_h * x + b_h",
            f"  y_h: {apply(activation, 'z_h')}",
            "  z_o: w_o * y_h + b_o",
            f"  y_o: {apply(output_activation, 'z_o')}",
            f"  loss: {to_text(loss_expr(record, ['y_o'], ['y']))}"]
    out += _comment(doc["output"].doc)
    out.append("output: loss")
    out += _comment(doc["lr"].doc)
    out.append("lr: 0.5")
    out += ["", "# Keys to add when you need them:"]
    for key, example in (("frozen", "[b_h]"), ("round", "2"), ("optimizer", "adam"), ("check", "{sig: 3}")):
        out += _comment(doc[key].doc)
        out.append(f"# {key}: {example}")
    return "\n".join(out) + "\n"


def starter(values: dict[str, object], command: str, target: str = DEFAULT_FILE) -> str:
    """The starter's text for the options given (checked here, with a hint for each mistake)."""
    loss = _loss(_text(values.get("loss")))
    activation = _activation("--activation", _text(values.get("activation")), "sigmoid")
    from ..ops import ACTIVATIONS
    from ..ops.losses import BY_NAME

    wanted = BY_NAME[loss].needs
    default_output = wanted or ("sigmoid" if ACTIVATIONS[activation] == "softmax" else activation)
    output_activation = _activation("--output-activation", _text(values.get("output_activation")), default_output)
    if wanted and ACTIVATIONS[output_activation] != wanted:
        raise UsageError(f"--loss {loss} needs --output-activation {wanted}, not {output_activation}", None,
                         f"leave out --output-activation: {loss} sets it to {wanted}")
    seed = values.get("seed")
    seed = seed if isinstance(seed, int) else None
    if values.get("expression"):
        if values.get("network") is not None:
            raise UsageError("--expression and --network each choose the starter's form: give one", None,
                             "--network 2-2-2 for a network file, --expression for an expression file")
        return expression_starter(activation, output_activation, loss, seed, command, target)
    if ACTIVATIONS[activation] == "softmax":
        raise UsageError("--activation softmax: softmax is for the output layer", None,
                         "--output-activation softmax (with --loss cross_entropy)")
    sizes = sizes_of(_text(values.get("network")) or "2-2-2")
    return network_starter(sizes, activation, output_activation, loss, seed, command, target)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
