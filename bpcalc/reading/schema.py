"""The keys of both file forms, what each means and what it holds: the one description that the
loader checks keys with (`EXPRESSION_KEYS`, `NETWORK_KEYS`, … below), that `json_schema()` turns
into the JSON Schema (`bpcalc schema`), and that `bpcalc init` explains its starter with.  A key
added here is known to all three; a key the loader reads must be added here.

The values' shapes are JSON Schema (draft-07, what editors' YAML support reads) written once,
with every number as `{"$ref": "#/definitions/number"}`: for `bpcalc variants`' templates the
schema lets a number be a range, `{between: [low, high], decimals: N}`, by changing that one
definition.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..ops import ACTIVATIONS, TABLE
from ..ops.losses import LOSSES as ALL_LOSSES
from ..ops.losses import NAMES
from ..ops.optimizers import KINDS, OPTIMISERS, default_rates
from .common import NAME
from .training import DATA_KEYS


class Key(NamedTuple):
    doc: str  # what the key means, in a line
    shape: dict[str, Any]  # its value, as JSON Schema


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/definitions/{name}"}


def _one_or_list(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}]}


NUMBER = _ref("number")
NAMED_NUMBERS = {"type": "object", "propertyNames": _ref("name"), "additionalProperties": NUMBER}
#: a weight or a bias: a param's name or a number (an automatic param)
ENTRY = {"anyOf": [NUMBER, _ref("name")]}
POSITIVE = {"allOf": [NUMBER], "exclusiveMinimum": 0}
PLACES = {"type": "integer", "minimum": 0, "maximum": 15}

#: the losses of a network file (ops/losses.py)
LOSSES = NAMES
REDUCTIONS = ("mean", "sum")

EXPRESSION_FORM: dict[str, Key] = {
    "inputs": Key("the leaves that are given (data, targets, constants): name: number", NAMED_NUMBERS),
    "params": Key("the leaves that `step` updates: name: number", NAMED_NUMBERS),
    "frozen": Key("params that `step` leaves as they are", _one_or_list(_ref("name"))),
    "define": Key("the computation, one named node a line, in order: name: expression over the names above",
                  {"type": "object", "minProperties": 1, "propertyNames": _ref("name"),
                   "additionalProperties": {"anyOf": [{"type": "string"}, NUMBER]}}),
    "output": Key("the node that is differentiated (default: the last line of define); a list of several "
                  "gives the Jacobian", _one_or_list(_ref("name"))),
    "lr": Key(f"the learning rate η of `step` and `train` (--lr overrides; default the optimiser's: {default_rates()})",
              POSITIVE),
    "round": Key("round activation outputs to this many decimal places as they are computed (as --round)",
                 PLACES),
    "optimizer": Key("the update of `step` and `train`: " + ", ".join(KINDS) + " (default sgd), or "
                     "{kind: adam, beta1: 0.9, …} with its settings", _ref("optimizer")),
    "check": Key("how `bpcalc check` marks answers to this problem: {sig: 3} (significant digits required), "
                 "decimals, tol or rel, weights: {gradients.w5: 2}, follow_on and imprecise (their share of the "
                 "points), slack, delta_sign, diagnosis", _ref("check")),
}

NETWORK_BLOCK: dict[str, Key] = {
    "inputs": Key("the network's inputs, by name", _one_or_list(_ref("name"))),
    "layers": Key("the layers, input side first", {"type": "array", "minItems": 1, "items": _ref("layer")}),
}

LAYER: dict[str, Key] = {
    "name": Key("the layer's name: its neurons are name1, name2, … (one neuron: name)", _ref("name")),
    "activation": Key("the activation: " + ", ".join(ACTIVATIONS) + " (default sigmoid)", _ref("activation")),
    "weights": Key("a row per neuron, a column per input: a param's name or a number",
                   {"type": "array", "minItems": 1,
                    "items": {"anyOf": [ENTRY, {"type": "array", "minItems": 1, "items": ENTRY}]}}),
    "bias": Key("a bias per neuron, or one for the whole layer: a param's name or a number (left out: none)",
                _one_or_list(ENTRY)),
}

SAMPLE: dict[str, Key] = {
    "inputs": Key("the input values, in the order of network.inputs, or by name",
                  {"anyOf": [_one_or_list(NUMBER), NAMED_NUMBERS]}),
    "targets": Key("the target of each output neuron, in order, or by neuron (o1: 0.01)",
                   {"anyOf": [_one_or_list(NUMBER), NAMED_NUMBERS]}),
}

LOSS_SPEC: dict[str, Key] = {
    "kind": Key("the loss: " + ", ".join(LOSSES), {"enum": list(LOSSES)}),
    "name": Key("the loss node's name (default loss)", _ref("name")),
}

NAMING: dict[str, Key] = {
    "pre": Key("the weighted sum's letter (default net: net_h1)", _ref("name")),
    "post": Key("the activation's letter (default out: out_h1)", _ref("name")),
}

NETWORK_FORM: dict[str, Key] = {
    "network": Key("the layers: network.inputs, and network.layers of weights and biases", _ref("network")),
    "params": Key("the weights and biases named in the layers: name: number", NAMED_NUMBERS),
    "frozen": EXPRESSION_FORM["frozen"],
    "sample": Key("one sample: its inputs and targets", _ref("sample")),
    "samples": Key("several samples; the loss is their mean or sum (reduction)",
                   {"type": "array", "minItems": 1, "items": _ref("sample")}),
    "reduction": Key("how the samples' losses are combined: mean (default) or sum", {"enum": list(REDUCTIONS)}),
    "loss": Key("the loss (default half_sse): " + "; ".join(f"{loss.name}, {loss.doc}" for loss in ALL_LOSSES)
                + "; or {kind: half_sse, name: E_total} to name its node",
                {"anyOf": [{"enum": list(LOSSES)}, _ref("loss")]}),
    "naming": Key("the letters of the nodes: {pre: z, post: y} writes z_h1, y_h1 for net_h1, out_h1",
                  _ref("naming")),
    "lr": EXPRESSION_FORM["lr"],
    "round": EXPRESSION_FORM["round"],
    "optimizer": EXPRESSION_FORM["optimizer"],
    "check": EXPRESSION_FORM["check"],
    "data": Key("the samples read from a CSV file (instead of sample or samples): {csv: FILE, inputs: "
                "[columns], targets: [columns]}", _ref("data")),
}

#: `data:` (reading/training.py reads it): what each of its keys holds
DATA: dict[str, Key] = {
    "csv": Key("the CSV file, relative to the problem file", {"type": "string", "minLength": 1}),
    "inputs": Key("the columns of the inputs, in the order of network.inputs", _one_or_list({"type": "string"})),
    "targets": Key("the columns of the targets, one per output neuron", _one_or_list({"type": "string"})),
}

#: `bpcalc variants`' templates: a range where a number goes, from which each variant draws one
RANGE: dict[str, Key] = {
    "between": Key("draw each variant's number from low to high, both included",
                   {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}),
    "one_of": Key("draw each variant's number from these", {"type": "array", "items": {"type": "number"},
                                                           "minItems": 1}),
    "decimals": Key("the decimal places of a number drawn from between (default 2)",
                    {"type": "integer", "minimum": 0, "maximum": 6}),
}


def is_range(value: Any) -> bool:
    """Whether a value in a file is a homework template's range to draw a number from."""
    return isinstance(value, dict) and ("between" in value or "one_of" in value)


# the key lists the loader checks with
EXPRESSION_KEYS = tuple(EXPRESSION_FORM)
NETWORK_KEYS = tuple(NETWORK_FORM)
NETWORK_BLOCK_KEYS = tuple(NETWORK_BLOCK)
LAYER_KEYS = tuple(LAYER)
SAMPLE_KEYS = tuple(SAMPLE)
LOSS_KEYS = tuple(LOSS_SPEC)
NAMING_KEYS = tuple(NAMING)
RANGE_KEYS = tuple(RANGE)


def _closed(keys: dict[str, Key], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A mapping of exactly these keys, each described."""
    out: dict[str, Any] = {"type": "object", "additionalProperties": False,
                           "properties": {k: {"description": key.doc, **key.shape} for k, key in keys.items()}}
    if required:
        out["required"] = list(required)
    return out


def _activation() -> dict[str, Any]:
    """An activation's name, or {name: number} for the activations that take a parameter
    (leaky_relu's slope, elu's α): the op table's."""
    takes = {p.name: p.params[-1] for p in TABLE if p.activation and p.defaults}
    with_number = [name for name, primitive in ACTIVATIONS.items() if primitive in takes]
    return {"anyOf": [{"enum": list(ACTIVATIONS)},
                      *({"type": "object", "additionalProperties": False, "required": [name],
                         "properties": {name: {"description": f"the {name} {takes[ACTIVATIONS[name]]}",
                                               **NUMBER}}}
                        for name in with_number)]}


def _optimizer() -> dict[str, Any]:
    """An optimiser's name, or {kind: NAME, setting: number, …} with that optimiser's settings and
    their bounds: ops/optimizers.py's records."""
    kinds: list[dict[str, Any]] = []
    for record in OPTIMISERS:
        properties: dict[str, Any] = {"kind": {"const": record.name}}
        for h in record.hyper:
            bounds: dict[str, Any] = {"exclusiveMinimum" if h.high is None else "minimum": h.low}
            if h.high is not None:
                bounds["exclusiveMaximum"] = h.high
            properties[h.name] = {"allOf": [NUMBER], **bounds}
        kinds.append({"type": "object", "required": ["kind"], "additionalProperties": False,
                      "properties": properties})
    return {"anyOf": [{"enum": list(KINDS)}, *kinds]}


def _check() -> dict[str, Any]:
    """A marking scheme (reading/scheme.py reads it)."""
    unit = {"allOf": [NUMBER], "minimum": 0, "maximum": 1}
    properties = {
        "sig": {"type": "integer", "minimum": 1, "maximum": 15}, "decimals": PLACES,
        "tol": POSITIVE, "rel": POSITIVE, "follow_on": unit, "imprecise": unit,
        "slack": {"type": "boolean"}, "diagnosis": {"type": "boolean"}, "delta_sign": {"enum": ["plus", "minus"]},
        "weights": {"type": "object", "additionalProperties": {"allOf": [NUMBER], "minimum": 0}},
    }
    return {"type": "object", "additionalProperties": False, "properties": properties}


def json_schema(ranges: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft-07) of both file forms; with `ranges`, of a `bpcalc variants`
    template, where a number may also be a range."""
    number: dict[str, Any] = {"type": "number"}
    if ranges:
        number = {"anyOf": [number, _ref("range")]}
    name_pattern = "^" + NAME.pattern.removesuffix(r"\Z") + "$"
    definitions: dict[str, Any] = {
        "number": number,
        "name": {"type": "string", "pattern": name_pattern},
        "activation": _activation(),
        "layer": _closed(LAYER, ("weights",)),
        "network": _closed(NETWORK_BLOCK, ("inputs", "layers")),
        "sample": _closed(SAMPLE, ("inputs", "targets")),
        "loss": _closed(LOSS_SPEC),
        "naming": _closed(NAMING),
        "optimizer": _optimizer(),
        "check": _check(),
        "data": _closed(DATA, DATA_KEYS),
        "expression_file": _closed(EXPRESSION_FORM, ("define",)),
        "network_file": _closed(NETWORK_FORM, ("network",)),
    }
    if ranges:
        definitions["range"] = {**_closed(RANGE), "oneOf": [{"required": ["between"]}, {"required": ["one_of"]}]}
    what = "a template of bpcalc variants (a number may be a range)" if ranges else "a bpcalc problem file"
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "bpcalc problem" + (" template" if ranges else ""),
        "description": f"{what}: an expression file (inputs, params, define) or a network file (network, "
                       "params, sample)",
        "type": "object",
        "if": {"type": "object", "required": ["network"]},
        "then": _ref("network_file"),
        "else": _ref("expression_file"),
        "definitions": definitions,
    }
