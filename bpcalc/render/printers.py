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

from .. import defaults
from ..expr.tree import Bin, Call, Expr, Name, Neg, Num
from ..markup import latex_escape
from ..numbers import format_number, format_scientific
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


#: where a long formula may be broken across lines: before a top-level +, −, × or · (and between
#: the factors of a chain rule, the terms of a sum of products).  Every renderer either breaks
#: there or removes the mark; it never reaches the output.
BREAK = "\ue000"
#: the same one level down (inside a top-level term or factor): a second choice
BREAK2 = "\ue002"


def pieces(s: str) -> list[str]:
    """The pieces of a printed formula between its top-level break marks, in order."""
    return s.split(BREAK)


def unmarked(s: str) -> str:
    return s.replace(BREAK, "").replace(BREAK2, "")


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
    delta_symbol = "δ"

    def __init__(self, digits: int = defaults.DIGITS, breaks: bool = False, lang: str = "en"):
        self.digits = digits
        self.breaks = breaks  # mark where a long formula may be broken (BREAK, BREAK2)
        self.lang = lang
        self.depth = 0  # how deep inside the formula being printed: breaks only near the top

    ellipsis_row = "⋯"  # an elided stretch of a matrix's row
    ellipsis_column = "⋮"  # … of its column
    hadamard = " ⊙ "
    transpose = "ᵀ"
    nabla = "∇"
    prime = "′"
    phi = "φ"
    capital_delta = "Δ"  # a batch's matrix of δ's, a row per sample
    ones = "1"  # the column of ones that adds a bias to every row of a batch: 1 bᵀ

    def sup(self, base: str, script: str) -> str:
        """A layer's matrix or vector: W^h, z^o, δ^h (base already printed)."""
        return f"{base}^{script}"

    def transposed(self, s: str) -> str:
        return s + self.transpose

    @property
    def delta_letter(self) -> str:
        return self.delta_symbol

    def matrix(self, rows: tuple[tuple[str, ...], ...]) -> str:
        """A matrix inline, where a format writes it in one piece of markup (LaTeX, MathML); the
        text renderer draws it over several lines instead."""
        return "[" + "; ".join("  ".join(row) for row in rows) + "]"

    def tr(self, msgid: str, **params: object) -> str:
        """A heading or sentence in this printer's language (render/words.py)."""
        from .words import translate

        return translate(self.lang, msgid, **params)

    @property
    def brk(self) -> str:
        """BREAK when marking, else nothing."""
        return BREAK if self.breaks else ""

    def _mark(self) -> str:
        if not self.breaks:
            return ""
        return BREAK if self.depth == 1 else BREAK2 if self.depth == 2 else ""

    # --- leaves ---------------------------------------------------------------------------------

    def num(self, x: float) -> str:
        return self.numeral(format_number(x, self.digits))

    def sci(self, x: float, digits: int = 3) -> str:
        """A number in scientific notation, `digits` significant digits: a column of errors
        written alike (4.95e-11, 1.30e-8)."""
        return self.numeral(format_scientific(x, min(digits, self.digits)))

    def numeral(self, s: str) -> str:
        """A number already written as text (`-0.5`, `1.3e-8`), as this format writes it."""
        return self.minus + s[1:] if s.startswith("-") else s

    def name(self, id_: str) -> str:
        return id_

    def paren(self, s: str) -> str:
        return f"({s})"

    #: parentheses around matrices, each a piece of its own (BP2's (Wᵀ δ)): sized to what they hold
    open_paren = "("
    close_paren = ")"

    def partial(self, of: str, wrt: str) -> str:
        return self.fraction(self.name(of), self.name(wrt))

    def fraction(self, of: str, wrt: str) -> str:
        """∂of/∂wrt of two names already printed."""
        return f"{self.partial_sign}{of}/{self.partial_sign}{wrt}"

    def words(self, s: str) -> str:
        """Plain words inside a formula or a note."""
        return s

    def delta(self, neuron: str) -> str:
        """δ of a neuron: δ_o1, δ_h[2]."""
        return f"{self.delta_symbol}_{neuron}"

    # --- expressions -----------------------------------------------------------------------------

    def expr(self, e: Expr, numeric: bool = False) -> str:
        """A formula; `numeric` when every leaf is a number (products then use ×).  BREAK marks
        where it may be broken across lines."""
        self.depth += 1
        try:
            return self._expr(e, numeric)
        finally:
            self.depth -= 1

    def _expr(self, e: Expr, numeric: bool) -> str:
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
        mark = self._mark()
        for op, b in rest:
            wrap = precedence(b) <= _PREC["+"] or starts_negative(b)  # a − (b + c)
            sign = "+" if op == "+" else self.minus
            out.append(mark + self.binary(sign) + self._operand(b, wrap, numeric))
        return "".join(out)

    def product(self, e: Bin, numeric: bool) -> str:
        first, rest = _spine(e, ("*",))
        wrap_first = precedence(first) < _PREC["*"]
        out = [self._operand(first, wrap_first, numeric)]
        prev = first
        mark = self._mark()
        for _, b in rest:
            wrap = precedence(b) < _PREC["*"] or starts_negative(b) or (
                isinstance(b, Bin) and b.op == "/" and not self.frac_division)
            between = self.times_between(prev, b, wrap, numeric)
            out.append(mark + between if between.strip() else between)
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
        return self._operand(e.a, wrap_a, numeric) + self.binary("/") + self._operand(e.b, wrap_b, numeric)

    def binary(self, symbol: str) -> str:
        """A binary operator or relation (+, −, /, =, >, ≤) with the spacing around it."""
        return f" {symbol} "

    def literal(self, text: str) -> str:
        """Fixed text inside math (a case's condition: ` > 0`): relations spaced, ≤ as this
        format writes it."""
        return text.replace("≤", self.le)

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
        then, cond, other = (self._fill(part, args, fill) for part in written)
        return self.case(then, cond, other)

    def _fill(self, template: str, args: list[str], fill: dict[str, str]) -> str:
        """A template with its placeholders filled and its own text written by `literal`."""
        out = []
        for i, piece in enumerate(re.split(r"(\{\w+\})", template)):
            if i % 2:
                key = piece[1:-1]
                out.append(args[int(key)] if key.isdigit() else fill[key])
            elif piece:
                out.append(self.literal(piece))
        return "".join(out)

    comma = ", "

    def function(self, fn: str, args: tuple[Expr, ...], numeric: bool) -> str:
        inner = self.comma.join(self.expr(a, numeric) for a in args)
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
    delta_symbol = "delta"
    ellipsis_row = "..."
    ellipsis_column = ":"
    hadamard = " (*) "
    transpose = "^T"
    nabla = "grad"
    prime = "'"
    phi = "phi"
    capital_delta = "Delta"

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
    ellipsis_row = r"\cdots"
    ellipsis_column = r"\vdots"
    hadamard = r" \odot "
    transpose = r"^{\mathsf{T}}"
    nabla = r"\nabla"
    prime = "'"
    phi = r"\varphi"
    capital_delta = r"\Delta"
    ones = r"\mathbf{1}"

    def sup(self, base: str, script: str) -> str:
        return f"{{{base}}}^{{{script}}}"

    @property
    def delta_letter(self) -> str:
        return r"\delta"

    def matrix(self, rows: tuple[tuple[str, ...], ...]) -> str:
        return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(row) for row in rows) + r"\end{bmatrix}"

    def numeral(self, s: str) -> str:
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

    open_paren = r"\left("
    close_paren = r"\right)"

    def delta(self, neuron: str) -> str:
        base, _, suffix = neuron.partition("[")
        return rf"\delta_{{{base}}}" + (f"[{suffix}" if suffix else "")

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


class MathMLPrinter(Printer):
    """MathML for the HTML page: names in <mi> with subscripts, numbers in <mn>, operators in
    <mo>, fractions and powers as <mfrac> and <msup>; each formula goes inside a <math> element."""

    minus = "<mo>−</mo>"
    times = '<mo form="infix">×</mo>'
    dot = '<mo form="infix">·</mo>'
    chain_dot = '<mo form="infix">·</mo>'
    eta = "<mi>η</mi>"
    arrow = "<mo>←</mo>"
    sigma = "<mi>σ</mi>"
    sum_sign = "<mo>Σ</mo>"
    le = "<mo>≤</mo>"
    theta = "<mi>θ</mi>"
    comma = "<mo>,</mo>"
    frac_division = True
    ellipsis_row = "<mo>⋯</mo>"
    ellipsis_column = "<mo>⋮</mo>"
    hadamard = '<mo form="infix">⊙</mo>'
    transpose = "<mi>T</mi>"
    nabla = "<mo>∇</mo>"
    prime = "<mo>′</mo>"
    phi = "<mi>φ</mi>"
    capital_delta = '<mi mathvariant="normal">Δ</mi>'
    ones = '<mn mathvariant="bold">1</mn>'

    def sup(self, base: str, script: str) -> str:
        return f"<msup><mrow>{base}</mrow><mrow>{script}</mrow></msup>"

    def transposed(self, s: str) -> str:
        return f"<msup><mrow>{s}</mrow><mi>T</mi></msup>"

    @property
    def delta_letter(self) -> str:
        return "<mi>δ</mi>"

    def matrix(self, rows: tuple[tuple[str, ...], ...]) -> str:
        # displaystyle: a matrix of partials shows each ∂E/∂w as large as the rows around it (a
        # table's cells are compact, their fractions a script size smaller, by default)
        body = "".join("<mtr>" + "".join(f"<mtd>{cell}</mtd>" for cell in row) + "</mtr>" for row in rows)
        return f'<mrow><mo>[</mo><mtable displaystyle="true">{body}</mtable><mo>]</mo></mrow>'

    def numeral(self, digits: str) -> str:
        if digits.startswith("-"):  # the sign as an operator, the digits as the number
            return f"<mrow><mo>−</mo><mn>{digits[1:]}</mn></mrow>"
        return f"<mn>{digits}</mn>"

    def name(self, id_: str) -> str:
        suffix = ""
        if "[" in id_:  # a sample's node: out_o1[2]
            id_, rest = id_.split("[", 1)
            suffix = f"<mo>[</mo><mn>{html.escape(rest.rstrip(']'))}</mn><mo>]</mo>"
        base, _, sub = id_.partition("_")
        head = f"<mi>{html.escape(base)}</mi>"
        if sub:
            head = f"<msub>{head}<mi>{html.escape(sub)}</mi></msub>"
        return f"<mrow>{head}{suffix}</mrow>" if suffix else head

    def paren(self, s: str) -> str:
        opening, closing = _fences(s)
        return f"<mrow>{opening}{s}{closing}</mrow>"

    def neg(self, e: Neg, numeric: bool) -> str:
        # its own row: the − is then a prefix operator, set close to what it negates (−(y − y_o)),
        # never spaced as the binary minus it would be after an `=`
        return f"<mrow>{super().neg(e, numeric)}</mrow>"

    open_paren = "<mo>(</mo>"
    close_paren = "<mo>)</mo>"

    def fraction(self, of: str, wrt: str) -> str:
        return f"<mfrac><mrow><mi>∂</mi>{of}</mrow><mrow><mi>∂</mi>{wrt}</mrow></mfrac>"

    def delta(self, neuron: str) -> str:
        base, _, suffix = neuron.partition("[")
        tail = f"<mo>[</mo><mn>{html.escape(suffix.rstrip(']'))}</mn><mo>]</mo>" if suffix else ""
        return f"<mrow><msub><mi>δ</mi><mi>{html.escape(base)}</mi></msub>{tail}</mrow>"

    def words(self, s: str) -> str:
        return f"<mtext>{html.escape(s)}</mtext>"

    def binary(self, symbol: str) -> str:
        # infix even where it starts a piece of its own (a formula broken before it)
        inner = symbol[4:-5] if symbol.startswith("<mo>") else html.escape(symbol)
        return f'<mo form="infix">{inner}</mo>'

    def literal(self, text: str) -> str:
        out = []
        for token in text.split():
            if token.replace(".", "", 1).isdigit():
                out.append(f"<mn>{token}</mn>")
            elif token in ("=", ">", "<", "≤", "+", "−", "-"):
                out.append(f"<mo>{html.escape(token)}</mo>")
            else:
                out.append(f"<mtext>&#160;{html.escape(token)}&#160;</mtext>")
        return "".join(out)

    def quotient(self, e: Bin, numeric: bool) -> str:
        return f"<mfrac><mrow>{self.expr(e.a, numeric)}</mrow><mrow>{self.expr(e.b, numeric)}</mrow></mfrac>"

    def power(self, e: Bin, numeric: bool) -> str:
        base = self._operand(e.a, precedence(e.a) <= _PREC["**"], numeric)
        return f"<msup><mrow>{base}</mrow><mrow>{self.expr(e.b, numeric)}</mrow></msup>"

    def function(self, fn: str, args: tuple[Expr, ...], numeric: bool) -> str:
        inner = self.comma.join(self.expr(a, numeric) for a in args)
        name = self.fn_name(fn)
        base, sep, sub = fn.rpartition("_")
        if sep and fn not in BY_NAME and base in BY_NAME:  # softmax_2: the component as a subscript
            name = f"<msub><mi>{html.escape(base)}</mi><mn>{html.escape(sub)}</mn></msub>"
        opening, closing = _fences(inner)
        return f"<mrow>{name}<mrow>{opening}{inner}{closing}</mrow></mrow>"

    def fn_name(self, fn: str) -> str:
        named = super().fn_name(fn)
        return named if named.startswith("<") else f"<mi>{html.escape(named)}</mi>"

    def logistic(self, power: str) -> str:
        return f"<mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow>{power}</mrow></msup></mrow></mfrac>"

    def fn_abs(self, e: Call, numeric: bool) -> str:
        return f"<mrow><mo>|</mo>{self.expr(e.args[0], numeric)}<mo>|</mo></mrow>"

    def fn_sqrt(self, e: Call, numeric: bool) -> str:
        return f"<msqrt>{self.expr(e.args[0], numeric)}</msqrt>"

    def case(self, then: str, cond: str, other: str) -> str:
        word = "<mtext>&#160;if&#160;</mtext>"
        otherwise = "<mtext>&#160;else&#160;</mtext>"
        return f"<mrow><mo>(</mo>{self.literal(then) if not then.startswith('<') else then}{word}{cond}" \
               f"{otherwise}{self.literal(other) if not other.startswith('<') else other}<mo>)</mo></mrow>"


#: what makes a formula taller than a line of text: around it, parentheses stretch
_TALL = ("<mfrac", "<mtable", "<msqrt", "<munder", "<mover")


def _fences(inside: str) -> tuple[str, str]:
    """MathML parentheses for what they enclose: a stretchy fence grows with a fraction or a
    matrix, but around a line of text its larger glyph leaves a gap on either side (`( −0.5 )`),
    so there it is the plain character."""
    if any(tall in inside for tall in _TALL):
        return "<mo>(</mo>", "<mo>)</mo>"
    return '<mo stretchy="false">(</mo>', '<mo stretchy="false">)</mo>'


def printer_for(fmt: str, digits: int = defaults.DIGITS, ascii: bool = False, lang: str = "en") -> Printer:
    """The printer of a format, marking where long formulas may break (its renderer breaks them
    there or removes the marks)."""
    if fmt in ("latex", "markdown"):
        return LatexPrinter(digits, breaks=True, lang=lang)
    if fmt == "html":
        return MathMLPrinter(digits, breaks=True, lang=lang)
    cls = AsciiPrinter if ascii else Printer
    return cls(digits, breaks=True, lang=lang)


# --- the optimisers' symbols (momentum and Adam steps) and the loss curve (train) -----------------------

#: μ, β₁, β₂, ε, the hat of a bias-corrected moment (on the printed letter) and a square root, per
#: printer (a subclass inherits)
_OPTIMISER_SYMBOLS: dict[type, dict[str, str]] = {
    Printer: {"hat": "{0}\u0302", "sqrt": "√{0}", "sub": "{0}{1}"},
    AsciiPrinter: {"hat": "{0}hat", "sqrt": "sqrt({0})", "sub": "{0}{1}"},
    LatexPrinter: {"hat": r"\hat{{{0}}}", "sqrt": r"\sqrt{{{0}}}", "sub": "{0}_{1}"},
    MathMLPrinter: {"hat": '<mover accent="true">{0}<mo>^</mo></mover>', "sqrt": "<msqrt>{0}</msqrt>",
                    "sub": "<msub>{0}<mn>{1}</mn></msub>"},
}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def optimiser_symbol(p: Printer, key: str) -> str:
    """How `p` writes the hat of a bias-corrected moment, a square root and a subscript (templates)."""
    for cls in type(p).__mro__:
        found = _OPTIMISER_SYMBOLS.get(cls, {}).get(key)
        if found is not None:
            return found
    raise KeyError(key)


def hyper_symbol(p: Printer, name: str, letter: str, sub: str, latex: str) -> str:
    """How `p` writes an optimiser's hyper-parameter (ops/optimizers.py): β₁, beta1, \\beta_1, β as MathML."""
    if isinstance(p, AsciiPrinter):
        return name
    if isinstance(p, LatexPrinter):
        head = latex or letter
    elif isinstance(p, MathMLPrinter):
        head = f"<mi>{letter}</mi>"
    else:
        return letter + sub.translate(_SUBSCRIPTS)
    return optimiser_symbol(p, "sub").format(head, sub) if sub else head


def moment_name(p: Printer, moment: str, param: str | None, hat: bool = False) -> str:
    """m_w1, v_w1 (a moment or velocity of a param; of any param when `param` is None), and with
    `hat` its bias-corrected form: the hat on the printed letter (m̂, \\hat{m}, mhat)."""
    name = p.name(moment if param is None else f"{moment}_{param}")
    if not hat:
        return name
    letter = p.name(moment)
    return name.replace(letter, optimiser_symbol(p, "hat").format(letter), 1)


_BARS = "▁▂▃▄▅▆▇█"
_ASCII_BARS = "_.-~=+*#"


def bars(p: Printer, levels: list[int]) -> str:
    """A sparkline: one bar per level (0 lowest … 7 highest), as math."""
    if isinstance(p, LatexPrinter):
        return r"\,".join(rf"\rule{{0.25em}}{{{(k + 1) * 0.25:g}ex}}" for k in levels)
    if isinstance(p, AsciiPrinter):
        return "".join(_ASCII_BARS[k] for k in levels)
    return p.words("".join(_BARS[k] for k in levels))
