"""The keys for training: `optimizer:` (either file form) and a network's `data:` (samples read
from a CSV file), each checked with a clear message."""

from __future__ import annotations

import csv
import io
import math
import os
from typing import Any

from ..errors import InputError, Span, did_you_mean, quoted
from ..ops.optimizers import KINDS, optimiser
from ..problem import Optimizer
from .common import check_keys, number
from .yamldoc import MAX_FILE_BYTES, SOURCES, Doc, Path

_EXAMPLE = "optimizer: adam, or optimizer: {kind: momentum, momentum: 0.9}"


def optimizer_spec(doc: Doc, data: dict[str, Any]) -> Optimizer | None:
    """`optimizer: adam` or `optimizer: {kind: momentum, momentum: 0.8}`; None when absent."""
    value = data.get("optimizer")
    if value is None:
        return None
    path: Path = ("optimizer",)
    given: dict[str, Any] = {}
    if isinstance(value, dict):
        if "kind" not in value:
            raise InputError(f"`optimizer` needs a `kind`: {', '.join(KINDS)}", doc.span(path),
                             "for example: optimizer: {kind: adam, beta1: 0.9, beta2: 0.999, eps: 1e-8}")
        kind = value["kind"]
        given = {k: v for k, v in value.items() if k != "kind"}
        kind_path: Path = path + ("kind",)
    else:
        kind, kind_path = value, path
    if not isinstance(kind, str) or kind not in KINDS:
        hint = did_you_mean(str(kind), KINDS) or "optimizers: " + ", ".join(KINDS)
        raise InputError(f"unknown optimizer {quoted(kind)}", doc.span(kind_path), hint)
    hyper = {h.name: h for h in optimiser(kind).hyper}
    check_keys(doc, path, dict.fromkeys(given), ("kind", *hyper), f"the {kind} optimizer")
    settings: dict[str, float] = {}
    for key, raw in given.items():
        x = number(doc, path + (key,), raw, f"the {kind} {key}")
        h = hyper[key]
        if not h.allows(x):
            span = f"from {h.low:g} up to (not including) {h.high:g}" if h.high is not None else f"above {h.low:g}"
            raise InputError(f"the {kind} {key} must be {span}, not {raw}", doc.span(path + (key,)),
                             f"for example: optimizer: {{kind: {kind}, {key}: {h.default:g}}} (the default)")
        settings[key] = x
    return Optimizer(kind, **settings)


# --- samples from a CSV file ---------------------------------------------------------------------------

DATA_KEYS = ("csv", "inputs", "targets")
MAX_ROWS = 1_000_000


def csv_samples(doc: Doc, path: Path, value: Any) -> list[dict[str, list[float]]]:
    """Each row of the CSV file as {inputs: [...], targets: [...]}, from the named columns."""
    example = "data: {csv: iris.csv, inputs: [sepal_length, sepal_width], targets: [setosa]}"
    if not isinstance(value, dict):
        raise InputError("`data` must be a mapping with `csv`, `inputs` and `targets`", doc.span(path), example)
    check_keys(doc, path, value, DATA_KEYS, "`data`")
    for key in DATA_KEYS:
        if key not in value:
            raise InputError(f"`data` has no `{key}`", doc.span(path), example)
    name = value["csv"]
    if not isinstance(name, str) or not name.strip():
        raise InputError("`data.csv` must be the path of a CSV file", doc.span(path + ("csv",)), example)
    columns = {key: _columns(doc, path + (key,), value[key]) for key in ("inputs", "targets")}
    where = _beside(doc.file, name)
    text = _read(where, name, doc.span(path + ("csv",)))
    SOURCES[name] = text  # for the source line under an error message
    rows = list(csv.reader(io.StringIO(text)))
    lines = text.splitlines()
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{name} has no header row", Span(name, 1, 1),
                         "the first line names the columns, for example: x1,x2,t")
    header = [cell.strip() for cell in rows[0]]
    index: dict[str, int] = {}
    for key, names in columns.items():
        for i, column in enumerate(names):
            if column not in header:
                hint = did_you_mean(column, header) or f"the columns of {name}: {', '.join(header)}"
                raise InputError(f"no column '{column}' in {name}", doc.span(path + (key, i)), hint)
            index[column] = header.index(column)
    if len(rows) < 2:
        raise InputError(f"{name} has a header but no rows", Span(name, 1, 1), "add a row of numbers per sample")
    if len(rows) - 1 > MAX_ROWS:
        raise InputError(f"{name} has {len(rows) - 1:,} rows; bpcalc reads at most {MAX_ROWS:,}",
                         Span(name, 1, 1), "train on a part of the file")
    samples = []
    for r, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise InputError(f"row {r} of {name} has {len(row)} cells but the header has {len(header)}",
                             Span(name, r, 1), "each row needs one value per column (empty rows are skipped)")
        sample = {key: [_cell(name, lines, r, row, index[c], c) for c in names] for key, names in columns.items()}
        samples.append(sample)
    return samples


def _columns(doc: Doc, path: Path, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(f"`data.{path[-1]}` must be a list of column names", doc.span(path),
                         f"for example: {path[-1]}: [x1, x2]")
    return value


def _beside(problem_file: str, name: str) -> str:
    """A CSV path as written, relative to the problem file's folder (or the current one)."""
    if os.path.isabs(name) or problem_file in ("-", "<string>") or problem_file.startswith("<"):
        return name
    if problem_file.startswith("example:") and not os.path.exists(problem_file):  # a shipped example's folder
        from ..shipped import path

        return str(path(problem_file).parent / name)
    return os.path.join(os.path.dirname(problem_file), name)


def _read(where: str, name: str, span: Span) -> str:
    try:
        size = os.path.getsize(where)
        if size > MAX_FILE_BYTES:
            raise InputError(f"{name} is {size / 2**20:.0f} MiB; bpcalc reads CSV files up to "
                             f"{MAX_FILE_BYTES // 2**20} MiB", span, "train on a part of the file")
        with open(where, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError(f"the CSV file {name} does not exist", span,
                         "a relative path is read from the problem file's folder") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a folder, not a CSV file", span) from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}", span) from None
    if b"\0" in raw:
        raise InputError(f"{name} is not a text file", span, "give a CSV file: rows of comma-separated numbers")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text", span, "save the CSV file as UTF-8") from None


def _cell(name: str, lines: list[str], r: int, row: list[str], i: int, column: str) -> float:
    text = row[i].strip()
    try:
        x = float(text)
    except ValueError:
        x = math.nan
        why = "is empty" if not text else f"holds {text[:40]!r}, not a number"
    else:
        why = f"is {text}; bpcalc needs a finite number"
    if math.isfinite(x):
        return x
    raise InputError(f"row {r} of {name}, column '{column}', {why}", _cell_span(name, lines, r, i),
                     "every input and target column must hold numbers (a class as 0/1 columns, one per class)")


def _cell_span(name: str, lines: list[str], r: int, i: int) -> Span:
    line = lines[r - 1] if r - 1 < len(lines) else ""
    if '"' in line:  # quoted cells: the column is not simply after the i-th comma
        return Span(name, r, 1)
    cells = line.split(",")
    column = sum(len(c) + 1 for c in cells[:i]) + 1
    return Span(name, r, column, max(1, len(cells[i]) if i < len(cells) else 1))
