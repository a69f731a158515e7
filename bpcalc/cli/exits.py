"""Exit codes (docs/errors.md), and the one place exceptions become exit codes and messages.

0 success · 1 a wrong answer / a mismatch · 2 unusable input or usage · 70 an internal error
(a bug in bpcalc) · 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable
from enum import IntEnum
from typing import NoReturn

from ..errors import BpcalcError, escaped, headline


class Exit(IntEnum):
    OK = 0
    WRONG = 1
    USAGE = 2
    INTERNAL = 70
    INTERRUPTED = 130


def guarded(job: Callable[[], int | None], debug: bool = False) -> int:
    """Run a job and return its exit code; every exception is reported here, once."""
    try:
        code = job()
        sys.stdout.flush()
        return int(code) if code is not None else Exit.OK
    except BpcalcError as err:
        _flush_quietly()
        sys.stderr.write(format_error(err))
        return Exit.USAGE
    except KeyboardInterrupt:
        return interrupted()
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`bpcalc … | head`): nothing more to say
        return Exit.OK
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRORS:
            return _internal(debug)
        _silence_stdout()  # standard output cannot be written (a full disk, `> /dev/full`)
        sys.stderr.write(format_error(BpcalcError(f"cannot write the output: {exc.strerror}", None,
                                                  "check the disk space, or where the output is redirected")))
        return Exit.USAGE
    except Exception:
        return _internal(debug)


#: errors of writing standard output that are the environment's, not a bug
_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF, errno.EROFS})


#: a job's large results, left to the end of the process (None: nothing is kept)
_KEPT: list[object] | None = None


def keep_to_the_end(*objects: object) -> None:
    """Leave a job's large results to the end of the process rather than free them object by object
    as the job returns (0.3 s for a 100,000-line problem): the console script then ends at once
    (`end`).  Elsewhere — the tests, the Python API — nothing is kept."""
    if _KEPT is not None:
        _KEPT.extend(objects)


def keeping() -> None:
    """The console script keeps what jobs leave to the end (keep_to_the_end)."""
    global _KEPT
    _KEPT = []


def end(code: int) -> NoReturn:
    """End the console script with `code`: when a job left its results, at once, its output flushed
    (os._exit: nothing is freed, no clean-up runs — the job has closed what it opened)."""
    if _KEPT:
        _flush_quietly()
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    raise SystemExit(code)


def interrupted() -> int:
    """Ctrl-C: one line, exit code 130."""
    _flush_quietly()
    sys.stderr.write("interrupted\n")
    return Exit.INTERRUPTED


def report_closed_output() -> int:
    """Standard output is closed (`>&-`): say so, do nothing else."""
    sys.stderr.write(format_error(BpcalcError(
        "standard output is closed, so the solution cannot be shown", None,
        "redirect it instead of closing it: > solution.txt, or > /dev/null to discard it")))
    return Exit.USAGE


def _internal(debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc()
    else:
        sys.stderr.write("bpcalc: internal error — please report it, with the input file; "
                         "rerun it as bpcalc --debug COMMAND … for the traceback\n")
    return Exit.INTERNAL


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def format_error(err: BpcalcError) -> str:
    """`FILE:LINE:COL: error: what`, the source line with a caret under the bad part, a hint.
    Everything that came from outside bpcalc (file names, the source line, values quoted in the
    message) is shown with its hidden characters escaped (`errors.escaped`)."""
    span = err.span
    lines = [headline(err)]
    if span is not None:
        source = _source_line(span.file, span.line)
        if source is not None and span.column is not None:
            shown, column = _excerpt(source, span.column)
            before, rest = shown[:column - 1], shown[column - 1:]
            marked = rest[:max(1, min(span.length, len(rest)))]
            lines.append(f"  {escaped(before)}{escaped(rest)}")
            lines.append("  " + " " * _width(escaped(before)) + "^" * max(1, len(escaped(marked))))
    if err.hint:
        lines.append(f"hint: {escaped(err.hint, keep=chr(10))}")
    return "\n".join(lines) + "\n"


_EXCERPT = 100  # longest source line shown whole under an error


def _excerpt(source: str, column: int) -> tuple[str, int]:
    """The part of a long line around `column` (with … where it was cut), and the column in it."""
    if len(source) <= _EXCERPT:
        return source, column
    start = max(0, min(column - 1 - _EXCERPT // 2, len(source) - _EXCERPT))
    end = start + _EXCERPT
    head = "…" if start > 0 else ""
    tail = "…" if end < len(source) else ""
    return head + source[start:end] + tail, column - start + len(head)


def _width(text: str) -> int:
    """Columns `text` takes on a terminal (CJK characters take two), so the caret lines up."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _source_line(file: str, line: int | None) -> str | None:
    from ..reading.yamldoc import SOURCES

    text = SOURCES.get(file)
    if line is None or text is None:
        return None
    rows = re.split("\r\n|[\n\r\x85\u2028\u2029]", text)  # YAML's line breaks, no others
    if 1 <= line <= len(rows):
        return rows[line - 1].expandtabs(1)
    return None
