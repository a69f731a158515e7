"""Numbers as a person writes and rounds them: no float noise, half-way cases rounded up."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal


def format_number(x: float, digits: int = 12) -> str:
    """A number as a person writes it: no float noise (0.1 + 0.2 -> 0.3), no trailing '.0'."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    s = f"{x:.{digits}g}"
    if "e" in s:
        mant, exp = s.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        e = int(exp)
        if -7 <= e < 16:  # write it out in full when that stays readable
            s = f"{float(mant + 'e' + exp):.{max(0, digits - 1 - e)}f}"
            if "." in s:
                s = s.rstrip("0").rstrip(".")
            return s
        return f"{mant}e{e}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def format_scientific(x: float, digits: int = 3) -> str:
    """A number in scientific notation with `digits` significant digits, zeros kept, so that a
    column of them reads alike: 4.95e-11, 1.30e-8, 1.00e0 (0 is 0)."""
    if x == 0 or not math.isfinite(x):
        return format_number(x)
    mant, exp = f"{x:.{max(1, digits) - 1}e}".split("e")
    return f"{mant}e{int(exp)}"


#: float noise lies below both of these: 15 significant digits, and this many digits past the
#: last one kept (a difference such as 0.964 − 0.929 = 0.03499999999999992 carries the noise of its
#: operands, 0.9, into a result 30 times smaller: its 15th significant digit is noise)
_TIE_DIGITS = 9


def round_half_up(x: float, places: int) -> float:
    """Round as a person does, half-way cases up (0.125 -> 0.13), and on the decimal a person
    computed: relu(0.1·0.35) is the float 0.034999999999999996, but 0.035 to 15 significant
    digits, and so rounds to 0.04.  The value is first written to 15 significant digits or to
    `_TIE_DIGITS` decimals past the rounding place, whichever is coarser, then rounded half up;
    where that keeps no digit past the rounding place, the float itself is rounded."""
    if not math.isfinite(x) or abs(x) >= 2.0**53 or x == 0:  # such floats are whole numbers already
        return x
    fifteenth = math.floor(math.log10(abs(x))) - 14  # the place of the 15th significant digit
    grid = max(fifteenth, -(places + _TIE_DIGITS))
    written = Decimal(repr(x)) if grid >= -places else Decimal(f"{x:.{-grid}f}")
    # 16 whole digits and up to 15 places would overflow Decimal's default 28 digits
    return float(written.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=Context(prec=40)))
