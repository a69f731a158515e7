"""The expression tree: numbers, names, negation, binary operators and function calls.

Immutable and hashable; every walk over a tree is a loop with an explicit stack, so a very deep
tree (a long chain of + written on one line) never reaches Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar

from ..numbers import format_number


class Num(NamedTuple):
    value: float
    pos: int = 0


class Name(NamedTuple):
    id: str
    pos: int = 0


class Neg(NamedTuple):
    x: Expr
    pos: int = 0


class Bin(NamedTuple):
    op: str  # one of + - * / **
    a: Expr
    b: Expr
    pos: int = 0


class Call(NamedTuple):
    fn: str
    args: tuple[Expr, ...]
    pos: int = 0
    pick: int = 0  # which component of a vector primitive (softmax_k), or which argument (ismax_k)


Expr = Num | Name | Neg | Bin | Call
T = TypeVar("T")


def children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, Neg):
        return (e.x,)
    if isinstance(e, Bin):
        return (e.a, e.b)
    if isinstance(e, Call):
        return e.args
    return ()


def primitive(e: Neg | Bin | Call) -> str:
    """The op table's name for the primitive at the top of `e`."""
    if isinstance(e, Neg):
        return "neg"
    if isinstance(e, Bin):
        return e.op
    return e.fn


def rebuild(e: Expr, kids: list[Expr] | tuple[Expr, ...]) -> Expr:
    """`e` with new children, in order."""
    if isinstance(e, Neg):
        return Neg(kids[0])
    if isinstance(e, Bin):
        return Bin(e.op, kids[0], kids[1])
    if isinstance(e, Call):
        return Call(e.fn, tuple(kids), pick=e.pick)
    return e


def subexpressions(expr: Expr) -> list[Expr]:
    """Every node of `expr`, each before its children (the last child's subtree first)."""
    out: list[Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(children(node))
    return out


def names_in(expr: Expr) -> list[str]:
    """Names used by an expression, in order of first appearance."""
    return list(name_positions(expr))


def name_positions(expr: Expr) -> dict[str, int]:
    """The offset of the first use of each name (for error messages), in order of first use."""
    return census(expr)[1]


def census(expr: Expr) -> tuple[int, dict[str, int]]:
    """In one walk: the engine's operations in `expr` — its nodes that are not names or numbers, a
    call counted once per argument (a softmax component reads all of them) — and name_positions()."""
    count = 0
    first: dict[str, int] = {}
    stack = [expr]
    pop, push = stack.pop, stack.append
    while stack:
        e = pop()
        kind = type(e)
        if kind is Name:
            if e.id not in first:  # type: ignore[union-attr]
                first[e.id] = e.pos  # type: ignore[union-attr]
        elif kind is Bin:
            count += 1
            push(e.b)  # type: ignore[union-attr]
            push(e.a)  # type: ignore[union-attr]
        elif kind is Neg:
            count += 1
            push(e.x)  # type: ignore[union-attr]
        elif kind is Call:
            count += len(e.args)  # type: ignore[union-attr]
            stack.extend(reversed(e.args))  # type: ignore[union-attr]
    return count, first


def substitute_names(e: Expr, mapping: dict[str, Expr]) -> Expr:
    """`e` with each name in `mapping` replaced by its expression (iteratively)."""
    return fold(e, lambda node: mapping.get(node.id, node) if type(node) is Name else None, rebuild)


def fold(e: Expr, leaf: Callable[[Expr], T | None], combine: Callable[[Expr, list[T]], T]) -> T:
    """`e` folded bottom-up with a stack of its own (a deep sum does not reach Python's recursion
    limit): a node for which `leaf` gives a result has it, its children unvisited; any other has
    `combine(node, its children's results)` — `rebuild` makes the node anew from rebuilt children."""
    done: list[T] = []
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        node, expanded = stack.pop()
        if not expanded:
            made = leaf(node)
            if made is not None:
                done.append(made)
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children(node)))
        else:
            n = len(children(node))
            kids = done[len(done) - n:]
            del done[len(done) - n:]
            done.append(combine(node, kids))
    return done[0]


# --- the plain printer (the JSON `formula`) ---------------------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4, "atom": 5}


def _prec(e: Expr) -> int:
    if isinstance(e, Bin):
        return _PREC[e.op]
    if isinstance(e, Neg):
        return _PREC["neg"]
    if isinstance(e, Num) and e.value < 0:
        return _PREC["neg"]
    return _PREC["atom"]


def to_text(e: Expr) -> str:
    """A plain formula: `y_o*(1 - y_o)`, `-(y - y_o)`, `0.5*(y - y_o)**2`.  Written with a stack
    of pieces still to write (a text, or a subexpression with whether it needs parentheses), so
    no depth of tree reaches Python's recursion limit."""
    if type(e) is Name:  # the commonest formula: ∂(w*x + b)/∂w = x
        return e.id
    out: list[str] = []
    todo: list[str | tuple[Expr, bool]] = [(e, False)]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, wrap = item
        if wrap:
            todo.extend((")", (node, False)))
            out.append("(")
            continue
        if isinstance(node, Num):
            out.append(format_number(node.value))
        elif isinstance(node, Name):
            out.append(node.id)
        else:
            todo.extend(reversed(_pieces(node)))
    return "".join(out)


def _pieces(e: Neg | Bin | Call) -> list[str | tuple[Expr, bool]]:
    """How one node is written: texts, and its operands with whether each is parenthesized."""
    if isinstance(e, Neg):
        return ["-", (e.x, _prec(e.x) < _PREC["**"])]
    if isinstance(e, Call):
        head = f"{e.fn}_{e.pick + 1}(" if e.fn in ("softmax", "ismax", "ismin") else f"{e.fn}("
        pieces: list[str | tuple[Expr, bool]] = [head]  # which component: ∂max(x, a)/∂a is ismax_2
        for i, a in enumerate(e.args):
            if i:
                pieces.append(", ")
            pieces.append((a, False))
        pieces.append(")")
        return pieces
    p = _PREC[e.op]
    if e.op in ("+", "-"):  # a long sum is a left-deep spine: written term by term
        terms: list[tuple[str, Expr]] = []
        cur: Expr = e
        while isinstance(cur, Bin) and cur.op in ("+", "-"):
            terms.append((cur.op, cur.b))
            cur = cur.a
        pieces = [(cur, _prec(cur) < p)]
        for op, term in reversed(terms):
            wrap = _prec(term) < p or (_prec(term) == p and op == "-") or (isinstance(term, Num) and term.value < 0)
            pieces.extend((f" {op} ", (term, wrap)))
        return pieces
    if e.op == "**":
        return [(e.a, _prec(e.a) <= p), "**", (e.b, _prec(e.b) < p)]
    # the right side of / needs parentheses at equal precedence: a / (b*c)
    right = _prec(e.b) < p or (_prec(e.b) == p and e.op == "/") or (isinstance(e.b, Num) and e.b.value < 0)
    return [(e.a, _prec(e.a) < p), e.op, (e.b, right)]
