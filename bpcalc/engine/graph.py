"""A problem compiled into a flat tape of primitives, in topological order.

The order of the `define` lines, and within a line the order of evaluation.  Each named line owns
a contiguous run of the tape ending at its root; leaves are the first entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import codegen
from ..errors import InputError
from ..expr.tree import Bin, Call, Expr, Name, Neg, Num
from ..problem import Line, Problem
from .codes import CODES, CONST, INLINE, LEAF, PRODUCT_CODES, SUM_CODES, VECTOR_CODES

if TYPE_CHECKING:
    from ..expr.parser import Shape

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

    # The lines of a shape used by many (`v3: v2 * a + b` after `v2: v1 * a + b`, parser.Shape) are
    # the same run of the tape with their own names' roots written in: copied by generated code.
    templates: dict[Shape, tuple[Callable[..., Any], Callable[..., Any]]] = {}  # shape -> (copy, partners)
    seen: dict[Shape, int] = {}  # shape -> its lines compiled so far
    # node -> the partners function of the template its line was copied by (None: found on the tape)
    copied: list[Callable[..., tuple[tuple[int, ...] | None, int]] | None] = [None] * n_leaves
    for line in problem.lines:
        first = len(op)
        shaped = line.shape
        shape, written = (shaped[0], shaped[1]) if shaped is not None and shaped[2] is line.expr else (None, ())
        template = templates.get(shape) if shape is not None else None
        used = template[0](written, index, root, op, args, const, program) if template else None
        if template is not None and used is not None:
            copied.append(template[1])
        else:
            copied.append(None)
            used = _compiled(line, index, root, op, args, const, program)
            if shape is not None and template is None:
                seen[shape] = seen.get(shape, 0) + 1
                if seen[shape] >= codegen.REUSED_ENOUGH:
                    made = _template(written, first, used, index, root, op, args, const)
                    if made is not None:
                        templates[shape] = made
        index[line.name] = len(names)
        names.append(line.name)
        root.append(len(op) - 1)
        start.append(first)
        uses.append(used)

    node_of_root = {r: n for n, r in enumerate(root)}
    partners: list[tuple[int, ...] | None] = [None] * n_leaves
    wrapper = [-1] * n_leaves
    one = len(op)
    for node in range(n_leaves, len(names)):
        partners_of = copied[node]
        if partners_of is not None:
            factors, wrap = partners_of(start[node], uses[node], root, one)
        else:
            factors, wrap = _closed_form(op, args, start[node], root[node], node_of_root, uses[node], one)
        partners.append(factors)
        wrapper.append(wrap)
    return Graph(names, index, n_leaves, root, start, uses, op, args, const, node_of_root,
                 index[problem.output], program, partners, wrapper, [line.expr for line in problem.lines],
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


def _template(written: tuple[str, ...], first: int, used: tuple[int, ...], index: dict[str, int],
              root: list[int], op: list[int], args: list[tuple[int, ...]], const: list[float]
              ) -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """Generated code for the other lines of the shape of the line just compiled from tape index
    `first`, if its names are all different (then the nodes it uses, in order of first use, are
    its names as written): `copy` appends a line's run and returns the nodes it uses, or None,
    appending nothing, when a name repeats or is not defined (then the line is compiled as any
    other); `partners` gives what _closed_form finds for a line so copied."""
    if list(used) != [index.get(name) for name in written]:
        return None
    roots = [root[u] for u in used]
    arguments = []
    for a in args[first:]:
        if any(t < first and t not in roots for t in a):
            return None
        arguments.append(tuple(t - first if t >= first else -1 - roots.index(t) for t in a))
    # the closed form, its factors in the same terms (and _ONE for a factor of 1)
    factors, wrap = _closed_form(op, args, first, len(op) - 1, dict(zip(roots, used)), used, _ONE)
    if factors is not None:
        factors = tuple(f if f == _ONE else (f - first if f >= first else -2 - roots.index(f)) for f in factors)
    return _generated(_Run(len(used), tuple(op[first:]), tuple(const[first:]), tuple(arguments), factors,
                           wrap - first if wrap >= 0 else wrap))


class _Run(NamedTuple):
    """A shape's run of the tape: argument k >= 0 is the tape index first + k, -1 - j the root of
    the line's j-th name; a factor k >= 0 is first + k, _ONE the tape's ONE, -2 - j the root of
    the j-th name; `wrap` is first + wrap when >= 0, else -1 or UNIT."""

    names: int
    ops: tuple[int, ...]
    consts: tuple[float, ...]
    arguments: tuple[tuple[int, ...], ...]
    factors: tuple[int, ...] | None
    wrap: int


_ONE = -1  # a factor of 1 in a run's closed form, and the `one` it is found with
#: the same run in another problem (keyed with its constants' bits too)
_GENERATED: dict[tuple[_Run, tuple[str, ...]], tuple[Callable[..., Any], Callable[..., Any]]] = {}


def _generated(run: _Run) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The copy and partners functions of a run, written out: no loop, no lookup of what each
    argument is (a third of the time of compiling a line on its own).  For `v2: v1 * a + b`:

        def copy(written, index, root, op, args, const, program):
            (n0, n1, n2) = written
            try:
                n0 = index[n0]
                n1 = index[n1]
                n2 = index[n2]
            except KeyError:
                return None
            if len({n0, n1, n2}) < 3:
                return None
            f = len(op)
            op += OPS
            const += CONSTS
            args += ((root[n0], root[n1]), (f, root[n2]))
            program += ((0, f, root[n0], root[n1]), (1, f + 1, f, root[n2]))
            return (n0, n1, n2)

        def partners(f, used, root, one):
            return (root[used[1]], root[used[0]], one), -1
    """
    key = (run, tuple(map(float.hex, run.consts)))  # bit for bit: 0.0 == -0.0, but they differ
    made = _GENERATED.get(key)
    if made is not None:
        return made
    names = [f"n{j}" for j in range(run.names)]

    def argument(k: int) -> str:
        return ("f" if k == 0 else f"f + {k}") if k >= 0 else f"root[n{-1 - k}]"

    steps = [f"({code}, {argument(t)}, {argument(a[0])}, {argument(a[1]) if len(a) > 1 else -1})"
             for t, (code, a) in enumerate(zip(run.ops, run.arguments)) if code >= 0]

    def factor(k: int) -> str:
        return "one" if k == _ONE else (("f" if k == 0 else f"f + {k}") if k >= 0 else f"root[used[{-2 - k}]]")

    def tuple_of(items: list[str]) -> str:
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"

    lines = ["def copy(written, index, root, op, args, const, program):"]
    if names:
        lines += [f"    {tuple_of(names)} = written", "    try:"]
        lines += [f"        {n} = index[{n}]" for n in names]
        lines += ["    except KeyError:", "        return None"]
    if len(names) > 1:
        lines += [f"    if len({{{', '.join(names)}}}) < {len(names)}:", "        return None"]
    lines += ["    f = len(op)", "    op += OPS", "    const += CONSTS",
              f"    args += {tuple_of([tuple_of([argument(k) for k in a]) if a else '()' for a in run.arguments])}",
              f"    program += {tuple_of(steps)}" if steps else "",
              f"    return {tuple_of(names) if names else '()'}", "",
              "def partners(f, used, root, one):"]
    if run.factors is None:
        lines.append("    return None, -1")
    else:
        wrap = ("f" if run.wrap == 0 else f"f + {run.wrap}") if run.wrap >= 0 else str(run.wrap)
        lines.append(f"    return {tuple_of([factor(k) for k in run.factors])}, {wrap}")
    scope = codegen.compiled("\n".join(lines) + "\n", {"OPS": run.ops, "CONSTS": run.consts}, "engine.graph")
    if len(_GENERATED) >= 4096:
        _GENERATED.clear()
    made = _GENERATED[key] = (scope["copy"], scope["partners"])
    return made


def _closed_form(op: list[int], args: list[tuple[int, ...]], first: int, last: int,
                 node_of_root: dict[int, int], uses: tuple[int, ...], one: int
                 ) -> tuple[tuple[int, ...] | None, int]:
    """A line's Graph.partners and Graph.wrapper entries (_affine_partners; UNIT when every
    factor is 1 and no function wraps the sum)."""
    found = _affine_partners(op, args, first, last, node_of_root, uses, one)
    if found is None:
        return None, -1
    if found[1] < 0 and all(f == one for f in found[0]):
        return found[0], UNIT
    return found


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
