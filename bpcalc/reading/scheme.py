"""A marking scheme as written: a problem file's `check:` section, or a scheme file's keys
(`bpcalc check --scheme FILE`) — each key checked, with its place, before any sheet is graded.

    check:
      sig: 3                 # significant digits an answer must show (default 3)
      decimals: 4            # or: decimal places (what `bpcalc variants --places` asks)
      tol: 0.0001            # or: right within this absolute difference
      rel: 0.001             # or: … this share of the computed value
      weights: {gradients.w5: 2, updated.w5: 1}
      follow_on: 1.0         # the share of its points follow-on work earns
      imprecise: 0.0         # … and right digits, too few of them
      slack: false           # the last written digit may be off by one
      delta_sign: plus       # δ_j answers are ∂E/∂net_j (minus: −∂E/∂net_j)
      diagnosis: true        # name the mistakes (false: marks alone)

The keys are check/policy.py's Scheme; this module only reads them (it returns plain values).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError, quoted
from .common import check_keys
from .yamldoc import Doc, Path

#: the kinds of answer a weight's key may name (check/answers.py)
_KINDS = ("loss", "loss_after", "values", "gradients", "updated", "local", "delta")
KEYS = ("sig", "decimals", "tol", "rel", "weights", "follow_on", "imprecise", "slack", "delta_sign", "diagnosis")
EXAMPLE = "check: {sig: 3, weights: {gradients.w5: 2}, follow_on: 1.0, imprecise: 0.0}"


def scheme_keys(doc: Doc, path: Path, value: Any) -> dict[str, object]:
    """The keys of a scheme at `path` in `doc`, checked; an error names the key and its place."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("a marking scheme is a mapping of its keys", doc.span(path), f"for example: {EXAMPLE}")
    check_keys(doc, path, value, KEYS, "the marking scheme")
    out: dict[str, object] = {}
    for key, raw in value.items():
        where = path + (key,)
        if key in ("sig", "decimals"):
            low = 1 if key == "sig" else 0
            if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= 15:
                raise InputError(f"`{key}` must be a whole number from {low} to 15, not {doc.source(where, raw)}",
                                 doc.span(where), f"for example: {key}: {3 if key == 'sig' else 4}")
            out[key] = raw
        elif key in ("tol", "rel"):
            out[key] = _number(doc, where, raw, above=0.0)
        elif key in ("follow_on", "imprecise"):
            x = _number(doc, where, raw)
            if not 0 <= x <= 1:
                raise InputError(f"`{key}` is a share of the points, from 0 to 1, not {doc.source(where, raw)}",
                                 doc.span(where), f"for example: {key}: 0.5")
            out[key] = x
        elif key in ("slack", "diagnosis"):
            if not isinstance(raw, bool):
                raise InputError(f"`{key}` is true or false, not {doc.source(where, raw)}", doc.span(where),
                                 f"for example: {key}: true")
            out[key] = raw
        elif key == "delta_sign":
            if raw not in ("plus", "minus"):
                raise InputError(f"`delta_sign` is plus or minus, not {quoted(doc.source(where, raw))}",
                                 doc.span(where), "plus: δ_j = ∂E/∂net_j; minus: δ_j = −∂E/∂net_j")
            out[key] = 1 if raw == "plus" else -1
        else:  # weights
            out[key] = _weights(doc, where, raw)
    if "tol" in out and "rel" in out:
        raise InputError("`tol` and `rel` both say how close an answer must be; give one", doc.span(path),
                         "tol: 0.0001 allows that much difference, rel: 0.001 that share of the value")
    return out


def _number(doc: Doc, where: Path, raw: Any, above: float | None = None) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or (
            above is not None and raw <= above):
        said = "a positive number" if above is not None else "a number"
        raise InputError(f"`{where[-1]}` must be {said}, not {doc.source(where, raw)}", doc.span(where),
                         f"for example: {where[-1]}: 0.001")
    return float(raw)


def _weights(doc: Doc, where: Path, raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise InputError("`weights` is a mapping of questions to points", doc.span(where),
                         "for example: weights: {gradients.w5: 2, updated.w5: 1, loss: 0.5}")
    out: dict[str, float] = {}
    for key, points in raw.items():
        kind = str(key).split(".", 1)[0]
        if kind not in _KINDS or (kind not in ("loss", "loss_after") and "." not in str(key)):
            raise InputError(f"{quoted(str(key))} is not a question: a question is kind.name (gradients.w5) or "
                             "loss, loss_after", doc.key_span(where + (key,)),
                             "kinds: " + ", ".join(_KINDS))
        out[str(key)] = _number(doc, where + (key,), points, above=-1e-300)
    return out


__all__ = ["EXAMPLE", "KEYS", "scheme_keys"]
