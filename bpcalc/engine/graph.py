"""A problem compiled into a flat tape of primitives, in topological order.

The order of the `define` lines, and within a line the order of evaluation.  Each named line owns
a contiguous run of the tape ending at its root; leaves are the first entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..expr.tree import Bin, Call, Expr, Name, Neg, Num
from ..ops.codes import CODES, CONST, LEAF
from ..problem import Line, Problem

NEG = CODES["neg"]
ID = CODES["id"]


@dataclass(slots=True, weakref_slot=True)
class Graph:
    """A compiled problem.  Nodes are the named leaves and lines; the tape holds primitives."""

    names: list[str]  # every named node: leaves first, then lines in order
    index: dict[str, int]  # name -> node number
    n_leaves: int
    root: list[int]  # node number -> tape index of its value
    start: list[int]  # node number -> first tape index of its line (== root for leaves)
    uses: list[tuple[int, ...]]  # node number -> node numbers its line uses, in order of first use
    op: list[int]  # tape: primitive code (codes.CODES), or LEAF / CONST
    args: list[tuple[int, ...]]  # tape: argument tape indexes
    const: list[float]  # tape: the number of a constant, the component of a softmax
    node_of_root: dict[int, int]  # tape index of a root -> node number
    output: int  # node number of the output
    # The forward program: (code, tape index, first argument, second argument) for every primitive.
    program: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: list[Expr] = field(default_factory=list)  # each line's expression, compiled as is
    codes: frozenset[int] = frozenset()  # the primitives on the tape


def compile_problem(problem: Problem) -> Graph:
    names: list[str] = []
    index: dict[str, int] = {}
    root: list[int] = []
    start: list[int] = []
    uses: list[tuple[int, ...]] = []
    op: list[int] = []
    args: list[tuple[int, ...]] = []
    const: list[float] = []
    program: list[tuple[int, int, int, int]] = []  # Graph.program, made as the tape is

    for name in problem.leaves:
        index[name] = len(names)
        names.append(name)
        root.append(len(op))
        start.append(len(op))
        uses.append(())
        op.append(LEAF)
        args.append(())
        const.append(0.0)
    n_leaves = len(names)

    for line in problem.lines:
        first = len(op)
        used = _compiled(line, index, root, op, args, const, program)
        index[line.name] = len(names)
        names.append(line.name)
        root.append(len(op) - 1)
        start.append(first)
        uses.append(used)

    node_of_root = {r: n for n, r in enumerate(root)}
    return Graph(names, index, n_leaves, root, start, uses, op, args, const, node_of_root,
                 index[problem.output], program, [line.expr for line in problem.lines],
                 frozenset(op) - {LEAF, CONST})


def _compiled(line: Line, index: dict[str, int], root: list[int], op: list[int], args: list[tuple[int, ...]],
              const: list[float], program: list[tuple[int, int, int, int]]) -> tuple[int, ...]:
    """Append a line's run of the tape (and its primitives to the program); returns the nodes it
    uses, in order of first use."""
    codes = CODES
    first = len(op)
    used: dict[int, None] = {}
    # Pre-order with the last child on top of the stack; reversed, that is the post-order
    # (children left to right, then the parent) without recursion or (node, done) pairs.
    order: list[Expr] = []
    stack: list[Expr] = [line.expr]
    while stack:
        e = stack.pop()
        order.append(e)
        if type(e) is Bin:
            stack.append(e.a)
            stack.append(e.b)
        elif type(e) is Neg:
            stack.append(e.x)
        elif type(e) is Call:
            stack.extend(e.args)
    out: list[int] = []  # tape indexes of finished subexpressions
    a: tuple[int, ...]
    for e in reversed(order):
        if type(e) is Name:
            node = index.get(e.id)
            if node is None:  # the loader checks this first; a guard for API users
                raise InputError(f"'{e.id}' is used in '{line.name}' but never defined", line.span)
            used[node] = None
            out.append(root[node])
            continue
        if type(e) is Num:
            code, a, k = CONST, (), e.value
        elif type(e) is Bin:
            b = out.pop()
            code, a, k = codes[e.op], (out.pop(), b), 0.0
        elif type(e) is Neg:
            code, a, k = NEG, (out.pop(),), 0.0
        else:
            assert type(e) is Call
            n = len(e.args)
            a = tuple(out[-n:])
            del out[-n:]
            code, k = codes.get(e.fn, LEAF), float(e.pick)
            if code == LEAF:
                raise KeyError(f"no primitive {e.fn!r} in the op table")
        if code >= 0:
            program.append((code, len(op), a[0], a[1] if len(a) > 1 else -1))
        out.append(len(op))
        op.append(code)
        args.append(a)
        const.append(k)
    # A line that is just a name (`a: b`) still owns a node of its own.
    if len(op) == first:
        program.append((ID, len(op), out[-1], -1))
        op.append(ID)
        args.append((out[-1],))
        const.append(0.0)
    return tuple(used)
