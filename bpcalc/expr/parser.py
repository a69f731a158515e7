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
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, NamedTuple

from .. import codegen
from ..errors import InputError, Span, did_you_mean
from .tree import Bin, Call, Expr, Name, Neg, Num, census


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The functions an expression may call: name -> (fewest, most or None for any number of
    arguments), and other spellings of them (`ln` for `log`)."""

    functions: dict[str, tuple[int, int | None]]
    aliases: dict[str, str]


# --- tokenizer ----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
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
    n = len(src)
    while i < n:
        m = _TOKEN.match(src, i)
        if m is None:
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
        kind = m.lastgroup or ""
        if kind == "name" and m.group().startswith("__"):
            raise InputError(
                f"names starting with '__' are not allowed: '{m.group()}'",
                span.shifted(i, len(m.group())),
                "an expression is arithmetic on your own names; Python's internals are not reachable",
            )
        if kind != "space":
            toks.append(_Tok(kind, m.group(), i))
        i = m.end()
    toks.append(_Tok("end", "", n))
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
        while self.peek().text in ("+", "-"):
            t = self.take()
            e = Bin(t.text, e, self.product(), t.pos)
        return e

    def product(self) -> Expr:
        e = self.unary()
        while self.peek().text in ("*", "/"):
            t = self.take()
            e = Bin(t.text, e, self.unary(), t.pos)
        return e

    def unary(self) -> Expr:
        t = self.peek()
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
            return Neg(x, t.pos)
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        t = self.peek()
        if t.text in ("**", "^"):
            self.take()
            return Bin("**", base, self.unary(), t.pos)
        return base

    def atom(self) -> Expr:
        t = self.take()
        if t.kind == "number":
            value = float(t.text)
            if not math.isfinite(value):
                raise self.fail(f"number {t.text} is too large", t, "use a finite number")
            return Num(value, t.pos)
        if t.kind == "name":
            if self.peek().text == "(":
                return self.call(t)
            return Name(t.text, t.pos)
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
        return Call(fn, tuple(args), name_tok.pos)


def parse(src: str, vocabulary: Vocabulary, span: Span | None = None) -> Expr:
    """Parse one expression; errors point into `span` (the place of `src` in its file)."""
    return parse_line(src, vocabulary, span).expr


class Shape:
    """What the lines that differ only in their names share (`v2: v1 * a + b`, `v3: v2 * a + b`):
    the recipe that builds such a line's tree, and the operations in it (tree.census).  One object
    per shape, so that what is worked out for one line of it serves them all (the engine compiles
    a shape once).  Once `codegen.REUSED_ENOUGH` lines have used it, its recipe is written out as
    a function (`build`)."""

    __slots__ = ("recipe", "operations", "lines", "build")

    def __init__(self, recipe: Recipe, operations: int):
        self.recipe = recipe
        self.operations = operations
        self.lines = 1
        self.build: Callable[[list[str]], tuple[Expr, tuple[str, ...], dict[str, int]]] | None = None


class Parsed(NamedTuple):
    """A line parsed, and its census (tree.census) found in the same pass."""

    expr: Expr
    operations: int
    first_uses: dict[str, int]  # the offset of each name's first use, in order of first use
    shape: Shape | None  # shared by the lines of one shape (None: a line no recipe was made of)
    names: tuple[str, ...] = ()  # with a shape: the line's names as written, in order, repeats included


def parse_line(src: str, vocabulary: Vocabulary, span: Span | None = None) -> Parsed:
    """parse(), with the tree's census and the line's shape.

    A file of many lines of one shape (`v2: v1 * a + b`, `v3: v2 * a + b`, …) parses each shape
    once: a later line that differs only in its names is built from the first line's recipe with
    its own names and positions written in (`_SHAPES`), and its census read off the shape and
    the split text.  Only a line that parsed cleanly sets a shape."""
    parts = _VARIABLE.split(src)  # text, name, text, name, …, text
    key = (id(vocabulary), "\0".join(parts[0::2]))
    shape = _SHAPES.get(key)
    # (a name starting with __ is refused by the parser; a NUL, which no expression holds, is
    # the key's own separator: both go to the parser)
    if shape is not None and "\0" not in src and ("__" not in src or
                                                  not any(n.startswith("__") for n in parts[1::2])):
        build = shape.build
        if build is None:
            shape.lines += 1
            if shape.lines < codegen.REUSED_ENOUGH:
                ends = list(accumulate(map(len, parts), initial=0))
                names = tuple(parts[1::2])
                return _new(Parsed, (_made(shape.recipe, parts, ends), shape.operations,
                                     first_uses(names, ends[1::2]), shape, names))
            build = shape.build = _builder(shape.recipe, parts)
        expr, names, first = build(parts)
        return _new(Parsed, (expr, shape.operations, first, shape, names))
    expr = _Parser(src, span or Span("<expression>", 1, 1), vocabulary).parse()
    _check_depth(expr, span or Span("<expression>", 1, 1))
    operations, first = census(expr)
    recipe, written = _recipe(expr, list(accumulate(map(len, parts), initial=0)))
    if written != parts[1::2]:  # the tree's names are the split's, in order (so a recipe can write them in)
        return Parsed(expr, operations, first, None)
    if len(_SHAPES) >= _SHAPES_KEPT:
        _SHAPES.clear()
    shape = _SHAPES[key] = Shape(recipe, operations)
    return Parsed(expr, operations, first, shape, tuple(written))


_new = tuple.__new__  # a NamedTuple made with every field given, without its __new__ (a Python call)


def first_uses(names: tuple[str, ...], places: list[int] | tuple[int, ...]) -> dict[str, int]:
    """name -> the place of its first use, in order of first use, from every use's place."""
    first = dict(zip(names, places))
    if len(first) < len(names):  # a name used twice: the place of its first use
        first = {}
        for name, at in zip(names, places):
            first.setdefault(name, at)
    return first


# A variable's name: not part of a number (1e5), not a function's name (followed by "(").
_VARIABLE = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")
_SHAPES_KEPT = 4096

# A shape's recipe: its tree in post-order, each node as (kind, what, at, offset).  The source
# split at its names is text, name, text, name, …, text; `at` is the index in that list of the text
# just before the node's own (2k when k names come before it; 2k + 1 for the k-th name itself),
# and the node's position is `offset` past the end of the pieces before `at`: the text between
# names is the same in every line of one shape.  what: a Num's value, a Bin's operator, a Call's
# (function, arguments, pick).
_NAME, _NUM, _NEG, _BIN, _CALL = range(5)
Recipe = list[tuple[int, object, int, int]]
#: shape (the source with each variable's name replaced by \0) -> its recipe
_SHAPES: dict[tuple[int, str], Shape] = {}


def _recipe(expr: Expr, ends: list[int]) -> tuple[Recipe, list[str]]:
    """`ends[i]`: where piece i of the split source starts.  Also the tree's names, left to right."""
    out: Recipe = []
    names: list[str] = []
    _walk(expr, ends, out, names)  # as deep as the parser allows (_MAX_DEPTH), far within the recursion limit
    return out, names


def _walk(e: Expr, ends: list[int], out: Recipe, names: list[str]) -> None:
    """Append `e`'s recipe (and its names to `names`).  A left-to-right walk meets the names in
    the order they are written, so len(names) before a node is how many names come before it."""
    if type(e) is Name:
        out.append((_NAME, None, 2 * len(names) + 1, 0))
        names.append(e.id)
        return
    if type(e) is Bin:
        _walk(e.a, ends, out, names)
        at = 2 * len(names)  # an operator's text comes after its left side's names
        _walk(e.b, ends, out, names)
        out.append((_BIN, e.op, at, e.pos - ends[at]))
        return
    at = 2 * len(names)
    if type(e) is Num:
        out.append((_NUM, e.value, at, e.pos - ends[at]))
    elif type(e) is Neg:
        _walk(e.x, ends, out, names)
        out.append((_NEG, None, at, e.pos - ends[at]))
    else:
        assert type(e) is Call
        for arg in e.args:
            _walk(arg, ends, out, names)
        out.append((_CALL, (e.fn, len(e.args), e.pick), at, e.pos - ends[at]))


def _made(recipe: Recipe, parts: list[str], ends: list[int]) -> Expr:
    """The tree of a line of a known shape: its names, at their places.  Nodes are made with every
    field given, by tuple.__new__ (NamedTuple's own __new__ is a Python call per node)."""
    made: list[Expr] = []
    push, pop, new = made.append, made.pop, tuple.__new__
    for kind, what, at, offset in recipe:
        if kind == 0:  # _NAME
            push(new(Name, (parts[at], ends[at])))
        elif kind == 3:  # _BIN
            b = pop()
            made[-1] = new(Bin, (what, made[-1], b, ends[at] + offset))
        elif kind == 1:  # _NUM
            push(new(Num, (what, ends[at] + offset)))
        elif kind == 2:  # _NEG
            made[-1] = new(Neg, (made[-1], ends[at] + offset))
        else:
            call: tuple[str, int, int] = what  # type: ignore[assignment]
            fn, n, pick = call
            args = tuple(made[len(made) - n:])
            del made[len(made) - n:]
            push(new(Call, (fn, args, ends[at] + offset, pick)))
    return made[0]


def _builder(recipe: Recipe, parts: list[str]) -> Callable[[list[str]], tuple[Expr, tuple[str, ...], dict[str, int]]]:
    """A shape's recipe written out as a function of a line's split text (`parts`, as split here):
    _made's nodes, the line's names and their first uses, with no loop and no lookup of what comes
    next.  The text between names, the same in every line of the shape, is folded into the
    places; what the nodes hold besides names and places (operators, numbers, functions) is in the
    function's scope, not its source.  For `v1 * a + b` (k7, k8: the operators * and +):

        def build(p):
            _, n0, _, n1, _, n2, _, = p
            e1 = 0
            e2 = e1 + len(n0)
            e3 = e2 + 3
            e4 = e3 + len(n1)
            e5 = e4 + 3
            e6 = e5 + len(n2)
            t8 = new(Name, (n0, e1))
            t9 = new(Name, (n1, e3))
            t10 = new(Bin, (k7, t8, t9, e2 + 1))
            t11 = new(Name, (n2, e5))
            t12 = new(Bin, (k8, t10, t11, e4 + 1))
            first = {n0: e1, n1: e3, n2: e5}
            if len(first) < 3:
                first = first_uses((n0, n1, n2, ), (e1, e3, e5, ))
            return t12, (n0, n1, n2, ), first
    """
    count = len(parts) // 2
    names = [f"n{j}" for j in range(count)]
    lines = ["def build(p):", "    " + "".join(f"_, {n}, " for n in names) + "_, = p"]
    for i in range(1, len(parts)):  # e{i}: where piece i starts
        before = "" if i == 1 else f"e{i - 1} + "
        step = f"len(n{(i - 1) // 2})" if i % 2 == 0 else str(len(parts[i - 1]))
        lines.append(f"    e{i} = {before}{step}")
    scope: dict[str, Any] = {"new": tuple.__new__, "Name": Name, "Num": Num, "Neg": Neg, "Bin": Bin, "Call": Call,
                             "first_uses": first_uses}

    def constant(value: object) -> str:
        name = f"k{len(scope)}"
        scope[name] = value
        return name

    def place(at: int, offset: int) -> str:
        return str(offset) if at == 0 else (f"e{at}" if offset == 0 else f"e{at} + {offset}")

    made: list[str] = []
    for kind, what, at, offset in recipe:
        node = f"t{len(lines)}"
        if kind == _NAME:
            fields = f"n{(at - 1) // 2}, e{at}"
            lines.append(f"    {node} = new(Name, ({fields}))")
        elif kind == _BIN:
            b, a = made.pop(), made.pop()
            lines.append(f"    {node} = new(Bin, ({constant(what)}, {a}, {b}, {place(at, offset)}))")
        elif kind == _NUM:
            lines.append(f"    {node} = new(Num, ({constant(what)}, {place(at, offset)}))")
        elif kind == _NEG:
            lines.append(f"    {node} = new(Neg, ({made.pop()}, {place(at, offset)}))")
        else:
            call: tuple[str, int, int] = what  # type: ignore[assignment]
            fn, n, pick = call
            args = made[len(made) - n:]
            del made[len(made) - n:]
            lines.append(f"    {node} = new(Call, ({constant(fn)}, ({''.join(a + ', ' for a in args)}), "
                         f"{place(at, offset)}, {constant(pick)}))")
        made.append(node)
    written = "".join(n + ", " for n in names)
    places = "".join(f"e{2 * j + 1}, " for j in range(count))
    uses = ", ".join(f"n{j}: e{2 * j + 1}" for j in range(count))
    lines += [f"    first = {{{uses}}}",  # a name used twice keeps the place of its last use here: redone
              f"    if len(first) < {count}:", f"        first = first_uses(({written}), ({places}))",
              f"    return {made[0]}, ({written}), first"]
    return codegen.compiled("\n".join(lines) + "\n", scope, "expr.parser")["build"]  # type: ignore[no-any-return]


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


