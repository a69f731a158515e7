"""The marking scheme: how close an answer must be, how many digits it must show, and what each kind
of work earns — set by the teacher on the command line, in the problem file's `check:` section, or
in a scheme file (`--scheme FILE`), the command line winning.

The precision policy (docs/checking.md):

* An answer is compared with the computed value to the precision it is written with (0.5933 is
  right if the computed value rounds to it at 4 decimals), unless `tol` or `rel` says how close.
* It must carry the precision required: 3 significant digits unless the teacher sets another
  (`sig`, or `decimals`).  An exact value (0, 1, 0.5, a given) needs no more digits than it has.
  Right digits but too few of them: `imprecise`, which earns `imprecise` (0 by default).
* An updated param needs enough digits to show its change: the precision it needs reaches the
  first nonzero digit of θ_new − θ_old.  One written equal to its old value at the precision it
  is written with, while the new value differs, is `not_updated` (wrong) — unless the teacher's
  own precision (`decimals`, `tol`, `rel`) cannot show the change, when that precision alone judges.
* `slack`: the last written digit may be off by one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from .. import defaults
from ..numbers import format_number

_PRECISION = {"sig", "decimals", "tol", "rel"}
#: the keys of a `check:` section or a scheme file
KEYS = ("sig", "decimals", "tol", "rel", "weights", "follow_on", "imprecise", "slack", "delta_sign", "diagnosis")


class Written(NamedTuple):
    """A number as a student wrote it: its value, the half unit in its last place, its digits."""

    value: float
    half_unit: float  # |true − value| within this is right at the written precision
    decimals: int  # places after the point (negative: 1200 written as 12e2)
    sig: int  # significant digits written
    exact: bool = False  # a fraction (1/2280): as precise as the scheme requires, no more


def written(text: str, value: float) -> Written:
    """How precise a number is from how it is written: 0.5933 → ±0.00005, 4 decimals, 4 digits."""
    body = text.strip().lstrip("+-−").replace(",", ".")
    mantissa, _, exponent = body.lower().partition("e")
    whole, _, frac = mantissa.partition(".")
    exp = int(exponent) if exponent.lstrip("+-").isdigit() and len(exponent) < 6 else 0
    decimals = len(frac) - exp
    digits = (whole + frac).lstrip("0")
    sig = max(1, len(digits)) if digits else 1
    return Written(value, 0.5 * 10.0 ** -decimals, decimals, sig)


class Scheme(NamedTuple):
    sig: int | None = None  # significant digits required
    decimals: int | None = None  # or decimal places required
    tol: float | None = None  # or: right within this absolute difference …
    rel: float | None = None  # … or this share of the computed value
    weights: Mapping[str, float] = {}  # a question's key (gradients.w5) -> its points (default 1)
    follow_on: float = 1.0  # the share of a question's points follow-on work earns
    imprecise: float = 0.0  # … and imprecise work
    slack: bool = False  # the last written digit may be off by one
    delta_sign: int = 1  # δ_j answers are +∂E/∂net_j (or −)
    diagnosis: bool = True  # name the mistakes (off: marks alone, for an exam)

    def merged(self, other: Mapping[str, object]) -> Scheme:
        """This scheme with the keys of `other` that are set (not None) in their place; a precision
        set there (sig, decimals, tol or rel) replaces this one's, whichever key it was."""
        given: dict[str, Any] = {k: v for k, v in other.items() if v is not None and k in self._fields}
        if given.keys() & _PRECISION:
            given = {**dict.fromkeys(_PRECISION), **given}
        return self._replace(**given)

    @property
    def explicit(self) -> bool:
        """Whether the teacher set the precision (not the default significant digits)."""
        return self.decimals is not None or self.tol is not None or self.rel is not None

    def weight(self, key: str) -> float:
        return float(self.weights.get(key, 1.0))

    def credit(self, status: str) -> float:
        return {"right": 1.0, "follow_on": self.follow_on, "imprecise": self.imprecise}.get(status, 0.0)

    # --- judging one number -----------------------------------------------------------------------

    def agrees(self, true: float, answer: Written) -> bool:
        """The answer is the true value at its precision (or within tol, rel)."""
        if self.tol is not None:
            return abs(true - answer.value) <= self.tol * (1 + 1e-9)
        if self.rel is not None:
            return abs(true - answer.value) <= self.rel * abs(true) * (1 + 1e-9)
        if answer.exact:
            return self.precise_enough(true, answer, abs(true - answer.value))
        if answer.value == 0.0 and true != 0.0:
            return False  # a true value that rounds to 0 is not answered by 0: the digits that show it are missing
        half = answer.half_unit * (3.0 if self.slack else 1.0)
        return abs(true - answer.value) <= half * (1 + 1e-9) + 1e-300

    def precise_enough(self, true: float, answer: Written, error: float | None = None) -> bool:
        """The answer shows the digits required: `decimals` places, else `sig` digits (3 by default);
        an exact value needs no more digits than it has.  A fraction: within the required precision."""
        if self.tol is not None or self.rel is not None:
            return True
        places = self.required_decimals(true)
        if answer.exact:
            return (error or 0.0) <= 0.5 * 10.0 ** -places * (1 + 1e-9)
        return answer.decimals >= places or _exact(true, answer.decimals)

    def required_decimals(self, true: float) -> int:
        if self.decimals is not None:
            return self.decimals
        sig = self.sig if self.sig is not None else defaults.SIG
        if true == 0 or not math.isfinite(true):
            return 0
        return sig - 1 - math.floor(math.log10(abs(true)))

    def judge(self, true: float, answer: Written, old: float | None = None) -> str:
        """right, imprecise, not_updated or wrong; `old`: an updated param's value before the step."""
        if old is not None and true != old:
            change = abs(true - old)
            shows = self._replace(decimals=max(self.required_decimals(true), _first_digit(change)))
            if not (self.explicit and not self._can_show(change)):
                if old_agrees(old, answer):
                    return "not_updated"
                if self.tol is None and self.rel is None:
                    if not shows.agrees(true, answer):
                        return "wrong"
                    return "right" if shows.precise_enough(true, answer) else "imprecise"
        if not self.agrees(true, answer):
            return "wrong"
        return "right" if self.precise_enough(true, answer) else "imprecise"

    def _can_show(self, change: float) -> bool:
        """Whether the teacher's own precision is fine enough to tell the new value from the old."""
        if self.tol is not None:
            return self.tol < change
        if self.rel is not None:
            return True
        return self.decimals is None or self.decimals >= _first_digit(change)

    def describe(self) -> tuple[str, dict[str, object]]:
        """The rule in force, as a message of the catalogue with its placeholders."""
        if self.tol is not None:
            return "an answer is right within ±{tol} of the computed value", {"tol": format_number(self.tol)}
        if self.rel is not None:
            return "an answer is right within {rel} of the computed value, relative", {
                "rel": format_number(self.rel)}
        if self.decimals is not None:
            return "an answer is right when the computed value rounds to it, written to at least {n} decimal " \
                   "places", {"n": self.decimals}
        return "an answer is right when the computed value rounds to it at the precision written, with at least " \
               "{n} significant digits", {"n": self.sig if self.sig is not None else defaults.SIG}


def old_agrees(old: float, answer: Written) -> bool:
    """The answer is the param's old value at the precision it is written with."""
    return not answer.exact and abs(old - answer.value) <= answer.half_unit * (1 + 1e-9)


def _first_digit(change: float) -> int:
    """The decimal place of the first nonzero digit of a change: 0.000219 → 4, 0.042 → 2, 3.1 → 0."""
    return max(0, math.floor(-math.log10(change)) + 1) if change > 0 else 0


def _exact(true: float, decimals: int) -> bool:
    """The true value has no more digits than `decimals` places: 0.5 at 1 decimal, 1 at 0."""
    scaled = true * 10.0 ** decimals
    return abs(scaled - round(scaled)) <= 1e-9 * max(1.0, abs(scaled))


__all__ = ["KEYS", "Scheme", "Written", "old_agrees", "written"]
