"""The expression tree: numbers, names, negation, binary operators and function calls.

Immutable and hashable; every walk over a tree is a loop with an explicit stack, so a very deep
tree (a long chain of + written on one line) never reaches Python's recursion limit.
"""

from __future__ import annotations

from typing import NamedTuple

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


def names_in(expr: Expr) -> list[str]:
    """Names used by an expression, in order of first appearance."""
    return list(name_positions(expr))


def name_positions(expr: Expr) -> dict[str, int]:
    """The offset of the first use of each name (for error messages), in order of first use."""
    out: dict[str, int] = {}
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Name):
            out.setdefault(e.id, e.pos)
        else:
            stack.extend(reversed(children(e)))
    return out


def substitute_names(e: Expr, mapping: dict[str, Expr]) -> Expr:
    """`e` with each name in `mapping` replaced by its expression (iteratively)."""
    done: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Name):
            done.append(mapping.get(node.id, node))
        elif isinstance(node, Num):
            done.append(node)
        elif not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children(node)))
        else:
            n = len(children(node))
            kids = done[len(done) - n:]
            del done[len(done) - n:]
            done.append(rebuild(node, kids))
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
    """A plain formula: `y_o*(1 - y_o)`, `-(y - y_o)`, `0.5*(y - y_o)**2`."""
    if isinstance(e, Num):
        return format_number(e.value)
    if isinstance(e, Name):
        return e.id
    if isinstance(e, Neg):
        inner = to_text(e.x)
        return f"-({inner})" if _prec(e.x) < _PREC["**"] else f"-{inner}"
    if isinstance(e, Call):
        inner = ", ".join(to_text(a) for a in e.args)
        if e.fn in ("softmax", "ismax", "ismin"):  # which component: ∂max(x, a)/∂a is ismax_2
            return f"{e.fn}_{e.pick + 1}({inner})"
        return f"{e.fn}({inner})"
    p = _PREC[e.op]
    if e.op in ("+", "-"):  # a long sum is a left-deep spine: printed with a loop
        terms: list[tuple[str, Expr]] = []
        cur: Expr = e
        while isinstance(cur, Bin) and cur.op in ("+", "-"):
            terms.append((cur.op, cur.b))
            cur = cur.a
        out = [to_text(cur) if _prec(cur) >= p else f"({to_text(cur)})"]
        for op, term in reversed(terms):
            s = to_text(term)
            if _prec(term) < p or (_prec(term) == p and op == "-") or (isinstance(term, Num) and term.value < 0):
                s = f"({s})"
            out.append(f" {op} {s}")
        return "".join(out)
    left, right = to_text(e.a), to_text(e.b)
    if e.op == "**":
        if _prec(e.a) <= p:
            left = f"({left})"
        if _prec(e.b) < p:
            right = f"({right})"
        return f"{left}**{right}"
    if _prec(e.a) < p:
        left = f"({left})"
    # the right side of / needs parentheses at equal precedence: a / (b*c)
    if _prec(e.b) < p or (_prec(e.b) == p and e.op == "/") or (isinstance(e.b, Num) and e.b.value < 0):
        right = f"({right})"
    return f"{left}{e.op}{right}"
