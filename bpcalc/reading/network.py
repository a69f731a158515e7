"""Network files are sugar: each neuron j becomes `net_j` (weighted sum) and `out_j` (activation),
targets become leaves `t_j`, and the loss becomes one named node — the same `Problem` an
expression file gives, so one engine and one renderer serve both."""

from __future__ import annotations

from typing import Any

from ..errors import InputError, did_you_mean, quoted
from ..expr.tree import Bin, Call, Expr, Name, Num, to_text
from ..ops import ACTIVATIONS, TABLE, lookup
from ..ops.losses import BY_NAME as BY_LOSS
from ..ops.losses import LOSSES as ALL_LOSSES
from ..ops.losses import loss_expr, shortcut_holds
from ..problem import Layer, Line, Network, Problem
from .common import Budget, check_keys, check_name, frozen_names, leaves, lr_and_round, number, operations
from .schema import (
    LAYER_KEYS,
    LOSS_KEYS,
    LOSSES,
    NAMING_KEYS,
    NETWORK_BLOCK_KEYS,
    NETWORK_KEYS,
    REDUCTIONS,
    SAMPLE_KEYS,
)
from .scheme import scheme_keys
from .training import csv_samples, optimizer_spec
from .yamldoc import Doc, Path

#: outputs of a softmax layer: each depends on every net of the layer, so its local derivatives,
#: and a worked solution, grow as the square of the width
MAX_SOFTMAX = 64


def _sum(terms: list[Expr]) -> Expr:
    e = terms[0]
    for t in terms[1:]:
        e = Bin("+", e, t)
    return e


class _Lowering:
    def __init__(self, doc: Doc, unshown: bool = False, graph: bool = True):
        self.doc = doc
        self.graph = graph
        self.data: dict[str, Any] = doc.data
        self.params: dict[str, float] = {}
        self.inputs: dict[str, float] = {}
        self.lines: list[Line] = []
        self.locations: dict[str, Path] = {}
        self.roles: dict[str, str] = {}
        self.spans: dict[str, Any] = {}
        self.taken: dict[str, Path] = {}
        self.identities: dict[str, tuple[str, str, float, str]] = {}
        self.budget = Budget(doc, data=isinstance(doc.data, dict) and "data" in doc.data, unshown=unshown)
        self.layer_of: dict[str, int] = {}

    def fail(self, message: str, path: Path, hint: str | None = None, key: bool = False) -> InputError:
        span = self.doc.key_span(path) if key else self.doc.span(path)
        return InputError(message, span, hint)

    def define(self, name: str, expr: Expr, path: Path, role: str) -> None:
        if role in ("net", "out") and len(path) == 3 and isinstance(path[2], int):
            self.layer_of[name] = path[2]
        if name in self.taken:
            naming = self.data.get("naming")
            if role in ("net", "out") and isinstance(naming, dict):  # the name is `naming:`'s prefix + the layer's
                key = "pre" if role == "net" else "post"
                raise self.fail(f"the network makes a node '{name}' from `naming: {{{key}: …}}`, but that name is "
                                "already taken", ("naming", key) if key in naming else ("naming",),
                                "choose other prefixes under `naming:`, or rename the param or the layer")
            raise self.fail(f"the network makes a node '{name}', but that name is already taken",
                            path, "rename the param or the layer")
        self.budget.spend(operations(expr), path, f"the network's node {name}")
        self.taken[name] = path
        self.lines.append(Line(name, expr, to_text(expr), self.doc.span(path)))
        self.roles[name] = role
        self.spans[name] = self.doc.span(path)

    def leaf_input(self, name: str, value: float, path: Path, role: str) -> None:
        if name in self.taken:
            raise self.fail(f"'{name}' is declared twice", path, "each name may appear once")
        self.taken[name] = path
        self.inputs[name] = value
        self.roles[name] = role
        self.spans[name] = self.doc.span(path)

    # --- the parts --------------------------------------------------------------------------------

    def run(self) -> Problem:
        doc, data = self.doc, self.data
        check_keys(doc, (), data, NETWORK_KEYS, "a network file")
        net = data["network"]
        if not isinstance(net, dict):
            raise self.fail("`network` must be a mapping with `inputs` and `layers`", ("network",),
                            "bpcalc examples show blog_2_2_2 shows one")
        check_keys(doc, ("network",), net, NETWORK_BLOCK_KEYS, "`network`")
        self.params = leaves(doc, data, "params", self.taken)
        for name in self.params:
            self.roles[name] = "param"
            self.spans[name] = doc.key_span(("params", name))
        lr, places = lr_and_round(doc, data)
        reduction = self.reduction()  # checked even with one sample, where it changes nothing
        naming = self.naming()
        input_names = self.input_names(net)
        layers = net.get("layers")
        if not isinstance(layers, list) or not layers:
            raise self.fail("`network.layers` must be a list of layers", ("network", "layers")
                            if "layers" in net else ("network",),
                            "each layer: {name: h, activation: sigmoid, weights: [[w1, w2]], bias: [b1]}")
        samples = self.samples(data)
        structure = [self.layer(i, layer, naming) for i, layer in enumerate(layers)]
        # weights and biases become params (named or automatic) before any sample uses them
        sizes = [len(input_names)] + [len(neurons) for _, neurons, _, _, _ in structure]
        prev_names = input_names
        weight_exprs = []
        for li, (lname, neurons, _, weights, bias) in enumerate(structure):
            weight_exprs.append(self.layer_params(li, lname, neurons, weights, bias, prev_names, sizes[li]))
            prev_names = neurons
        # after the layers: a param made from a number (b_o, w_o_h1) is a param like any other
        frozen = frozen_names(doc, data, self.params)
        out_neurons = structure[-1][1]
        for li, (_, _, act, _, _) in enumerate(structure):
            if act[0] == "softmax" and li != len(structure) - 1:
                raise self.fail("softmax can only be the activation of the output layer",
                                ("network", "layers", li, "activation"))
        loss_kind, loss_name = self.loss_spec()
        loss = BY_LOSS[loss_kind]
        out_act = structure[-1][2][0]
        if loss.needs is not None and out_act != loss.needs:
            others = [other.name for other in ALL_LOSSES if other.needs is not None and other is not loss]
            raise self.fail(f"`{loss_kind}` needs a {loss.needs} output layer", ("loss",),
                            f"set `activation: {loss.needs}` on the last layer"
                            + (f", or use `{others[0]}` for {BY_LOSS[others[0]].needs} outputs" if others else ""))

        # the network's layers alone (train): no named scalar graph, unless --round needs it
        graph = self.graph or places is not None
        if graph:
            self.check_size(structure, sizes, samples)
        many = len(samples) > 1
        sample_losses: list[str] = []
        rows: list[tuple[list[float], list[float]]] = []
        for s, (spath, sample) in enumerate(samples, start=1):
            suffix = f"[{s}]" if many else ""
            xs = self.sample_values(spath, sample, "inputs", input_names, "input")
            ts = self.sample_values(spath, sample, "targets", out_neurons, "target")
            rows.append((xs, ts))
            if not graph:
                continue
            prev = []
            for name, value in zip(input_names, xs):
                self.leaf_input(name + suffix, value, spath + ("inputs",), "input")
                prev.append(name + suffix)
            targets = []
            for neuron, value in zip(out_neurons, ts):
                tname = f"t_{neuron}{suffix}"
                self.leaf_input(tname, value, spath + ("targets",), "target")
                targets.append(tname)
            for li, (_, neurons, act, _, _) in enumerate(structure):
                path: Path = ("network", "layers", li)
                nets = []
                for j, neuron in enumerate(neurons):
                    terms: list[Expr] = []
                    for k, w in enumerate(weight_exprs[li][0][j]):
                        terms.append(Bin("*", w, Name(prev[k])))
                    bias = weight_exprs[li][1][j]
                    if bias is not None:
                        terms.append(bias)
                    nname = f"{naming[0]}_{neuron}{suffix}"
                    self.define(nname, _sum(terms), path, "net")
                    nets.append(nname)
                outs = []
                for j, neuron in enumerate(neurons):
                    oname = f"{naming[1]}_{neuron}{suffix}"
                    self.define(oname, self.activation(act, nets, j), path, "out")
                    outs.append(oname)
                prev = outs
            identity = shortcut_holds(loss, out_act, ts)
            if identity is not None:
                for net_name, out_name, target in zip(nets, outs, targets):
                    self.identities[net_name] = (out_name, target, 1.0, identity)
            lname = loss_name + suffix
            self.define(lname, loss_expr(loss, prev, targets), ("loss",) if "loss" in data
                        else ("network",), "loss")
            sample_losses.append(lname)
        if many and graph:
            total = _sum([Name(n) for n in sample_losses])
            if reduction == "mean":
                total = Bin("/", total, Num(float(len(sample_losses))))
                self.identities = {k: (o, t, 1.0 / len(sample_losses), what)
                                   for k, (o, t, _, what) in self.identities.items()}
            self.define(loss_name, total, ("samples",), "loss")
        for name, path in self.taken.items():
            self.spans.setdefault(name, self.doc.span(path))
        layered = self.layered(input_names, structure, weight_exprs, naming, loss_kind, rows)
        return Problem(doc.file, self.inputs, self.params, self.lines, loss_name, frozen, lr, places,
                       "network", self.spans, self.locations, self.roles, identities=self.identities,
                       layer_of=self.layer_of, loss_kind=loss_kind,
                       reduction=reduction if many else None, samples=len(rows),
                       network=layered, optimizer=optimizer_spec(doc, data),
                       check=scheme_keys(doc, ("check",), data.get("check")))

    def check_size(self, structure: list[Any], sizes: list[int], samples: list[tuple[Path, Any]]) -> None:
        """Refuse, before building it, a network whose samples would make more operations than
        the file may (reading.common.Budget): the layers' sizes say how many each sample makes."""
        per_sample = 0
        for li, (_, neurons, act, _, bias) in enumerate(structure):
            n_in = sizes[li]
            per_sample += len(neurons) * (2 * n_in - 1 + (bias is not None))  # Σ w·x + b
            per_sample += len(neurons) * (len(neurons) if act[0] == "softmax" else 1)
        per_sample += 5 * sizes[-1] + 1  # the loss
        total = per_sample * len(samples) + len(samples)
        if self.budget.used + total > self.budget.limit:
            count = len(samples)
            path: Path = next(((k,) for k in ("samples", "sample", "data") if k in self.data), ())
            raise InputError(f"the network makes {per_sample:,} operations per sample, {total:,} for its "
                             f"{count:,} sample{'s' if count != 1 else ''}: more than the {self.budget.limit:,} "
                             "operations a problem may have", self.doc.key_span(path), self.budget.hint())

    def naming(self) -> tuple[str, str]:
        value = self.data.get("naming")
        if value is None:
            return ("net", "out")
        if not isinstance(value, dict):
            raise self.fail("`naming` must be a mapping", ("naming",), "for example: naming: {pre: z, post: y}")
        check_keys(self.doc, ("naming",), value, NAMING_KEYS, "`naming`")
        pre = check_name(self.doc, ("naming", "pre"), value.get("pre", "net"), "the prefix")
        post = check_name(self.doc, ("naming", "post"), value.get("post", "out"), "the prefix")
        return (pre, post)

    def input_names(self, net: dict[str, Any]) -> list[str]:
        value = net.get("inputs")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.fail("`network.inputs` must be a list of input names",
                            ("network", "inputs") if "inputs" in net else ("network",),
                            "for example: inputs: [i1, i2]")
        names = []
        for i, name in enumerate(value):
            check_name(self.doc, ("network", "inputs", i), name, "the input")
            if name in names:
                raise self.fail(f"input '{name}' is listed twice", ("network", "inputs", i))
            names.append(name)
        return names

    def layer(self, li: int, layer: Any, naming: tuple[str, str]
              ) -> tuple[str, list[str], tuple[str, float | None], list[Any], Any]:
        path: Path = ("network", "layers", li)
        if not isinstance(layer, dict):
            raise self.fail(f"layer {li + 1} must be a mapping", path,
                            "{name: h, activation: sigmoid, weights: [[w1, w2]], bias: [b1]}")
        check_keys(self.doc, path, layer, LAYER_KEYS, f"layer {li + 1}")
        lname = check_name(self.doc, path + ("name",), layer.get("name", f"L{li + 1}"), "the layer name")
        weights = layer.get("weights")
        if weights is None:
            raise self.fail(f"layer '{lname}' has no `weights`", path,
                            "weights: [[w1, w2], [w3, w4]]  (a row per neuron, a column per input)")
        if isinstance(weights, list) and weights and not any(isinstance(r, list) for r in weights):
            weights = [weights]  # a one-neuron layer may write its row alone
        if not isinstance(weights, list) or not weights:
            raise self.fail(f"`weights` of layer '{lname}' must be a matrix (a list of rows)",
                            path + ("weights",), "weights: [[w1, w2], [w3, w4]]")
        n = len(weights)
        neurons = [lname] if n == 1 else [f"{lname}{j + 1}" for j in range(n)]
        act = self.activation_spec(path, layer.get("activation", "sigmoid"))
        if act[0] == "softmax" and n > MAX_SOFTMAX:
            raise self.fail(f"the softmax layer '{lname}' has {n} outputs; bpcalc shows at most {MAX_SOFTMAX}",
                            path + ("weights",), "every softmax output depends on every net of its layer, so a "
                            "worked solution grows as the square of the width; use fewer outputs")
        return (lname, neurons, act, weights, layer.get("bias"))

    def activation_spec(self, path: Path, value: Any) -> tuple[str, float | None]:
        """(the primitive, or "linear"; the number given for its optional parameter, or None).
        The activations and their optional parameters (leaky_relu's slope, elu's α) are the
        op table's."""
        given: float | None = None
        apath = path + ("activation",)
        if isinstance(value, dict) and len(value) == 1:
            (value, number_value), = value.items()
            kind = ACTIVATIONS.get(value) if isinstance(value, str) else None
            if kind is not None and (kind == "linear" or not lookup(kind).defaults):
                takes = [p.name for p in TABLE if p.activation and p.defaults]
                raise self.fail(f"only {' and '.join(takes)} take a parameter", apath,
                                f"write `activation: {value}`, or e.g. `activation: {{leaky_relu: 0.1}}`")
            if kind is not None:
                p = lookup(kind)
                given = number(self.doc, apath + (value,), number_value, f"the {value} {p.params[-1]}")
        if not isinstance(value, str) or value not in ACTIVATIONS:
            hint = did_you_mean(str(value), list(ACTIVATIONS)) or "activations: " + ", ".join(ACTIVATIONS)
            raise self.fail(f"unknown activation {value!r}", apath, hint)
        return (ACTIVATIONS[value], given)

    def entry(self, value: Any, path: Path, auto: str, what: str) -> Expr:
        """A weight or bias: a param's name, or a number that becomes an automatic param."""
        if isinstance(value, str):
            if value not in self.params and _looks_like_number(value):
                number(self.doc, path, value, what)  # a quoted number: refused as text, with that hint
            if value not in self.params:
                hint = (did_you_mean(value, list(self.params))
                        or f"add it under `params:`, e.g. params: {{{value}: 0.1}}")
                raise self.fail(f"{what} {quoted(value)} is not declared under `params`", path, hint)
            self.locations.setdefault(value, ("params", value))
            return Name(value)
        x = number(self.doc, path, value, what)
        if auto in self.taken:
            raise self.fail(f"the automatic name '{auto}' for this number is already taken", path,
                            "give the weight a name of its own under `params:`")
        self.params[auto] = x
        self.taken[auto] = path
        self.locations[auto] = path
        self.roles[auto] = "param"
        self.spans[auto] = self.doc.span(path)
        return Name(auto)

    def layer_params(self, li: int, lname: str, neurons: list[str], weights: list[Any], bias: Any,
                     prev: list[str], n_in: int) -> tuple[list[list[Expr]], list[Expr | None]]:
        path: Path = ("network", "layers", li)
        raw_rows = self.doc.data["network"]["layers"][li]["weights"]
        flat = not any(isinstance(r, list) for r in raw_rows)
        rows = []
        for j, row in enumerate(weights):
            rpath = path + ("weights",) if flat else path + ("weights", j)
            if not isinstance(row, list) or len(row) != n_in:
                got = (f"{len(row)} entr{'y' if len(row) == 1 else 'ies'}" if isinstance(row, list)
                       else repr(row))
                raise self.fail(
                    f"row {j + 1} of the weights of layer '{lname}'"
                    f" has {got}, but the layer has {n_in} input{'s' if n_in != 1 else ''}",
                    rpath, f"expected {len(weights)}×{n_in}: one row per neuron, one column per input "
                    f"({', '.join(prev)})")
            rows.append([self.entry(w, rpath + (k,), f"w_{neurons[j]}_{prev[k]}", "the weight")
                         for k, w in enumerate(row)])
        biases: list[Expr | None]
        bpath = path + ("bias",)
        if bias is None:
            biases = [None] * len(neurons)
        elif isinstance(bias, list):
            if len(bias) != len(neurons):
                n = len(neurons)
                raise self.fail(f"`bias` has {len(bias)} entr{'y' if len(bias) == 1 else 'ies'} but the layer "
                                f"has {n} neuron{'s' if n != 1 else ''}", bpath,
                                f"give one bias per neuron ({', '.join(neurons)}); a layer has one neuron "
                                "per row of `weights`")
            biases = [self.entry(b, bpath + (j,), f"b_{neurons[j]}", "the bias") for j, b in enumerate(bias)]
        else:
            shared = self.entry(bias, bpath, f"b_{lname}", "the bias")
            biases = [shared] * len(neurons)
        return rows, biases

    def activation(self, act: tuple[str, float | None], nets: list[str], j: int) -> Expr:
        kind, given = act
        x = Name(nets[j])
        if kind == "linear":
            return x
        p = lookup(kind)
        if p.kind == "vector":  # component j of the layer's softmax
            return Call(kind, tuple(Name(n) for n in nets), pick=j)
        if given is not None and given != p.defaults[-1]:
            return Call(kind, (x, Num(given)))
        return Call(kind, (x,))

    def loss_spec(self) -> tuple[str, str]:
        value = self.data.get("loss", "half_sse")
        name = "loss"
        path: Path = ("loss",)
        if isinstance(value, dict):
            if "kind" in value:
                path = ("loss", "kind")
            check_keys(self.doc, ("loss",), value, LOSS_KEYS, "`loss`")
            name = check_name(self.doc, ("loss", "name"), value.get("name", "loss"), "the loss name")
            value = value.get("kind", "half_sse")
        if value not in LOSSES:
            hint = did_you_mean(str(value), LOSSES) or "losses: " + ", ".join(LOSSES)
            raise self.fail(f"unknown loss {value!r}", path, hint)
        return value, name

    def reduction(self) -> str:
        value = self.data.get("reduction", "mean")
        if value not in REDUCTIONS:
            raise self.fail(f"unknown reduction {value!r}", ("reduction",), "reduction: mean or sum")
        return str(value)

    def samples(self, data: dict[str, Any]) -> list[tuple[Path, Any]]:
        if "data" in data:
            return self.data_samples(data)
        if "sample" in data and "samples" in data:
            raise self.fail("give either `sample` or `samples`, not both", ("samples",), key=True)
        if "sample" in data:
            return [(("sample",), data["sample"])]
        if "samples" in data:
            value = data["samples"]
            if not isinstance(value, list) or not value:
                raise self.fail("`samples` must be a list of {inputs: …, targets: …}", ("samples",))
            return [(("samples", i), s) for i, s in enumerate(value)]
        raise self.fail("the network has no `sample` (inputs and targets)", (),
                        "add:\nsample:\n  inputs: [0.05, 0.10]\n  targets: [0.01, 0.99]")

    def sample_values(self, spath: Path, sample: Any, key: str, names: list[str], what: str) -> list[float]:
        if not isinstance(sample, dict):
            raise self.fail("a sample must be a mapping with `inputs` and `targets`", spath,
                            "sample: {inputs: [0.05, 0.10], targets: [0.01, 0.99]}")
        check_keys(self.doc, spath, sample, SAMPLE_KEYS, "the sample")
        if key not in sample:
            raise self.fail(f"the sample has no `{key}`", spath,
                            f"give {len(names)} {what} value{'s' if len(names) != 1 else ''} ({', '.join(names)})")
        value = sample[key]
        path = spath + (key,)
        if isinstance(value, dict):
            for k in value:
                if k not in names:
                    hint = did_you_mean(str(k), names) or f"{what}s: {', '.join(names)}"
                    raise self.fail(f"unknown {what} {quoted(k)}", path + (k,), hint, key=True)
            missing = [n for n in names if n not in value]
            if missing:
                raise self.fail(f"the sample's {key} lack {', '.join(missing)}", path,
                                f"give one {what} value for each of {', '.join(names)}")
            return [number(self.doc, path + (n,), value[n], f"{what} '{n}'") for n in names]
        if not isinstance(value, list):
            value = [value]
        if len(value) != len(names):
            raise self.fail(
                f"the sample has {_count(len(value), what)} but the network has {len(names)} "
                f"({', '.join(names)})", path,
                f"give {_count(len(names), 'value')}, one per {what}")
        return [number(self.doc, path + (i,), v, f"{what} '{names[i]}'") for i, v in enumerate(value)]


    # --- the layered form (for the dense engine) and samples read from a CSV file ----------------

    def layered(self, input_names: list[str], structure: list[Any], weight_exprs: list[Any],
                naming: tuple[str, str], loss_kind: str, rows: list[tuple[list[float], list[float]]]
                ) -> Network:
        """The network as layers of param names, and one sample's loss over plain names."""
        layers = []
        for (lname, neurons, (act, given), _, _), (weights, biases) in zip(structure, weight_exprs):
            grid = tuple(tuple(_param_name(w) for w in row) for row in weights)
            bias = None if biases[0] is None else tuple(_param_name(b) for b in biases)
            layers.append(Layer(lname, tuple(neurons), act, given, grid, bias))
        outs = [f"{naming[1]}_{n}" for n in structure[-1][1]]
        targets = [f"t_{n}" for n in structure[-1][1]]
        return Network(tuple(input_names), tuple(layers), loss_expr(BY_LOSS[loss_kind], outs, targets),
                       tuple(outs), tuple(targets), self.reduction(),
                       tuple(tuple(xs) for xs, _ in rows), tuple(tuple(ts) for _, ts in rows))

    def data_samples(self, data: dict[str, Any]) -> list[tuple[Path, Any]]:
        """`data: {csv: FILE, inputs: [columns], targets: [columns]}`: a sample per CSV row."""
        for other in ("sample", "samples"):
            if other in data:
                raise self.fail(f"give either `data` or `{other}`, not both", (other,), key=True)
        return [(("data",), sample) for sample in csv_samples(self.doc, ("data",), data["data"])]


def _param_name(e: Expr) -> str:
    assert isinstance(e, Name), e  # weights and biases are params, by name (entry())
    return e.id


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def network_problem(doc: Doc, unshown: bool = False, graph: bool = True) -> Problem:
    """The network file's problem: its named scalar graph and its layers; with `graph` False, its
    layers alone (what the dense engine trains: no line is made for any sample)."""
    return _Lowering(doc, unshown, graph).run()


def _looks_like_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
