"""A problem compiled into a flat tape of primitives, in topological order.

The order of the `define` lines, and within a line the order of evaluation.  Each named line owns
a contiguous run of the tape ending at its root; leaves are the first entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..expr.tree import Bin, Call, Expr, Name, Neg, Num
from ..problem import Problem
from .codes import CODES, CONST, INLINE, LEAF, PRODUCT_CODES, SUM_CODES, VECTOR_CODES

#: `Graph.wrapper` of a line that is a plain sum of distinct names: every partial exactly 1
UNIT = -2
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
    # Lines whose local partials have a closed form (see _affine_partners): node number -> the tape
    # index of each used node's factor, in the order of `uses` (ONE for a factor of 1); else None.
    partners: list[tuple[int, ...] | None] = field(default_factory=list)
    # For those lines, the tape index of the one-argument function around the sum, or -1, or
    # UNIT for a plain sum of distinct names (every partial exactly 1).
    wrapper: list[int] = field(default_factory=list)
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
    codes = CODES

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
            out.append(len(op))
            op.append(code)
            args.append(a)
            const.append(k)
        # A line that is just a name (`a: b`) still owns a node of its own.
        if len(op) == first:
            op.append(ID)
            args.append((out[-1],))
            const.append(0.0)
        index[line.name] = len(names)
        names.append(line.name)
        root.append(len(op) - 1)
        start.append(first)
        uses.append(tuple(used))

    node_of_root = {r: n for n, r in enumerate(root)}
    program = [(code, t, a[0], a[1] if len(a) > 1 else -1)
               for t, (code, a) in enumerate(zip(op, args)) if code >= 0]
    partners: list[tuple[int, ...] | None] = [None] * n_leaves
    wrapper = [-1] * n_leaves
    for node in range(n_leaves, len(names)):
        found = _affine_partners(op, args, start[node], root[node], node_of_root, uses[node], len(op))
        partners.append(found[0] if found else None)
        wrapper.append(found[1] if found else -1)
        if found and found[1] < 0 and all(f == len(op) for f in found[0]):
            wrapper[node] = UNIT
    return Graph(names, index, n_leaves, root, start, uses, op, args, const, node_of_root,
                 index[problem.output], program, partners, wrapper, [line.expr for line in problem.lines],
                 frozenset(op) - {LEAF, CONST})


def _affine_partners(op: list[int], args: list[tuple[int, ...]], first: int, last: int,
                     node_of_root: dict[int, int], uses: tuple[int, ...], one: int
                     ) -> tuple[tuple[int, ...], int] | None:
    """The closed form of a line's local partials, when it has one.

    A line that is a sum (any tree of +) of named nodes, constants and products of two factors
    (each a named node or a constant), every named node appearing once, optionally inside one
    one-argument function f: in the reverse pass every + hands its adjoint on unchanged, so
    ∂line/∂u = 0 + g·(u's factor), where g is 0 + f'(…) (1 without f) and the factor of a bare
    name is 1 — the very products the general pass forms, hence the same bits.  "Sum" and
    "product" are read off the op table (codes.SUM_CODES: every partial is 1; PRODUCT_CODES:
    each partial is the other argument), and f′ is f's kernel from the table.  Returns the
    factor's tape index for each used node (in the order of `uses`) and f's tape index (or -1).
    """
    code = op[last]
    wrap = -1
    body = last
    if code >= INLINE and code not in VECTOR_CODES and len(args[last]) == 1:
        wrap, body = last, args[last][0]
    factor: dict[int, int] = {}
    stack = [body]
    while stack:
        t = stack.pop()
        if t < first:  # a named node (lines refer to other lines only by their roots)
            u = node_of_root[t]
            if u in factor:
                return None
            factor[u] = one
            continue
        code = op[t]
        if code == CONST:
            continue
        if code in SUM_CODES:
            stack.extend(args[t])
        elif code in PRODUCT_CODES:
            x, y = args[t]
            for a, b in ((x, y), (y, x)):
                if a < first:
                    u = node_of_root[a]
                    if u in factor or not (b < first or op[b] == CONST):
                        return None
                    factor[u] = b
                elif op[a] != CONST:
                    return None
        else:
            return None
    if not factor:
        return None
    return tuple(factor[u] for u in uses), wrap
