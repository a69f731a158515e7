"""`--format json`: the trace's solution as data (docs/output-formats.md).  Full float precision, never rounded
for display; the `local` formulas are the trace's own, written as plain text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..expr.tree import Expr, Name, to_text
from ..trace.data import Local, LocalRecords, Trace
from ..trace.steps import ClassGrading, Grading
from . import Options


def as_data(trace: Trace, local: bool = True) -> dict[str, Any]:
    """The solution as data; `local=False` leaves the `local` list's entries to the writer."""
    if trace.command == "train":
        return training_data(trace)
    for step in trace.steps:  # a check of answers: the report is the whole of the data
        if isinstance(step, (Grading, ClassGrading)):
            return {"file": trace.file, **step.as_data()}
    r = trace.result
    data: dict[str, Any] = {"output": r.output, "loss": r.loss, "values": r.values}
    if r.gradients is not None:
        data["gradients"] = r.gradients
        data["local"] = [{"of": loc.of, "wrt": loc.wrt,
                          "formula": to_text(loc.formula) if loc.formula is not None else None,
                          "value": loc.value} for loc in r.locals] if local else _Locals(r.locals)
    if r.updated is not None:
        data["updated"] = r.updated
        data["loss_after"] = r.loss_after
    data["lr"] = r.lr
    data["round"] = r.round
    if r.unrounded:
        data["unrounded"] = r.unrounded
    # several outputs: no single loss; each output's gradients, and the Jacobian of the leaves
    if r.outputs:
        data["output"] = list(r.outputs)
        del data["loss"]
    if r.jacobian is not None:
        j = r.jacobian
        data["gradients"] = j.gradients
        data["jacobian"] = {"rows": list(j.outputs), "columns": list(j.columns), "matrix": j.matrix}
    # a report (a gradient check) adds its records
    for step in trace.steps:
        as_data = getattr(step, "as_data", None)
        if callable(as_data):
            data.update(as_data())
    return data


def render(trace: Trace, options: Options) -> str:
    # the `local` list, the longest part, is written straight from the trace's Local records
    return dumps(as_data(trace, local=False), end="\n")


class _Locals:
    """The Local records of as_data()'s `local` list, for the writer to write itself."""

    __slots__ = ("records",)

    def __init__(self, records: Sequence[Local]):
        self.records = records

    def rows(self) -> Iterable[tuple[str, str, Expr | None, float]]:
        """(of, wrt, formula, value) of each record (LocalRecords makes them without a record)."""
        records = self.records
        if isinstance(records, LocalRecords):
            return records.rows()
        return ((loc.of, loc.wrt, loc.formula, loc.value) for loc in records)


# --- writing: what json.dumps(data, indent=2, ensure_ascii=False) writes, faster ------------------------
#
# With `indent` the standard library encodes in pure Python, one call per value; a 100,000-line
# file's solution has about a million.  The solution's shape is known — a mapping of numbers,
# texts, mappings of names to numbers, lists of flat mappings — so those are written here with
# the C string encoder and float repr, line by line, and anything else goes to json.dumps.  Every
# part is a piece of one list, joined once: the text of a large solution is made once, not copied
# into each enclosing bracket.

_text = json.encoder.encode_basestring


def _number(x: Any) -> str | None:
    """A float or int as JSON writes it, or None for another type."""
    kind = type(x)
    if kind is float:
        if x - x == 0.0:  # finite
            return float.__repr__(x)
        return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")
    if kind is int:
        return int.__repr__(x)
    return None


def _value(x: Any, indent: str, out: list[str]) -> None:
    if isinstance(x, str):
        out.append(_text(x))
        return
    shown = _number(x)
    if shown is not None:
        out.append(shown)
    elif x is None:
        out.append("null")
    elif x is True or x is False:
        out.append("true" if x else "false")
    elif isinstance(x, _Locals):
        _locals(x, indent, out)
    elif isinstance(x, Mapping):
        _mapping(x, indent, out)
    elif isinstance(x, (list, tuple)):
        _list(x, indent, out)
    else:
        out.append(json.dumps(x, indent=2, ensure_ascii=False).replace("\n", "\n" + indent))


def _locals(locals_: _Locals, indent: str, out: list[str]) -> None:
    """The `local` list of as_data(), written from the Local records."""
    inner, field = indent + "  ", indent + "    "
    push = out.append
    opened = len(out)
    push("[\n")
    texts: dict[Any, str] = {None: "null"}  # each formula but a name written once (1, 2*x recur)
    sep = ""
    last, of_text = None, ""
    for of, wrt, e, value in locals_.rows():
        if of is not last:  # a line's partials come one after another
            last, of_text = of, f'{inner}{{\n{field}"of": {_text(of)},\n{field}"wrt": '
        if type(e) is Name:  # a name: written at once (most are used once, and a dict of them only grows)
            formula = _text(e.id)
        else:
            known = texts.get(e)
            if known is None:
                assert e is not None  # (texts has None)
                known = texts[e] = _text(to_text(e))
            formula = known
        shown = float.__repr__(value) if type(value) is float and value - value == 0.0 else _number(value)
        push(f'{sep}{of_text}{_text(wrt)},\n{field}"formula": {formula},\n'
             f'{field}"value": {shown if shown is not None else "null"}\n{inner}}}')
        sep = ",\n"
    if sep:
        push("\n" + indent + "]")
    else:  # no records
        out[opened] = "[]"


def _mapping(d: Mapping[str, Any], indent: str, out: list[str]) -> None:
    if not d:
        out.append("{}")
        return
    inner = indent + "  "
    values = list(d.values())
    total = sum(values) if set(map(type, values)) == {float} else None
    if total is not None and total - total == 0.0:  # names to finite floats: values, gradients, updated
        pairs = zip(map(_text, d), map(float.__repr__, values))
        out.append("{\n" + ",\n".join([f"{inner}{k}: {v}" for k, v in pairs]) + "\n" + indent + "}")
        return
    out.append("{\n")
    sep = ""
    for k, v in d.items():
        out.append(f"{sep}{inner}{_text(k)}: ")
        sep = ",\n"
        shown = _number(v)
        if shown is not None:
            out.append(shown)
        else:
            _value(v, inner, out)
    out.append("\n" + indent + "}")


def _list(xs: list[Any] | tuple[Any, ...], indent: str, out: list[str]) -> None:
    if not xs:
        out.append("[]")
        return
    inner = indent + "  "
    out.append("[\n")
    for i, x in enumerate(xs):
        out.append(",\n" + inner if i else inner)
        _value(x, inner, out)
    out.append("\n" + indent + "]")


def dumps(data: Mapping[str, Any], end: str = "") -> str:
    """`data` as json.dumps(data, indent=2, ensure_ascii=False) writes it (tests/test_json_speed.py),
    followed by `end`."""
    out: list[str] = []
    _mapping(data, "", out)
    out.append(end)
    return "".join(out)


def training_data(trace: Trace) -> dict[str, Any]:
    """`train`'s report as data: the loss before and after, the params reached, the loss every K
    steps, and how the run was made (docs/output-formats.md: train's final state)."""
    from ..trace.steps import History, Training

    r = trace.result
    run = next(s for s in trace.steps if isinstance(s, Training))
    history = next(s for s in trace.steps if isinstance(s, History))
    return {
        "output": r.output, "loss": r.loss, "loss_after": r.loss_after, "updated": r.updated,
        "history": [{"step": k, "epoch": epoch, "loss": loss} for k, epoch, loss in history.rows],
        "steps": run.done, "steps_asked": run.steps, "interrupted": run.interrupted, "engine": run.engine,
        "optimizer": {"kind": run.optimizer, **dict(run.settings)}, "lr": run.lr,
        "samples": run.samples, "batch_size": run.batch_size, "epochs": run.epochs,
        "shuffle": run.shuffle, "seed": run.seed,
    }
