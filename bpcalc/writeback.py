"""`step -o`: the same file with each updated param written where its old number stood.

The file is read again by the very reader that read it (`reading.yamldoc`, with the place of every
value), and each new number replaces the text of the old one: comments, layout, quoting and key
order are the user's, untouched.  Where a number is shared through YAML aliases (`&row` …
`*row`), each alias that must now say something else is written out in its place, so no param's
update overwrites another's.  The new text is then read back, and it is written only if it reads
as the old problem with exactly the new values; otherwise nothing is written and the run fails.

The target is checked before any work: it must be a regular file (or a new name) in a folder
that exists, never the input however it is reached (its path, a link, standard input), nor the
file standard output goes to.  A symbolic link to a regular file is followed: the file it points
to is replaced and the link kept.  The text goes to a temporary file beside the target, named
`.bpcalc-<pid>-<random>.tmp`, made when the run starts (so an unwritable folder is reported
first) and renamed over the target at the end, with the target's permissions; an interrupted
run removes it (Ctrl-C, SIGTERM, SIGHUP), and one killed outright leaves it with its process id in
its name, which the next `-o` into that folder recognises and removes.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable
from typing import Any

from .errors import InputError, Span, escaped
from .problem import Problem

Path = tuple[str | int, ...]

_TEMPORARY = re.compile(r"\.bpcalc-(\d+)-[A-Za-z0-9_]+\.tmp\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*\s+)*")  # an anchor or tag before a scalar's own text
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


# --- the new text ----------------------------------------------------------------------------------


def updated_text(problem: Problem, updated: dict[str, float]) -> str:
    """The problem's text with each updated param's number replaced, checked by reading it back."""
    from .reading.yamldoc import parse_yaml

    doc = parse_yaml(problem.text, problem.file, positions=True)
    updated = {name: as_shown(value) for name, value in updated.items()}
    edits: dict[tuple[int, int], str] = {}
    under_alias: dict[Path, dict[Path, float]] = {}  # alias written out -> new values beneath it
    for name, value in updated.items():
        path = problem.locations.get(name)
        if path is None:
            continue
        alias = next((path[:k] for k in range(1, len(path) + 1) if path[:k] in doc.aliases), None)
        if alias is not None:
            under_alias.setdefault(alias, {})[path] = value
            continue
        extent = doc.extents.get(path)
        if extent is None or isinstance(doc.data_at(path), (dict, list)):
            raise _unfaithful(problem, f"the value of {name} is not one number in the file")
        start, end = extent
        start = _PROPERTIES.match(problem.text, start, end).end()  # type: ignore[union-attr]
        edits[(start, end)] = _number(value)

    # An alias repeats its anchor's text as it stands: when that text changes, every alias of it
    # is written out with what it held (or its own new values), until nothing more changes.
    changed = list(edits) + [doc.alias_extents[a] for a in under_alias]
    spread = True
    while spread:
        spread = False
        for alias, anchor in doc.aliases.items():
            if alias in under_alias or alias not in doc.alias_extents:
                continue
            first, last = doc.extents[anchor]
            if any(first <= start and end <= last for start, end in changed):
                under_alias[alias] = {}
                changed.append(doc.alias_extents[alias])
                spread = True
    for alias, values in under_alias.items():
        edits[doc.alias_extents[alias]] = _flow(doc.data_at(alias), alias, values)

    text = problem.text
    pieces, at = [], 0
    for (start, end), new in sorted(edits.items()):
        pieces.append(text[at:start])
        pieces.append(new)
        at = end
    pieces.append(text[at:])
    written = "".join(pieces)
    _check_round_trip(problem, doc.data, written, updated)
    return written


def as_shown(value: float) -> float:
    """The value as -o writes it: a short decimal carrying float noise is that decimal, as the
    screen shows it (0.2 − 0.5 × (−0.050799) = 0.22539950000000003 → 0.2253995: the nearest
    decimal of at most 12 significant digits, when it is within 4 units in the last place);
    any other value is kept in full, to the last bit."""
    if not math.isfinite(value) or value == 0.0:
        return value
    noise = 4 * math.ulp(value)
    for digits in range(1, 13):
        candidate = float(f"{value:.{digits}g}")
        if abs(candidate - value) <= noise:
            return candidate
    return value


def _number(value: float) -> str:
    """A float as YAML and Python read back to the same bits: 0.314477715, 1e-05."""
    return repr(float(value))


def _flow(value: Any, path: Path, new: dict[Path, float]) -> str:
    """Plain data written as one line of flow YAML, with the new values where they go."""
    if path in new:
        return _number(new[path])
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_text(k)}: {_flow(v, path + (k,), new)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, path + (i,), new) for i, v in enumerate(value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    return _text(str(value))


def _text(s: str) -> str:
    from .reading.yamldoc import _WORDS

    if _NAME.match(s) and s not in _WORDS:
        return s
    return json.dumps(s, ensure_ascii=False)  # JSON's escapes are YAML's double-quoted ones


def _check_round_trip(problem: Problem, data: Any, written: str, updated: dict[str, float]) -> None:
    """The written text must read back as the same document with exactly the new values."""
    from .reading import problem_from_doc
    from .reading.yamldoc import SOURCES, parse_yaml

    expected = json.loads(json.dumps(data))  # a copy in which nothing is shared
    for name, value in updated.items():
        path = problem.locations.get(name)
        if path is not None:
            parent = expected
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = float(value)
    shown = f"{problem.file} (as -o writes it)"
    try:
        doc = parse_yaml(written, shown)
        difference = _difference(expected, doc.data, ())
        again = problem_from_doc(doc) if difference is None else None
    except InputError as exc:
        difference, again = f"it reads as invalid: {exc.message}", None
    finally:
        SOURCES.pop(shown, None)
    if again is not None:
        leaves = {**problem.leaves, **{k: float(v) for k, v in updated.items()}}
        if again.leaves != leaves or [(ln.name, ln.source) for ln in again.lines] != \
                [(ln.name, ln.source) for ln in problem.lines]:
            difference = "its params or lines read back differently"
    if difference is not None:
        raise _unfaithful(problem, difference)


def _unfaithful(problem: Problem, difference: str) -> InputError:
    return InputError(f"-o cannot write the updated file faithfully: {difference}", Span(problem.file),
                      "nothing was written; the file uses YAML that bpcalc cannot rewrite in place "
                      "(write the params out as plain numbers), and please report it")


def _difference(expected: Any, got: Any, path: Path) -> str | None:
    stack = [(expected, got, path)]
    while stack:
        a, b, at = stack.pop()
        if type(a) is not type(b) or (not isinstance(a, (dict, list)) and a != b):
            where = "/".join(str(k) for k in at) or "the document"
            return f"{where} would read {escaped(repr(b))[:60]}, not {escaped(repr(a))[:60]}"
        if isinstance(a, dict):
            if list(a) != list(b):
                return f"the keys under {'/'.join(str(k) for k in at) or 'the top'} would change"
            stack.extend((a[k], b[k], at + (k,)) for k in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return f"{'/'.join(str(k) for k in at)} would change length"
            stack.extend((x, y, at + (i,)) for i, (x, y) in enumerate(zip(a, b)))
    return None


# --- the target file -----------------------------------------------------------------------------------


class Target:
    """An `-o` path: checked and its temporary file made when constructed (before any work),
    written by `write`, the temporary removed by `close` if it was not renamed into place."""

    def __init__(self, path: str, source: str | None):
        self.shown = path
        self.source = source
        self.path = _checked(path, source)
        self.directory = os.path.dirname(os.path.abspath(self.path))
        _remove_stale(self.directory)
        self.temporary: str | None = None
        self.fd: int | None = None
        self._previous: dict[int, Any] = {}
        self._create()

    def _create(self) -> None:
        import secrets

        self._catch_signals()  # first: a signal while the file is made still removes it
        pid = os.getpid()
        for _ in range(100):
            self.temporary = os.path.join(self.directory, f".bpcalc-{pid}-{secrets.token_hex(4)}.tmp")
            try:  # named before it exists: a signal from here on removes it
                self.fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                self.temporary = None
                continue
            except OSError as exc:
                self.temporary = None
                self.close()
                raise InputError(f"cannot write the updated file: {exc.strerror}", Span(self.shown),
                                 "check the folder's permissions or choose another path for -o") from None
            break

    def _catch_signals(self) -> None:
        """SIGTERM and SIGHUP remove the temporary file, then end the process as they would."""
        import signal

        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                self._previous[signum] = signal.signal(signum, self._on_signal)
            except (ValueError, OSError):  # not the main thread: nothing to catch with
                pass

    def _on_signal(self, signum: int, frame: Any) -> None:
        import signal

        self.close()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def write(self, problem: Problem, updated: dict[str, float]) -> None:
        """The updated problem into the temporary file, then renamed over the target."""
        self.write_text(updated_text(problem, updated))

    def write_text(self, text: str) -> None:
        """`text` into the temporary file, then renamed over the target."""
        def fill(_: str) -> None:
            assert self.fd is not None
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(self.fd, view):]
            os.fsync(self.fd)

        self.replace_with(fill)

    def replace_with(self, write: Callable[[str], None]) -> None:
        """`write(path)` fills the temporary file (itself, or a program given its name, such as
        Graphviz's dot); then it gets the target's permissions and is renamed over the target."""
        if self.fd is None or self.temporary is None:
            raise InputError("cannot write the updated file: it was closed", Span(self.shown))
        try:
            write(self.temporary)
            _keep_permissions(self.fd, self.path, self.source)
            os.close(self.fd)
            self.fd = None
            _checked(self.shown, None)  # still not a pipe or a device, just before it is replaced
            os.replace(self.temporary, self.path)
            self.temporary = None
        except OSError as exc:
            raise InputError(f"cannot write the updated file: {exc.strerror}", Span(self.shown),
                             "check the disk space and permissions, or choose another path for -o") from None

    def close(self) -> None:
        import signal

        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None
        if self.temporary is not None:
            try:
                os.unlink(self.temporary)
            except OSError:
                pass
            self.temporary = None
        for signum, previous in self._previous.items():
            try:
                signal.signal(signum, previous)
            except (ValueError, OSError, TypeError):
                pass
        self._previous = {}


def _checked(path: str, source: str | None) -> str:
    """The file to replace for `-o path` (a link's target), or InputError saying why not."""
    shown = Span(path)
    real = path
    if os.path.islink(path):
        real = os.path.realpath(path)
        if not os.path.lexists(real):
            raise InputError(f"-o names a symbolic link to {real}, which does not exist", shown,
                             "write to the file itself, or choose another path for -o")
    folder = os.path.dirname(os.path.abspath(real))
    if not os.path.isdir(folder):
        raise InputError(f"cannot write the updated file: the folder {os.path.dirname(real)} does not exist",
                         shown, "create the folder first or choose another path for -o")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot write the updated file: {exc.strerror}", shown,
                         "choose another path for -o") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise InputError("-o names a folder, not a file", shown, "give a file name, for example -o next.yaml")
        kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a regular file")
        raise InputError(f"-o names {kind}, not a regular file", shown,
                         "bpcalc writes the updated problem to a regular file only; choose a file name such as "
                         "next.yaml")
    if source is None:
        return real
    if source != "-" and os.path.abspath(real) == os.path.abspath(source):
        raise _overwrite(shown)
    if st is not None:
        same = {"-": 0}.get(source)
        if _same_file(st, source if same is None else same):  # a link, /dev/stdin, `- < F`
            raise _overwrite(shown)
        if _same_file(st, 1):
            raise InputError("-o names the file that standard output goes to", shown,
                             "the solution and the updated problem need two files; choose another path for -o")
        if not os.access(real, os.W_OK):
            raise InputError("-o names a file that is not writable", shown,
                             "bpcalc keeps a file's permissions; make it writable or choose another path for -o")
    return real


def _same_file(st: os.stat_result, other: str | int) -> bool:
    try:
        theirs = os.fstat(other) if isinstance(other, int) else os.stat(other)
    except (OSError, ValueError):
        return False
    return (theirs.st_dev, theirs.st_ino) == (st.st_dev, st.st_ino)


def _overwrite(shown: Span) -> InputError:
    return InputError("-o would overwrite the input file", shown,
                      "bpcalc never modifies its input; write to another file, for example -o next.yaml")


def _keep_permissions(fd: int, path: str, source: str | None = None) -> None:
    """The replaced file's mode (and owner, where allowed); a new file gets the input file's mode
    (a problem kept private stays private), or the umask's when the input is not a file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if source not in (None, "-"):
            try:
                mode = os.stat(source).st_mode
            except OSError:
                mode = 0
            if stat.S_ISREG(mode):
                os.fchmod(fd, stat.S_IMODE(mode))
                return
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except OSError:
        pass  # not the owner: the file becomes ours, with the same mode


def _remove_stale(directory: str) -> None:
    """Temporary files that an `-o` killed outright left behind: their process has ended."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        m = _TEMPORARY.match(name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # that process still runs: its file is in use
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, ValueError):
            continue
        path = os.path.join(directory, name)
        try:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                os.unlink(path)
        except OSError:
            pass


def replace_file(target: str, write: Callable[[str], None]) -> None:
    """Write a file of another command's (`graph -o`) as `step -o` writes: `write(path)` fills a
    temporary file beside the target, which is renamed over it; on any failure it is removed."""
    out = Target(target, None)
    try:
        out.replace_with(write)
    finally:
        out.close()


def replace_text(target: str, text: str) -> None:
    """`text` written to `target` as replace_file writes (`graph -o` of DOT or a terminal drawing)."""

    def write(path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)

    replace_file(target, write)


def write_updated(problem: Problem, updated: dict[str, float], target: str, source: str) -> None:
    """`problem` with the `updated` params written to `target` at once: the checks, the temporary
    file and the renaming of `Target`, for a command that has its results before it writes."""
    out = Target(target, source)
    try:
        out.write(problem, updated)
    finally:
        out.close()


def check_target(target: str, source: str) -> None:
    """Refuse an output path that is not a regular file (or a new name) in an existing folder, or
    that is the input itself: for commands that write a file of their own (`graph -o`)."""
    _checked(target, source)
