"""Printers: one class per output format, one method per kind of node, one precedence rule.

`Printer.expr` decides the parentheses once for every format (from `precedence` and
`starts_negative`); a subclass only says how each piece is written: `y_o(1 − y_o)` and
`0.59 × (1 − 0.59)` in Unicode, `y_o*(1 - y_o)` in ASCII, `y_o\\left(1 - y_o\\right)` in LaTeX.
How a function is named (σ, ln, \\tanh) and how a case-picking helper reads (relu′'s
"1 if x > 0 else 0") come from the op table, so a new primitive prints in every format.

Sums and products are printed by walking their spine with a loop, so a 1,000-term weighted sum
does not hit Python's recursion limit.
"""

from __future__ import annotations

import html
import re

from ..expr.tree import Bin, Call, Expr, Name, Neg, Num
from ..numbers import format_number
from ..ops import BY_NAME, lookup

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4, "atom": 5}


def precedence(e: Expr) -> int:
    if isinstance(e, Bin):
        return _PREC[e.op]
    if isinstance(e, Neg) or (isinstance(e, Num) and e.value < 0):
        return _PREC["neg"]
    return _PREC["atom"]


def starts_negative(e: Expr) -> bool:
    """Whether the printed form begins with a minus sign (it then needs parentheses after an operator)."""
    while True:
        if isinstance(e, Num):
            return e.value < 0
        if isinstance(e, Neg):
            return True
        if isinstance(e, Bin) and e.op in ("+", "-", "*", "/"):
            e = e.a
            continue
        return False


def _spine(e: Bin, ops: tuple[str, ...]) -> tuple[Expr, list[tuple[str, Expr]]]:
    """A left-deep chain a op1 b op2 c … as (a, [(op1, b), (op2, c), …]), without recursion."""
    rest: list[tuple[str, Expr]] = []
    cur: Expr = e
    while isinstance(cur, Bin) and cur.op in ops:
        rest.append((cur.op, cur.b))
        cur = cur.a
    rest.reverse()
    return cur, rest


class Printer:
    """Unicode text: `σ(z_h)`, `y_o(1 − y_o)`, `−(y − y_o)`, `0.59 × (1 − 0.59)`, `∂loss/∂y_o`."""

    minus = "−"
    times = " × "  # between numbers
    dot = "·"  # between symbols
    chain_dot = " · "  # between the factors of a chain rule
    partial_sign = "∂"
    eta = "η"
    arrow = "←"
    sigma = "σ"
    sum_sign = "Σ"
    le = "≤"
    theta = "θ"

    def __init__(self, digits: int = 12):
        self.digits = digits

    # --- leaves ---------------------------------------------------------------------------------

    def num(self, x: float) -> str:
        s = format_number(x, self.digits)
        return self.minus + s[1:] if s.startswith("-") else s

    def name(self, id_: str) -> str:
        return id_

    def paren(self, s: str) -> str:
        return f"({s})"

    def partial(self, of: str, wrt: str) -> str:
        return self.fraction(self.name(of), self.name(wrt))

    def fraction(self, of: str, wrt: str) -> str:
        """∂of/∂wrt of two names already printed."""
        return f"{self.partial_sign}{of}/{self.partial_sign}{wrt}"

    def words(self, s: str) -> str:
        """Plain words inside a formula or a note."""
        return s

    # --- expressions -----------------------------------------------------------------------------

    def expr(self, e: Expr, numeric: bool = False) -> str:
        """A formula; `numeric` when every leaf is a number (products then use ×)."""
        if isinstance(e, Num):
            return self.num(e.value)
        if isinstance(e, Name):
            # an elision standing in a long sum ("… 99,990 more terms …") is words, not a name
            return self.words(e.id) if e.id.startswith("…") else self.name(e.id)
        if isinstance(e, Neg):
            return self.neg(e, numeric)
        if isinstance(e, Call):
            return self.call(e, numeric)
        if e.op in ("+", "-"):
            return self.sum(e, numeric)
        if e.op == "*":
            return self.product(e, numeric)
        if e.op == "/":
            return self.quotient(e, numeric)
        return self.power(e, numeric)

    def _operand(self, e: Expr, wrap: bool, numeric: bool) -> str:
        s = self.expr(e, numeric)
        return self.paren(s) if wrap else s

    def neg(self, e: Neg, numeric: bool) -> str:
        # −a·b needs no parentheses; −(a + b), −(−a) do
        wrap = precedence(e.x) < _PREC["*"] or starts_negative(e.x)
        return self.minus + self._operand(e.x, wrap, numeric)

    def sum(self, e: Bin, numeric: bool) -> str:
        first, rest = _spine(e, ("+", "-"))
        out = [self.expr(first, numeric)]
        for op, b in rest:
            wrap = precedence(b) <= _PREC["+"] or starts_negative(b)  # a − (b + c)
            sign = "+" if op == "+" else self.minus
            out.append(f" {sign} {self._operand(b, wrap, numeric)}")
        return "".join(out)

    def product(self, e: Bin, numeric: bool) -> str:
        first, rest = _spine(e, ("*",))
        wrap_first = precedence(first) < _PREC["*"]
        out = [self._operand(first, wrap_first, numeric)]
        prev = first
        for _, b in rest:
            wrap = precedence(b) < _PREC["*"] or starts_negative(b) or (
                isinstance(b, Bin) and b.op == "/" and not self.frac_division)
            out.append(self.times_between(prev, b, wrap, numeric))
            out.append(self._operand(b, wrap, numeric))
            prev = b
        return "".join(out)

    frac_division = False  # LaTeX writes a / b as a fraction, which needs no parentheses

    def times_between(self, a: Expr, b: Expr, b_wrapped: bool, numeric: bool) -> str:
        """`0.59 × 0.41`, `w_h·x`, and `y_o(1 − y_o)`: a name before a parenthesis is juxtaposed."""
        if numeric:
            return self.times
        if b_wrapped and isinstance(a, Name):
            return ""
        return self.dot

    def quotient(self, e: Bin, numeric: bool) -> str:
        wrap_a = precedence(e.a) < _PREC["/"]
        wrap_b = precedence(e.b) <= _PREC["/"] or starts_negative(e.b)
        return f"{self._operand(e.a, wrap_a, numeric)} / {self._operand(e.b, wrap_b, numeric)}"

    def power(self, e: Bin, numeric: bool) -> str:
        base = self._operand(e.a, precedence(e.a) <= _PREC["**"], numeric)
        return base + self.exponent(e.b, numeric)

    _SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

    def exponent(self, b: Expr, numeric: bool) -> str:
        if isinstance(b, Num) and b.value >= 0 and float(b.value).is_integer() and b.value < 10:
            return str(int(b.value)).translate(self._SUPERSCRIPT)
        return "^" + self._operand(b, precedence(b) < _PREC["atom"], numeric)

    # --- functions ---------------------------------------------------------------------------------

    def call(self, e: Call, numeric: bool) -> str:
        method = getattr(self, f"fn_{e.fn}", None)
        if method is not None:
            return str(method(e, numeric))
        case = lookup(e.fn).case
        if case is not None and case.written is not None:
            return self.written_case(e, case.written, numeric)
        return self.function(e.fn, e.args, numeric)

    def written_case(self, e: Call, written: tuple[str, str, str], numeric: bool) -> str:
        """A case-picking helper in words, from the table's template: (1 if z > 0 else 0)."""
        args = [self.expr(a, numeric) for a in e.args]
        fill: dict[str, str] = {"k": args[e.pick] if e.pick < len(args) else ""}
        for fn in ("max", "min"):
            if "{" + fn + "}" in written[1]:
                fill[fn] = self.function(fn, e.args, numeric)
        then, cond, other = (part.format(*args, **fill) for part in written)
        return self.case(then, self.condition(cond), other)

    def condition(self, cond: str) -> str:
        return cond

    def function(self, fn: str, args: tuple[Expr, ...], numeric: bool) -> str:
        inner = ", ".join(self.expr(a, numeric) for a in args)
        return f"{self.fn_name(fn)}({inner})"

    def fn_name(self, fn: str) -> str:
        if fn == "sigmoid":
            return self.sigma
        p = BY_NAME.get(fn)  # softmax_2: a component, named as such
        return (p.symbol if p is not None else None) or fn

    def fn_softmax(self, e: Call, numeric: bool) -> str:
        return self.function(f"softmax_{e.pick + 1}", e.args, numeric)

    def fn_sigmoid(self, e: Call, numeric: bool) -> str:
        # with numbers, σ is written out as the worked examples do: 1/(1 + e^−0.3)
        if not numeric:
            return self.function("sigmoid", e.args, numeric)
        arg = e.args[0]
        if isinstance(arg, Num):
            power = self.num(-arg.value)
        else:
            power = self.minus + self.paren(self.expr(arg, numeric))
        return self.logistic(power)

    def logistic(self, power: str) -> str:
        """1/(1 + e^power), `power` already printed."""
        return f"1/(1 + e^{power})"

    def fn_abs(self, e: Call, numeric: bool) -> str:
        return f"|{self.expr(e.args[0], numeric)}|"

    def fn_sqrt(self, e: Call, numeric: bool) -> str:
        return f"√({self.expr(e.args[0], numeric)})"

    def case(self, then: str, cond: str, other: str) -> str:
        return f"({then} if {cond} else {other})"


class AsciiPrinter(Printer):
    """`--ascii`: d for ∂, sigmoid for σ, * for × and ·, - for −."""

    minus = "-"
    times = " * "
    dot = "*"
    chain_dot = " * "
    partial_sign = "d"
    eta = "eta"
    arrow = "<-"
    sigma = "sigmoid"
    sum_sign = "sum"
    le = "<="
    theta = "theta"

    def times_between(self, a: Expr, b: Expr, b_wrapped: bool, numeric: bool) -> str:
        return self.times if numeric else self.dot

    def words(self, s: str) -> str:
        return s.replace("…", "...")

    def exponent(self, b: Expr, numeric: bool) -> str:
        return "^" + self._operand(b, precedence(b) < _PREC["atom"], numeric)

    def logistic(self, power: str) -> str:
        return f"1/(1 + exp({power}))"

    def fn_name(self, fn: str) -> str:
        p = BY_NAME.get(fn)
        symbol = p.symbol if p is not None else None
        return symbol if symbol and symbol.isascii() else fn

    def fn_abs(self, e: Call, numeric: bool) -> str:
        return self.function("abs", e.args, numeric)

    def fn_sqrt(self, e: Call, numeric: bool) -> str:
        return self.function("sqrt", e.args, numeric)


class LatexPrinter(Printer):
    r"""LaTeX math (amsmath): `\frac{\partial loss}{\partial y_{o}}`, `\sigma(z_{h})`, `\frac{a}{b}`."""

    minus = "-"
    times = r" \times "
    dot = r" \cdot "
    chain_dot = r" \cdot "
    eta = r"\eta"
    arrow = r"\leftarrow"
    sigma = r"\sigma"
    sum_sign = r"\sum"
    le = r"\le"
    theta = r"\theta"
    frac_division = True

    def num(self, x: float) -> str:
        s = format_number(x, self.digits)
        if "e" in s:
            mant, exp = s.split("e")
            s = rf"{mant} \times 10^{{{int(exp)}}}"
        return s

    def name(self, id_: str) -> str:
        r"""`w_h` -> `w_{h}`, `net_h1` -> `\mathit{net}_{h1}`, `w_h1_i1` -> `w_{h1,i1}`, `out_o1[2]`."""
        suffix = ""
        if "[" in id_:
            id_, rest = id_.split("[", 1)
            suffix = "[" + rest
        base, _, sub = id_.partition("_")
        if not sub and re.fullmatch(r"[A-Za-z]+\d+", base):  # w1 -> w_{1}
            sub = base.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            base = base[: len(base) - len(sub)]
        head = base if len(base) == 1 else rf"\mathit{{{base}}}"
        if sub:
            head += "_{" + sub.replace("_", ",") + "}"
        return head + suffix

    def paren(self, s: str) -> str:
        return rf"\left({s}\right)"

    def fraction(self, of: str, wrt: str) -> str:
        return rf"\frac{{\partial {of}}}{{\partial {wrt}}}"

    def words(self, s: str) -> str:
        return r"\text{" + latex_escape(s) + "}"

    def quotient(self, e: Bin, numeric: bool) -> str:
        return rf"\frac{{{self.expr(e.a, numeric)}}}{{{self.expr(e.b, numeric)}}}"

    def power(self, e: Bin, numeric: bool) -> str:
        base = self._operand(e.a, precedence(e.a) <= _PREC["**"], numeric)
        return f"{{{base}}}^{{{self.expr(e.b, numeric)}}}"

    def function(self, fn: str, args: tuple[Expr, ...], numeric: bool) -> str:
        inner = ", ".join(self.expr(a, numeric) for a in args)
        base, sub = fn, ""
        if fn not in BY_NAME and "_" in fn:  # softmax_2, ismax_1: the component as a subscript
            base, _, sub = fn.rpartition("_")
        head = lookup(base).latex or rf"\operatorname{{{latex_escape(base)}}}"
        if sub:
            head = f"{head}_{{{sub}}}"
        return rf"{head}\left({inner}\right)"

    def fn_abs(self, e: Call, numeric: bool) -> str:
        return rf"\left|{self.expr(e.args[0], numeric)}\right|"

    def logistic(self, power: str) -> str:
        return rf"\frac{{1}}{{1 + e^{{{power}}}}}"

    def fn_sqrt(self, e: Call, numeric: bool) -> str:
        return rf"\sqrt{{{self.expr(e.args[0], numeric)}}}"

    def case(self, then: str, cond: str, other: str) -> str:
        return rf"\left({then} \text{{ if }} {cond} \text{{ else }} {other}\right)"


def latex_escape(s: str) -> str:
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
             "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
             "−": "-", "…": r"\ldots{}", "η": r"$\eta$", "≤": r"$\le$", "×": r"$\times$", "∂": r"$\partial$",
             "σ": r"$\sigma$", "δ": r"$\delta$", "←": r"$\leftarrow$", "Σ": r"$\Sigma$"}
    return "".join(table.get(ch, ch) for ch in s)


class HtmlPrinter(Printer):
    """Styled HTML text: names in <var> with <sub>scripts</sub>, numbers in <span class="n">."""

    sigma = "σ"

    def num(self, x: float) -> str:
        return f'<span class="n">{super().num(x)}</span>'

    def name(self, id_: str) -> str:
        base, _, sub = id_.partition("_")
        out = html.escape(base)
        if sub:
            out += f"<sub>{html.escape(sub)}</sub>"
        return f"<var>{out}</var>"

    def words(self, s: str) -> str:
        return html.escape(s)

    def exponent(self, b: Expr, numeric: bool) -> str:
        return f"<sup>{self.expr(b, numeric)}</sup>"

    def logistic(self, power: str) -> str:
        return f"1/(1 + e<sup>{power}</sup>)"

    def fn_name(self, fn: str) -> str:
        return html.escape(super().fn_name(fn))

    def condition(self, cond: str) -> str:
        return cond.replace(" > ", " &gt; ")


def printer_for(fmt: str, digits: int = 12, ascii: bool = False) -> Printer:
    if fmt in ("latex", "markdown"):
        return LatexPrinter(digits)
    if fmt == "html":
        return HtmlPrinter(digits)
    return AsciiPrinter(digits) if ascii else Printer(digits)


# --- the optimisers' symbols (momentum and Adam steps) and the loss curve (train) -----------------------

#: μ, β₁, β₂, ε and the hat of a bias-corrected moment, per printer (a subclass inherits)
_OPTIMISER_SYMBOLS: dict[type, dict[str, str]] = {
    Printer: {"mu": "μ", "beta1": "β₁", "beta2": "β₂", "eps": "ε", "hat": "{0}hat", "sqrt": "√{0}"},
    AsciiPrinter: {"mu": "mu", "beta1": "beta1", "beta2": "beta2", "eps": "eps", "hat": "{0}hat",
                   "sqrt": "sqrt({0})"},
    LatexPrinter: {"mu": r"\mu", "beta1": r"\beta_1", "beta2": r"\beta_2", "eps": r"\varepsilon",
                   "hat": r"\hat{{{0}}}", "sqrt": r"\sqrt{{{0}}}"},
    HtmlPrinter: {"hat": "{0}\u0302"},
}


def optimiser_symbol(p: Printer, key: str) -> str:
    """How `p` writes an optimiser's symbol: mu, beta1, beta2, eps."""
    for cls in type(p).__mro__:
        found = _OPTIMISER_SYMBOLS.get(cls, {}).get(key)
        if found is not None:
            return found
    raise KeyError(key)


def moment_name(p: Printer, moment: str, param: str, hat: bool = False) -> str:
    """m_w1, v_w1 (a moment or velocity of a param), and with `hat` its bias-corrected form."""
    if not hat:
        return p.name(f"{moment}_{param}")
    if isinstance(p, LatexPrinter):  # \hat{m}_{w1}: the hat on the letter, the param as subscript
        return p.name(f"{moment}_{param}").replace(moment, optimiser_symbol(p, "hat").format(moment), 1)
    return p.name(optimiser_symbol(p, "hat").format(moment) + "_" + param)


def root(p: Printer, s: str) -> str:
    return optimiser_symbol(p, "sqrt").format(s)


_BARS = "▁▂▃▄▅▆▇█"
_ASCII_BARS = "_.-~=+*#"


def bars(p: Printer, levels: list[int]) -> str:
    """A sparkline: one bar per level (0 lowest … 7 highest)."""
    if isinstance(p, LatexPrinter):
        return r"\,".join(rf"\rule{{0.25em}}{{{(k + 1) * 0.25:g}ex}}" for k in levels)
    if isinstance(p, AsciiPrinter):
        return "".join(_ASCII_BARS[k] for k in levels)
    return "".join(_BARS[k] for k in levels)
