"""The one place bpcalc writes and compiles Python source: the op table's formulas as functions.

The engine's speed comes from plain Python arithmetic on floats, with no tree to walk: so each
partial-derivative formula of the table (and each operator's value formula) is turned into the
source of a small Python function and compiled once, and so are the engine's two loops — the
forward pass with the operators' values inlined, and each line's reverse pass over its own run of
the tape with each primitive's partials inlined.  The source is made only from the table: its formulas, parsed by
bpcalc's own parser, its argument names and its function names.  Nothing a user writes ever
reaches `compile` — a problem's names and numbers live in the engine's lists, never in source text
(tests/test_ops_table.py checks every generated source against that rule).

`python(formula, names)` is the one translation from a formula to Python; `SOURCES` keeps every
source compiled in this process, for inspection (`python -m bpcalc.ops.kernels` prints them).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from functools import cache
from typing import Any

from ..expr.tree import Bin, Expr, Name, Neg, Num
from ..numbers import round_half_up
from .codes import CONST, INDEXED_CODES, INLINE, NAMES, ROUNDED_CODES
from .formulas import lookup, params, partial, value_formula
from .table import CANCEL_BELOW, TABLE, DomainError, Primitive, cancelled

Kernel = Callable[..., float]


#: every source compiled in this process, in order (the first ones; for inspection:
#: python -m bpcalc.ops.kernels prints the table's)
SOURCES: list[str] = []
_KEPT = 10_000


def compiled(source: str, scope: dict[str, Any], label: str) -> dict[str, Any]:
    """Run generated `source` in `scope` (what it may refer to); returns the scope, with what the
    source defines.  `label` names it in a traceback."""
    if len(SOURCES) < _KEPT:
        SOURCES.append(source)
    exec(compile(source, f"<bpcalc {label} {len(SOURCES)}>", "exec"), scope)  # noqa: S102 - bpcalc's source only
    return scope


_SPELLED = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def function_name(fn: str) -> str:
    """The name under which a table function is reachable from generated source."""
    return f"F_{_SPELLED.get(fn, fn)}"


def python(e: Expr, names: dict[str, str]) -> str:
    """A table formula as a Python expression: each placeholder name becomes `names[name]`, each
    function call a call of the table's value function.  `x**2` is written x*x (exact, as a
    person computes it); other powers go through the table's checked power."""
    if isinstance(e, Num):
        return repr(float(e.value))
    if isinstance(e, Name):
        return names[e.id]
    if isinstance(e, Neg):
        return f"(-{python(e.x, names)})"
    if isinstance(e, Bin):
        a = python(e.a, names)
        if e.op == "**":
            if isinstance(e.b, Num) and e.b.value == 2.0:
                return f"({a} * {a})"
            return f"{function_name('**')}({a}, {python(e.b, names)})"
        return f"({a} {e.op} {python(e.b, names)})"
    args = [python(a, names) for a in e.args]
    if lookup(e.fn).indexed:
        args.insert(0, str(e.pick))
    return f"{function_name(e.fn)}({', '.join(args)})"


_FUNCTION_NAMES = {function_name(p.name): p for p in TABLE}


def namespace(source: str, values: Callable[[Primitive], Any] | None = None) -> dict[str, Any]:
    """What generated source may refer to: the table's value functions it calls (or, for another
    target such as numpy arrays, what `values` gives for each primitive), and its errors."""
    values = values or value
    ns: dict[str, Any] = {name: values(_FUNCTION_NAMES[name]) for name in set(re.findall(r"\bF_\w+", source))}
    ns["DomainError"] = DomainError
    ns["cancelled"] = cancelled
    return ns


def compile_source(source: str, name: str, ns: dict[str, Any] | None = None,
                   values: Callable[[Primitive], Any] | None = None) -> Any:
    """Compile generated source and return the object it defines as `name`; `ns` adds to what
    the source may refer to (the table's functions and errors); `values` gives the function a
    primitive's name stands for (default: its checked scalar value function)."""
    return compiled(source, {**namespace(source, values), **(ns or {})}, name)[name]


def value(p: Primitive) -> Kernel:
    """The checked value function of a primitive (DomainError outside its domain)."""
    return _value(p.name)


@cache
def _value(name: str) -> Kernel:
    p = lookup(name)
    if p.forward is not None:
        return p.forward
    formula = value_formula(p)
    assert formula is not None, p.name
    args = ", ".join(p.params)
    body = python(formula, {x: x for x in p.params})
    if p.cancels:
        body = f"cancelled({body}, {args})"
    source = (f"def value({args}):\n"
              f"    try:\n"
              f"        return {body}\n"
              f"    except ZeroDivisionError:\n"
              f"        raise DomainError('division by zero') from None\n")
    ns = {"DomainError": DomainError, "cancelled": cancelled}
    return compile_source(source, "value", ns)  # type: ignore[no-any-return]


def partial_kernel(p: Primitive, i: int, n: int) -> Kernel:
    """∂out/∂(argument i) of `p` with `n` arguments, as a function of the arguments and `out`
    (of `out` and `other` for a vector primitive)."""
    return _partial_kernel(p.name, i, n)


@cache
def _partial_kernel(name: str, i: int, n: int) -> Kernel:
    p = lookup(name)
    return formula_kernel(partial(p, i, n), _kernel_params(p, n))


def _kernel_params(p: Primitive, n: int) -> tuple[str, ...]:
    return ("out", "other") if p.kind == "vector" else (*params(p, n), "out")


def formula_kernel(formula: Expr, names: tuple[str, ...],
                   values: Callable[[Primitive], Any] | None = None) -> Kernel:
    """Any formula over `names` (placeholders of one primitive) as a Python function of them.
    With `values`, the same source calls other forms of the table's functions: the dense
    engine's whole-array ones (engine/dense.py), so a formula means the same on arrays."""
    used = {n: n for n in names}
    source = f"def kernel({', '.join(names)}):\n    return {python(formula, used)}\n"
    return compile_source(source, "kernel", values=values)  # type: ignore[no-any-return]


def partial_at(p: Primitive, i: int, kernel: Kernel, args: tuple[float, ...], out: float) -> float:
    """A kernel's value, or where its formula breaks down, the table's word for the point: the
    limit it takes there, or a DomainError saying why it is undefined."""
    try:
        return kernel(*args, out)
    except (ArithmeticError, ValueError):
        if p.singular is not None:
            return p.singular(i, args, out)
        raise DomainError(f"the derivative of {p.name} is undefined at this point") from None


def partials(op: str, args: tuple[float, ...], out: float) -> tuple[float, ...]:
    """∂out/∂arg for each argument of one primitive, at these arguments and this output."""
    return tuple(partial_value(op, i, args, out) for i in range(len(args)))


def partial_value(op: str, i: int, args: tuple[float, ...], out: float) -> float:
    """∂out/∂(argument i) of one primitive, at these arguments and this output."""
    p = lookup(op)
    return partial_at(p, i, partial_kernel(p, i, len(args)), args, out)


def softmax_partials(index: int, args: tuple[float, ...], outs: list[float]) -> tuple[float, ...]:
    """∂out_k/∂x_j of softmax component k, from the (possibly rounded) outputs of the layer."""
    p = lookup("softmax")
    diagonal, off = partial_kernel(p, 0, 2), partial_kernel(p, 1, 2)
    ok = outs[index]
    return tuple(diagonal(ok, ok) if j == index else off(ok, outs[j]) for j in range(len(args)))

# --- the engine's loops, with the table's arithmetic inlined ------------------------------------------

_LOOP = '''
def run(program, vals, raw, places, args, const):
    for code, t, x, y in program:
{inline}
        else:
            a = args[t]
            if code in INDEXED:
                v = VALUE[code](int(const[t]), *[vals[i] for i in a])
            elif y < 0:
                v = VALUE[code](vals[x])
            else:
                v = VALUE[code](*[vals[i] for i in a])
            if places is not None and code in ROUNDED:
                raw[t] = v
                v = round_half_up(v, places)
            vals[t] = v
'''


def _inline_branches() -> str:
    """One branch per inlined operator: its value formula from the table, on vals[x], vals[y];
    a sum near zero goes through the cancellation rule (ops.table.cancelled)."""
    out = []
    for code in range(INLINE):
        p = lookup(NAMES[code])
        formula = value_formula(p)
        assert formula is not None
        src = python(formula, dict(zip(p.params, ("vals[x]", "vals[y]"))))
        out.append(f"        {'if' if code == 0 else 'elif'} code == {code}:  # {p.name}")
        if p.cancels:
            out.append(f"            v = {src}")
            out.append(f"            vals[t] = v if not {-CANCEL_BELOW!r} < v < {CANCEL_BELOW!r} "
                       "else cancelled(v, vals[x], vals[y])")
        else:
            out.append(f"            vals[t] = {src}")
    return "\n".join(out)



def forward_loop(values: dict[int, Kernel]) -> Callable[..., None]:
    """The forward pass over a tape's program (engine/graph.py), the table's operators inlined
    and every other primitive called through `values` (code -> its checked value function).  It
    checks nothing: a failure leaves the values to the engine's checked loop, which names it."""
    return compile_source(_LOOP.replace("{inline}", _inline_branches()), "run",  # type: ignore[no-any-return]
                          {"VALUE": values, "INDEXED": INDEXED_CODES, "ROUNDED": ROUNDED_CODES,
                           "round_half_up": round_half_up})


# Each line's reverse pass over its own run of the tape — its local partials ∂line/∂u, for each u
# it uses, in the order of graph.uses — the lines from `high` down to `low` in one call, with each
# fixed-arity primitive's partial formulas from the table inlined (as the forward loop inlines the
# operators' values): no call per line or per primitive.  It checks nothing: at a line that fails,
# or that holds a primitive it has no branch for, it stops and returns that line's node, for the
# engine's checked partials to name what fails; then it is called again from the line below.
_LINE_PARTIALS = '''
def line_partials(low, high, start, root, op, args, vals, uses, node_of_root, parts):
    node = high
    try:
        while node >= low:
            first = start[node]
            last = root[node]
            found = dict.fromkeys(uses[node], 0.0)
            adj = [0.0] * (last - first + 1)
            adj[-1] = 1.0
            for t in range(last, first - 1, -1):
                g = adj[t - first]
                code = op[t]
                if code == CONST or g == 0.0:
                    continue
                a = args[t]
                out = vals[t]
{branches}
                else:
                    return node
            parts[node] = list(found.values())
            node -= 1
    except (ArithmeticError, ValueError):
        pass
    return node
'''

# adding g·d to what the line's run owes the argument i: an entry of the run itself, or a name it
# uses (a leaf, another line).  A share added to a name owed 0 is written as it is (0 + share: the
# cancellation rule cannot act on it); one added to a name owed more goes through that rule, so a
# name used twice cancels as by hand (1/a − a/a² is 0)
_ACCUMULATE = '''
                if {i} >= first:
                    adj[{i} - first] += {share}
                else:
                    u = node_of_root[{i}]
                    before = found[u]
                    if before == 0.0:
                        found[u] = before + {share}
                    else:
                        share = {share}
                        s = before + share
                        found[u] = s if not {low} < s < {high} else cancelled(s, before, share)'''


def _partial_branches(codes: frozenset[int]) -> str:
    out: list[str] = []
    for code, name in enumerate(NAMES):
        p = lookup(name)
        if code not in codes or p.variadic or not p.partials:
            continue
        indexes = [f"i{k}" for k in range(len(p.params))]
        out.append(f"        {'elif' if out else 'if'} code == {code}:  # {name}")
        out.append(f"            {', '.join(indexes)}{',' if len(indexes) == 1 else ''} = a")
        names = {x: f"vals[{i}]" for x, i in zip(p.params, indexes)}
        names["out"] = "out"
        for k, i in enumerate(indexes):
            out.append(f"            if {i} < first or op[{i}] != CONST:")
            d = python(partial(p, k, len(p.params)), names)
            if d == "1.0":  # g·1 is g, to the bit
                share = "g"
            else:
                out.append(f"                d = {d}")
                share = "g * d"
            out.append(_ACCUMULATE.format(i=i, share=share, low=-CANCEL_BELOW, high=CANCEL_BELOW).strip("\n"))
    return "\n".join(out)


@cache
def line_partials(codes: frozenset[int]) -> Callable[..., int]:
    """Every line's local partials (above), with a branch for each primitive in `codes` (a
    graph's primitives)."""
    branches = _partial_branches(codes) or "        if False:\n            pass"
    source = _LINE_PARTIALS.replace("{branches}", textwrap.indent(branches, " " * 8))
    return compile_source(source, "line_partials",  # type: ignore[no-any-return]
                          {"CONST": CONST, "cancelled": cancelled})


if __name__ == "__main__":  # print what the table compiles to
    for p in TABLE:
        if p.kind == "helper":
            continue
        value(p)
        for i in range(2 if p.kind == "vector" else len(p.params)):
            partial_kernel(p, i, len(p.params))
    print("\n".join(SOURCES))
