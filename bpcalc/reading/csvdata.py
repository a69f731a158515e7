"""A network's samples from a CSV file (`data: {csv: FILE, inputs: [...], targets: [...]}`), read
with bounds (docs/training.md, "Samples from a CSV file"; docs/errors.md):

* **Where.** The file is read from the problem's folder or below (a relative path from that
  folder; a path that leaves it, by `..`, an absolute path or a link, is refused without being
  opened), unless the command line names it (`bpcalc train FILE --data PATH`): a problem file may
  come from someone else, and must not make bpcalc read, or quote, any file its reader can.
* **What.** A regular file only (never a pipe, a device, /dev/stdin), of at most 64 MiB; UTF-8
  with or without a byte-order mark, UTF-16 or UTF-32 with one (a spreadsheet's "Unicode text"),
  or UTF-16 without one; lines ended by LF, CRLF or CR; cells separated by commas, or by tabs or
  semicolons when the header row has no comma.
* **How much.** A line of at most 1,048,576 characters, a cell of at most 131,072, and no more
  rows than a problem could have samples (each makes at least 9 operations: common.Budget): the
  file is read a line at a time, only the named columns kept, and the reading stops at the first
  bound passed, so a large file costs neither time nor memory before it is refused.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..errors import InputError, Span, did_you_mean, printable, quoted
from .common import DATA_OPERATIONS, OPERATIONS_FLOOR, OPERATIONS_PER_BYTE, check_keys
from .yamldoc import MAX_FILE_BYTES, SOURCES, Doc, NotAFile, Path, open_regular

DATA_KEYS = ("csv", "inputs", "targets")
#: characters in one line of a CSV file, and in one cell (the csv module's own limit)
MAX_LINE = 1 << 20
MAX_CELL = 131_072
#: the fewest operations one sample of a network makes: one neuron of one input, its activation,
#: a loss over one output, and the sample's share of the total (reading/network.py check_size)
SAMPLE_OPERATIONS = 9
_EXAMPLE = "data: {csv: iris.csv, inputs: [sepal_length, sepal_width], targets: [setosa]}"

#: the CSV file the command line names (`train --data PATH`), read in place of `data.csv`; and
#: whether a problem's `data:` used it
_NAMED: ContextVar[list[Any] | None] = ContextVar("bpcalc_named_data", default=None)


@contextmanager
def named_data(path: str | None) -> Iterator[list[Any]]:
    """While it lasts, a problem's `data:` reads `path` (named on the command line) instead of
    its own `csv:`; yields [path, used]."""
    state: list[Any] = [path, False]
    token = _NAMED.set(state if path is not None else None)
    try:
        yield state
    finally:
        _NAMED.reset(token)


def csv_samples(doc: Doc, path: Path, value: Any) -> list[dict[str, list[float]]]:
    """Each row of the CSV file as {inputs: [...], targets: [...]}, from the named columns."""
    if not isinstance(value, dict):
        raise InputError("`data` must be a mapping with `csv`, `inputs` and `targets`", doc.span(path), _EXAMPLE)
    check_keys(doc, path, value, DATA_KEYS, "`data`")
    for key in DATA_KEYS:
        if key not in value:
            raise InputError(f"`data` has no `{key}`", doc.span(path), _EXAMPLE)
    written = value["csv"]
    if not isinstance(written, str) or not written.strip():
        raise InputError("`data.csv` must be the path of a CSV file", doc.span(path + ("csv",)), _EXAMPLE)
    columns = {key: _columns(doc, path + (key,), value[key]) for key in ("inputs", "targets")}
    span = doc.span(path + ("csv",))
    named = _NAMED.get()
    if named is not None:  # the command line names it: read as given, from the current folder
        named[1] = True
        name = where = str(named[0])
    else:
        name = written
        where = _inside_folder(doc.file, written, span)
    size = len(doc.text.encode("utf-8", "surrogatepass")) if doc.text else 0
    most = max(OPERATIONS_FLOOR, OPERATIONS_PER_BYTE * size, DATA_OPERATIONS) // SAMPLE_OPERATIONS
    with _opened(where, name, span) as stream:
        return _samples(stream, name, columns, most, doc, path)


def _columns(doc: Doc, path: Path, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(f"`data.{path[-1]}` must be a list of column names", doc.span(path),
                         f"for example: {path[-1]}: [x1, x2]")
    return value


# --- where the file may be ----------------------------------------------------------------------------


def _folder_of(problem_file: str) -> str:
    """The folder a problem's relative paths start from: its file's, a shipped example's, or the
    current one (standard input, a text given to the API)."""
    if problem_file.startswith("example:") and not os.path.exists(problem_file):
        from ..shipped import path as shipped_path

        try:
            return str(shipped_path(problem_file).parent)
        except Exception:  # noqa: BLE001 - a shipped name that does not exist: the current folder
            return os.getcwd()
    if problem_file in ("-", "<stdin>") or problem_file.startswith("<"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(problem_file))


def _inside_folder(problem_file: str, name: str, span: Span) -> str:
    """`name` from the problem's folder, when it lies there or below, links resolved; else the
    message that says how to read it."""
    folder = os.path.realpath(_folder_of(problem_file))
    where = os.path.join(folder, name)
    real = os.path.realpath(where)
    if os.path.commonpath([folder, real]) != folder:
        raise InputError(f"the CSV file {name} is outside the problem's folder", span,
                         "bpcalc reads a problem's data from its own folder or below (a problem file may come "
                         "from someone else); copy the file there, or name it on the command line: "
                         "bpcalc train FILE --data PATH")
    return real


@contextmanager
def _opened(where: str, name: str, span: Span) -> Iterator[io.TextIOWrapper]:
    """The file as text (its encoding found from its first bytes, its line ends made LF), once it
    is known to be a regular file of at most MAX_FILE_BYTES; opened without waiting (a pipe put
    in its place after the check is found by fstat, not read)."""
    shown = name
    try:
        raw = open_regular(where)
    except FileNotFoundError:
        raise InputError(f"the CSV file {shown} does not exist", span,
                         "a relative path is read from the problem file's folder") from None
    except NotAFile as exc:
        raise InputError(f"the CSV file {shown} {exc}", span,
                         "give a CSV file: rows of comma-separated numbers, a header row first") from None
    except OSError as exc:
        raise InputError(f"cannot read the CSV file {shown}: {exc.strerror or exc}", span) from None
    try:
        st = os.fstat(raw.fileno())
        if st.st_size > MAX_FILE_BYTES:
            raise InputError(f"the CSV file {shown} is {st.st_size / 2**20:.0f} MiB; bpcalc reads CSV files up to "
                             f"{MAX_FILE_BYTES // 2**20} MiB", span, "train on a part of the file")
        head = raw.peek(4)[:4]
        # a byte the encoding cannot read is kept as a lone surrogate, found by the line that holds it
        text = io.TextIOWrapper(raw, encoding=_encoding(head), errors="surrogateescape", newline=None)
        yield text
    finally:
        raw.close()


def _encoding(head: bytes) -> str:
    """The encoding of a file that starts with `head`: its byte-order mark's (UTF-32, UTF-16,
    UTF-8), UTF-16 when every other byte of its first characters is 0, else UTF-8."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) == 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le"
    if len(head) == 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be"
    return "utf-8-sig"


# --- reading it ----------------------------------------------------------------------------------------


class _Lines:
    """The lines of the file, each checked (its length, no NUL), counted, the last kept for a
    message."""

    def __init__(self, stream: io.TextIOWrapper, name: str, most_lines: int):
        self.stream = stream
        self.name = name
        self.most = most_lines
        self.number = 0  # lines read
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            line = self.stream.readline(MAX_LINE + 1)
        except OSError as exc:
            raise InputError(f"cannot read the CSV file {self.name}: {exc.strerror or exc}",
                             Span(self.name)) from None
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > MAX_LINE and not line.endswith("\n"):
            raise _at(self.name, self.number, "", 1, f"line {self.number:,} of {self.name} is longer than "
                      f"{MAX_LINE:,} characters", "a CSV file of samples has a row of numbers per line")
        bad = _UNDECODED.search(line)
        if bad is not None:
            encoding = self.stream.encoding.replace("-sig", "").upper()
            raise _at(self.name, self.number, "", 1, f"{self.name} is not {encoding} text (byte "
                      f"0x{ord(bad.group()) - 0xDC00:02X} on line {self.number:,})",
                      "save the CSV file as UTF-8 (or as a spreadsheet's Unicode text)")
        if "\0" in line:
            raise _at(self.name, self.number, "", 1, f"{self.name} is not a text file (line {self.number:,} "
                      "holds a NUL byte)", "give a CSV file: rows of comma-separated numbers")
        if self.number > self.most:
            raise _at(self.name, self.number, "", 1, f"{self.name} has more than {self.most - 1:,} lines: "
                      "more samples than a problem may have", "train on a part of the file")
        self.last = line.rstrip("\n")
        return line


_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte surrogateescape kept


def _at(name: str, line: int, text: str, column: int, message: str, hint: str, length: int = 1) -> InputError:
    """An error at a line of the CSV file; `text` is that line, shown under the message."""
    if text:
        SOURCES[name] = "\n" * (line - 1) + text  # the one line shown under the message
    return InputError(message, Span(name, line, column if text else None, length), hint)


def _delimiter(header: str) -> str:
    """Commas; tabs (a spreadsheet's "Unicode text") or semicolons when the header has no comma."""
    if "," in header:
        return ","
    if "\t" in header:
        return "\t"
    return ";" if ";" in header else ","


def _samples(stream: io.TextIOWrapper, name: str, columns: dict[str, list[str]], most_rows: int, doc: Doc,
             path: Path) -> list[dict[str, list[float]]]:
    lines = _Lines(stream, name, 2 * most_rows + 2)
    first = next(lines, "")
    delimiter = _delimiter(first)
    import itertools

    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=False)
    shown = name

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                line = lines.number
                if "field larger than field limit" in str(err):
                    raise _at(name, line, "", 1, f"line {line:,} of {shown} has a cell of more than {MAX_CELL:,} "
                              "characters", "a cell holds one number") from None
                raise _at(name, line, lines.last, 1, f"line {line:,} of {shown} cannot be read as CSV: "
                          f"{printable(str(err))}", "check the quotes on that line") from None
            yield start, row

    found = rows()
    head = next(found, None)
    if head is None or not any(cell.strip() for cell in head[1]):
        raise _at(name, 1, first.rstrip("\n"), 1, f"{shown} has no header row",
                  "the first line names the columns, for example: x1,x2,t")
    header = [cell.strip() for cell in head[1]]
    index: dict[str, int] = {}
    for key, names in columns.items():
        for i, column in enumerate(names):
            if column not in header:
                listed = ", ".join(printable(h)[:40] for h in header[:20]) + (", …" if len(header) > 20 else "")
                hint = did_you_mean(column, header) or f"the columns of {printable(name)}: {listed}"
                raise InputError(f"no column {quoted(column)} in {shown}", doc.span(path + (key, i)), hint)
            index[column] = header.index(column)
    samples: list[dict[str, list[float]]] = []
    for r, row in found:
        if not row:
            continue
        if len(samples) >= most_rows:
            raise _at(name, r, "", 1, f"{shown} has more than {most_rows:,} rows: more samples than a problem may "
                      f"have (each makes at least {SAMPLE_OPERATIONS} operations)", "train on a part of the file")
        if len(row) != len(header):
            raise _at(name, r, lines.last, 1, f"row {r:,} of {shown} has {len(row)} cells but the header has "
                      f"{len(header)}", "each row needs one value per column (empty rows are skipped)")
        samples.append({key: [_cell(name, lines.last, r, row, index[c], c, delimiter) for c in names]
                        for key, names in columns.items()})
    if not samples:
        raise _at(name, 1, first.rstrip("\n"), 1, f"{shown} has a header but no rows",
                  "add a row of numbers per sample")
    return samples


def _cell(name: str, line: str, r: int, row: list[str], i: int, column: str, delimiter: str) -> float:
    text = row[i].strip()
    try:
        x = float(text)
    except ValueError:
        x = math.nan
        why = "is empty" if not text else f"holds {quoted(text)}, not a number"
    else:
        why = f"is {printable(text)}; bpcalc needs a finite number"
    if math.isfinite(x):
        return x
    column_at, length = _cell_place(line, i, delimiter)
    raise _at(name, r, line, column_at, f"row {r:,} of {name}, column {quoted(column)}, {why}",
              "every input and target column must hold numbers (a class as 0/1 columns, one per class)", length)


def _cell_place(line: str, i: int, delimiter: str) -> tuple[int, int]:
    """The column and length of cell `i` in its line (the line's start when cells are quoted)."""
    if '"' in line:  # quoted cells: the column is not simply after the i-th delimiter
        return 1, 1
    cells = line.split(delimiter)
    column = sum(len(c) + 1 for c in cells[:i]) + 1
    return column, max(1, len(cells[i]) if i < len(cells) else 1)
