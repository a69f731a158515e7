"""bpcalc's own tokenizer and parser for expressions (nothing is ever given to `eval`).

Grammar (Python's precedence; `^` is accepted as a synonym of `**`):

    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := ('-' | '+') unary | power
    power   := atom (('**' | '^') unary)?        # right-associative; -x**2 is -(x**2)
    atom    := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')'

The functions a call may name, and their arities, are a `Vocabulary`: the op table gives the one
for user files (`bpcalc.ops.USER`), and parses its own formulas with its full one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import InputError, Span, did_you_mean
from .tree import Bin, Call, Expr, Name, Neg, Num


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The functions an expression may call: name -> (fewest, most or None for any number of
    arguments), and other spellings of them (`ln` for `log`)."""

    functions: dict[str, tuple[int, int | None]]
    aliases: dict[str, str]


# --- tokenizer ----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    \s*  # the spaces before a token are part of its match: one match a token
    (?:
      (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>\*\*|[-+*/^(),])
    )
    """,
    re.VERBOSE,
)

_NOT_ARITHMETIC = {
    ".": "attribute access is not arithmetic; a name is letters, digits and '_'",
    "[": "subscripts and lists are not arithmetic; write each value as its own name",
    "]": "subscripts and lists are not arithmetic; write each value as its own name",
    "{": "braces are not arithmetic",
    "}": "braces are not arithmetic",
    "'": "strings are not arithmetic",
    '"': "strings are not arithmetic",
    "=": "an expression has no '='; the name goes before the ':' in `define`",
    "<": "comparisons are not supported; use max/min or relu",
    ">": "comparisons are not supported; use max/min or relu",
    "%": "'%' is not supported",
    "@": "'@' is not supported",
    ":": "':' is not arithmetic (lambdas and slices are not supported)",
    ";": "one expression per line",
}


#: symbols of the printed worked examples, and how an expression writes them
_WRITTEN_AS = {
    "σ": "σ(z) is written sigmoid(z)", "×": "× is written *", "·": "· is written *", "⋅": "⋅ is written *",
    "−": "− (a typographic minus) is written -", "–": "– (a dash) is written - for minus",
    "÷": "÷ is written /", "√": "√x is written sqrt(x)", "²": "x² is written x**2 (or x^2)",
    "³": "x³ is written x**3 (or x^3)", "∑": "a sum is written out: a + b + c", "Σ": "a sum is written out: a + b + c",
    "ℯ": "ℯ^x is written exp(x)",
}


@dataclass(slots=True)
class _Tok:
    kind: str  # number, name, op, end
    text: str
    pos: int


def _tokenize(src: str, span: Span, vocabulary: Vocabulary) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    for m in _TOKEN.finditer(src):
        start, end = m.span()
        if start != i:  # a character no token begins with
            break
        i = end
        kind = m.lastgroup or ""
        text = m[kind]
        at = end - len(text)
        if kind == "name" and text[:2] == "__":
            raise InputError(
                f"names starting with '__' are not allowed: '{text}'",
                span.shifted(at, len(text)),
                "an expression is arithmetic on your own names; Python's internals are not reachable",
            )
        toks.append(_Tok(kind, text, at))
    i = len(src) - len(src[i:].lstrip())  # past the spaces after the last token
    if i < len(src):
        ch = src[i]
        if ch in _WRITTEN_AS:  # a symbol pasted from the worked example: say how to write it
            raise InputError(f"unexpected '{ch}' in expression", span.shifted(i),
                             f"in bpcalc, {_WRITTEN_AS[ch]}")
        why = _NOT_ARITHMETIC.get(ch, f"'{ch}' cannot appear in an expression")
        raise InputError(
            f"unexpected '{ch}' in expression",
            span.shifted(i),
            f"{why}; allowed: numbers, names, + - * / **, parentheses and the functions "
            + ", ".join(vocabulary.functions),
        )
    toks.append(_Tok("end", "", len(src)))
    return toks


# --- parser -------------------------------------------------------------------------------------------

# Nesting (parentheses, signs, calls, and chains like x + x + … + x, which make trees as deep as they
# are long): far beyond any homework, and well within Python's stack for the recursive parser,
# derivative and printers.
_MAX_DEPTH = 100


class _Parser:
    def __init__(self, src: str, span: Span, vocabulary: Vocabulary):
        self.src = src
        self.span = span
        self.vocabulary = vocabulary
        self.toks = _tokenize(src, span, vocabulary)
        self.i = 0
        self.depth = 0
        # the census (tree.census) taken as the tree is built: names are met in order of first use
        self.operations = 0
        self.first_uses: dict[str, int] = {}

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: _Tok, hint: str | None = None) -> InputError:
        return InputError(message, self.span.shifted(tok.pos, max(1, len(tok.text))), hint)

    def expect(self, text: str) -> _Tok:
        t = self.peek()
        if t.text != text:
            found = f"'{t.text}'" if t.kind != "end" else "the end of the expression"
            raise self.fail(f"expected '{text}' but found {found}", t)
        return self.take()

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise InputError("empty expression", self.span, "write a formula, e.g. `w * x + b`")
        e = self.sum()
        t = self.peek()
        if t.kind != "end":
            if t.kind == "name" and t.text in ("for", "if", "lambda", "and", "or", "not", "in"):
                raise self.fail(
                    f"'{t.text}' is not arithmetic", t,
                    "expressions hold numbers, names, + - * / ** and the listed functions",
                )
            raise self.fail(
                f"unexpected {t.text!r} after a complete expression", t,
                "is an operator (+ - * /) missing?",
            )
        return e

    def sum(self) -> Expr:
        e = self.product()
        toks = self.toks
        while toks[self.i].text in ("+", "-"):
            t = toks[self.i]
            self.i += 1
            e = Bin(t.text, e, self.product(), t.pos)
            self.operations += 1
        return e

    def product(self) -> Expr:
        e = self.unary()
        toks = self.toks
        while toks[self.i].text in ("*", "/"):
            t = toks[self.i]
            self.i += 1
            e = Bin(t.text, e, self.unary(), t.pos)
            self.operations += 1
        return e

    def unary(self) -> Expr:
        t = self.toks[self.i]
        if t.text in ("-", "+"):
            self.take()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise self.fail("expression nested too deeply", t, f"at most {_MAX_DEPTH} levels")
            x = self.unary()
            self.depth -= 1
            if t.text == "+":
                return x
            if isinstance(x, Num):  # -3 is a number, not an operation
                return Num(-x.value, t.pos)
            self.operations += 1
            return Neg(x, t.pos)
        base = self.atom()  # a power binds tighter than a sign on its left: -x**2 is -(x**2)
        t = self.toks[self.i]
        if t.text in ("**", "^"):
            self.i += 1
            self.operations += 1
            return Bin("**", base, self.unary(), t.pos)
        return base

    def atom(self) -> Expr:
        t = self.toks[self.i]
        self.i += 1
        if t.kind == "name":
            if self.toks[self.i].text == "(":
                return self.call(t)
            self.first_uses.setdefault(t.text, t.pos)
            return Name(t.text, t.pos)
        if t.kind == "number":
            value = float(t.text)
            if not math.isfinite(value):
                raise self.fail(f"number {t.text} is too large", t, "use a finite number")
            return Num(value, t.pos)
        if t.text == "(":
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise self.fail("expression nested too deeply", t, f"at most {_MAX_DEPTH} levels")
            e = self.sum()
            self.depth -= 1
            self.expect(")")
            return e
        if t.kind == "end":
            raise self.fail("the expression ends too early", t, "an operand is missing at the end")
        raise self.fail(f"unexpected '{t.text}'", t, "an operand (a number, a name or '(') belongs here")

    def call(self, name_tok: _Tok) -> Expr:
        functions = self.vocabulary.functions
        fn = self.vocabulary.aliases.get(name_tok.text, name_tok.text)
        if fn not in functions:
            hint = did_you_mean(fn, list(functions)) or ("functions: " + ", ".join(functions))
            raise self.fail(f"unknown function '{name_tok.text}'", name_tok, hint)
        self.expect("(")
        args: list[Expr] = []
        if self.peek().text != ")":
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise self.fail("expression nested too deeply", name_tok, f"at most {_MAX_DEPTH} levels")
            args.append(self.sum())
            while self.peek().text == ",":
                self.take()
                args.append(self.sum())
            self.depth -= 1
        self.expect(")")
        if len(args) > _MAX_DEPTH:
            raise self.fail(f"{fn}() has {len(args)} arguments; bpcalc takes at most {_MAX_DEPTH}",
                            name_tok, "split it, e.g. max(max(a, b, …), max(c, d, …))")
        lo, hi = functions[fn]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = str(lo) if lo == hi else (f"{lo} or {hi}" if hi else f"at least {lo}")
            raise self.fail(
                f"{fn}() takes {want} argument{'s' if want != '1' else ''}, got {len(args)}",
                name_tok,
            )
        self.operations += len(args)  # a call is counted once per argument, as tree.census counts it
        return Call(fn, tuple(args), name_tok.pos)


def parse(src: str, vocabulary: Vocabulary, span: Span | None = None) -> Expr:
    """Parse one expression; errors point into `span` (the place of `src` in its file)."""
    return parse_line(src, vocabulary, span).expr


class Parsed(NamedTuple):
    """A line parsed, and its census (tree.census) found in the same pass."""

    expr: Expr
    operations: int
    first_uses: dict[str, int]  # the offset of each name's first use, in order of first use


def parse_line(src: str, vocabulary: Vocabulary, span: Span | None = None) -> Parsed:
    """parse(), with the tree's census."""
    at = span or Span("<expression>", 1, 1)
    parser = _Parser(src, at, vocabulary)
    expr = parser.parse()
    if len(parser.toks) > _MAX_DEPTH:  # each node has a token of its own: a shorter line is not too deep
        _check_depth(expr, at)
    return Parsed(expr, parser.operations, parser.first_uses)


def _check_depth(expr: Expr, span: Span) -> None:
    """A long chain like `x + x + … + x` makes a tree as deep as it is long; the derivative and the
    printers walk trees recursively, so refuse depths far beyond homework instead of crashing."""
    stack = [(expr, 1)]
    while stack:
        e, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise InputError(
                f"the expression is too long: more than {_MAX_DEPTH} operations nested in one line",
                span.shifted(e.pos), "split it into several named lines under `define:`")
        if isinstance(e, Neg):
            stack.append((e.x, depth + 1))
        elif isinstance(e, Bin):
            stack.extend(((e.a, depth + 1), (e.b, depth + 1)))
        elif isinstance(e, Call):
            stack.extend((a, depth + 1) for a in e.args)


