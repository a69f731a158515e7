"""The keys for training: `optimizer:` (either file form) and a network's `data:` (samples read
from a CSV file), each checked with a clear message."""

from __future__ import annotations

from typing import Any

from ..errors import InputError, did_you_mean, quoted
from ..ops.optimizers import KINDS, optimiser
from ..problem import Optimizer
from .common import check_keys, number
from .csvdata import DATA_KEYS, csv_samples, named_data
from .yamldoc import Doc, Path

_EXAMPLE = "optimizer: adam, or optimizer: {kind: momentum, momentum: 0.9}"


def optimizer_spec(doc: Doc, data: dict[str, Any]) -> Optimizer | None:
    """`optimizer: adam` or `optimizer: {kind: momentum, momentum: 0.8}`; None when absent."""
    value = data.get("optimizer")
    if value is None:
        return None
    path: Path = ("optimizer",)
    given: dict[str, Any] = {}
    if isinstance(value, dict):
        if "kind" not in value:
            raise InputError(f"`optimizer` needs a `kind`: {', '.join(KINDS)}", doc.span(path),
                             "for example: optimizer: {kind: adam, beta1: 0.9, beta2: 0.999, eps: 1e-8}")
        kind = value["kind"]
        given = {k: v for k, v in value.items() if k != "kind"}
        kind_path: Path = path + ("kind",)
    else:
        kind, kind_path = value, path
    if not isinstance(kind, str) or kind not in KINDS:
        hint = did_you_mean(str(kind), KINDS) or "optimizers: " + ", ".join(KINDS)
        raise InputError(f"unknown optimizer {quoted(kind)}", doc.span(kind_path), hint)
    hyper = {h.name: h for h in optimiser(kind).hyper}
    check_keys(doc, path, dict.fromkeys(given), ("kind", *hyper), f"the {kind} optimizer")
    settings: dict[str, float] = {}
    for key, raw in given.items():
        x = number(doc, path + (key,), raw, f"the {kind} {key}")
        h = hyper[key]
        if not h.allows(x):
            span = f"from {h.low:g} up to (not including) {h.high:g}" if h.high is not None else f"above {h.low:g}"
            raise InputError(f"the {kind} {key} must be {span}, not {raw}", doc.span(path + (key,)),
                             f"for example: optimizer: {{kind: {kind}, {key}: {h.default:g}}} (the default)")
        settings[key] = x
    return Optimizer(kind, **settings)


#: a network's `data:` is read by reading/csvdata.py
__all__ = ["DATA_KEYS", "csv_samples", "named_data", "optimizer_spec"]
