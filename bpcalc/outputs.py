"""Every file bpcalc writes, written one way (docs/errors.md, "Files bpcalc writes"): `step -o`,
`train -o`, `train --plot`, `graph -o`, `export -o`, `init`, `examples copy`, and `variants` (its
folder and every file in it).

A path is checked before any work, and refused with a message naming what to do when it is

* a symbolic link (bpcalc never writes through a link), or a file with another name (a hard
  link: a file replaced under one name would keep its old text under the other);
* a named pipe, a device, a socket or a folder (only regular files are written);
* an input of the run, however it is reached (its path, a link, a hard link, `-`, /dev/stdin):
  `step`'s problem, `variants`' template;
* the file standard output goes to, a file that is not writable, or a name in a folder that does
  not exist; and, for `init`, `examples copy` and `variants` without --force, any existing file.

The folder is opened once, and everything after the check is done relative to it, so that
nothing planted in it afterwards can redirect a write: the text goes to a temporary file made
there (`.bpcalc-<pid>-<random>.tmp`, created exclusively, never through a link), which is renamed
over the name when the text is complete — a rename replaces a name and never writes through
what it was.  The new file keeps the permissions of the one it replaces (and its owner, where
allowed); a new file takes its input's (a problem kept private stays private: `step -o`, `train
-o`) or the umask's.  Ctrl-C, SIGTERM and SIGHUP remove the temporary file; one left by a run
killed outright is removed by the next write into that folder, once its process has ended.

The folder a user names on the command line is theirs (it may be reached through links); a
folder bpcalc makes or fills itself (`variants`' vNN) is opened without following links.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .errors import InputError, Span, printable

_TEMPORARY = re.compile(r"\.bpcalc-(\d+)-[A-Za-z0-9_]+\.tmp\Z")
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class Role(NamedTuple):
    """How the messages about one kind of output name it."""

    names: str  # "-o names": followed by what the path is ("a named pipe (FIFO)")
    overwrite: str  # the message when the path is an input: "-o would overwrite the input file"
    noun: str  # what is written: "the updated file", "the plot"
    example: str  # a name to suggest: next.yaml
    exists: str | None = None  # the message for an existing file, when it is not replaced
    instead: str | None = None  # what to do instead (default: choose a new name such as `example`)

    def hint(self) -> str:
        return self.instead or f"choose a new name such as {self.example}"


UPDATED = Role("-o names", "-o would overwrite the input file", "the updated file", "next.yaml")
GRAPH = Role("-o names", "-o would overwrite the input file", "the graph", "graph.svg")
PLOT = Role("--plot names", "--plot would overwrite the input file", "the plot", "curve.png")


def kind_of(mode: int) -> str | None:
    """'a named pipe (FIFO)', 'a folder', … for what is not a regular file; None for one."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


# --- the inputs of a run ------------------------------------------------------------------------------


class Inputs:
    """The files a run reads, as (device, inode) and path, so that no output is one of them."""

    def __init__(self, sources: Iterable[str]):
        self.ids: set[tuple[int, int]] = set()
        for source in sources:
            if source == "-":
                self._add_fd(0)
                continue
            if source.startswith("example:") and not os.path.exists(source):
                try:
                    from .shipped import path as shipped_path

                    source = str(shipped_path(source))
                except Exception:  # noqa: BLE001 - an unknown example is reported when it is read
                    continue
            try:
                st = os.stat(source)
            except (OSError, ValueError):
                continue
            self.ids.add((st.st_dev, st.st_ino))

    def _add_fd(self, fd: int) -> None:
        try:
            st = os.fstat(fd)
        except (OSError, ValueError):
            return
        self.ids.add((st.st_dev, st.st_ino))

    def holds(self, st: os.stat_result) -> bool:
        return (st.st_dev, st.st_ino) in self.ids


NO_INPUTS = Inputs(())


# --- a folder, opened once ----------------------------------------------------------------------------


class Folder:
    """A folder bpcalc writes into, open as a file descriptor: every name in it is looked at,
    made and replaced relative to it."""

    def __init__(self, fd: int, shown: str):
        self.fd = fd
        self.shown = shown  # the folder as messages show it ('' for the current one)

    @classmethod
    def named(cls, path: str, noun: str, target: str | None = None) -> Folder:
        """The folder a user named (it may be reached through links), which must exist; messages
        name `target`, the path the user gave, when it is a file in this folder."""
        span = Span(target if target is not None else path)
        try:
            fd = os.open(path or ".", _FOLDER_FLAGS)
        except FileNotFoundError:
            raise InputError(f"cannot write {noun}: the folder {printable(path)} does not exist", span,
                             "create the folder first, or choose another path") from None
        except NotADirectoryError:
            raise InputError(f"cannot write {noun}: {printable(path)} is not a folder", span,
                             "choose another path") from None
        except OSError as exc:
            raise InputError(f"cannot write {noun}: {_reason(exc)}", span,
                             "check the folder's permissions, or choose another path") from None
        return cls(fd, path)

    def path(self, name: str) -> str:
        return os.path.join(self.shown, name) if self.shown else name

    def lstat(self, name: str) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def subfolder(self, name: str, noun: str, make: bool = True) -> Folder:
        """The folder `name` in this one, made if it is not there; a link, or anything else that
        is not a folder, is refused."""
        shown = self.path(name)
        st = self.lstat(name)
        if st is None and make:
            try:
                os.mkdir(name, 0o777, dir_fd=self.fd)
            except FileExistsError:
                pass
            except OSError as exc:
                raise InputError(f"cannot write {noun}: {_reason(exc)}", Span(shown),
                                 "check the folder's permissions, or choose another folder") from None
            st = self.lstat(name)
        if st is None or not stat.S_ISDIR(st.st_mode):
            raise refusal(self, name, st, Role(f"{printable(shown)} is", "", noun, "",
                                               instead="choose another folder for -o"), NO_INPUTS,
                          want_folder=True) or InputError(
                f"cannot write {noun}: {printable(shown)} is not a folder", Span(shown), "choose another folder")
        try:
            fd = os.open(name, _FOLDER_FLAGS | _NOFOLLOW, dir_fd=self.fd)
        except OSError as exc:
            raise InputError(f"cannot write {noun}: {_reason(exc)}", Span(shown),
                             "check the folder's permissions, or choose another folder") from None
        return Folder(fd, shown)

    def close(self) -> None:
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1

    def remove_stale(self) -> None:
        """Temporary files that a run killed outright left behind: their process has ended."""
        try:
            names = os.listdir(self.fd)
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
            try:
                st = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                    os.unlink(name, dir_fd=self.fd)
            except OSError:
                pass


def _reason(exc: OSError) -> str:
    """An OSError as a message says it: its strerror, never 'None'."""
    return exc.strerror or str(exc) or type(exc).__name__


# --- what may be written over ---------------------------------------------------------------------------


def refusal(place: Folder, name: str, st: os.stat_result | None, role: Role, inputs: Inputs, *,
             replace: bool = True, want_folder: bool = False) -> InputError | None:
    shown = place.path(name)
    span = Span(shown)
    new_name = role.hint()
    if st is None:
        return None
    if stat.S_ISLNK(st.st_mode):
        try:
            pointed = os.readlink(name, dir_fd=place.fd)
        except OSError:
            pointed = "?"
        try:
            real = os.stat(name, dir_fd=place.fd)
        except FileNotFoundError:
            return InputError(f"{role.names} a symbolic link to {printable(pointed)}, which does not exist", span,
                              f"bpcalc never writes through a link; {new_name}")
        except OSError as exc:
            return InputError(f"{role.names} a symbolic link that leads nowhere ({_reason(exc)})", span,
                              f"bpcalc never writes through a link; {new_name}")
        if inputs.holds(real):
            return InputError(role.overwrite, span, _never_input(role))
        kind = kind_of(real.st_mode)
        if kind is not None and not want_folder:
            return InputError(f"{role.names} {kind}, not a regular file", span,
                              f"bpcalc writes {role.noun} to a regular file only; {new_name}")
        return InputError(f"{role.names} a symbolic link (to {printable(pointed)}); bpcalc never writes through "
                          "a link", span, f"write to the file itself, or {new_name}" if not want_folder else new_name)
    kind = kind_of(st.st_mode)
    if want_folder:
        if stat.S_ISDIR(st.st_mode):
            return None
        return InputError(f"{role.names} {kind or 'a file'}, not a folder", span, f"{new_name}")
    if kind is not None:
        if stat.S_ISDIR(st.st_mode):
            return InputError(f"{role.names} a folder, not a file", span,
                              f"give a file name, for example {role.example}")
        return InputError(f"{role.names} {kind}, not a regular file", span,
                          f"bpcalc writes {role.noun} to a regular file only; {new_name}")
    if inputs.holds(st):
        return InputError(role.overwrite, span, _never_input(role))
    if st.st_nlink > 1:
        return InputError(f"{role.names} a file with {st.st_nlink} names (hard links); bpcalc does not write over "
                          "it", span, "replaced under one name, it would keep its old text under the others: remove "
                          f"the other names first, or {new_name}")
    if _same_as_stdout(st):
        return InputError(f"{role.names} the file that standard output goes to", span,
                          f"the output shown and {role.noun} need two files; choose another path")
    if not replace:
        return InputError(role.exists or f"{printable(shown)} exists", span,
                          "choose another name, or add --force to replace it")
    if not _writable(place, name):
        return InputError(f"{role.names} a file that is not writable", span,
                          f"bpcalc keeps a file's permissions; make it writable or {new_name}")
    return None


def _writable(place: Folder, name: str) -> bool:
    if os.access in os.supports_dir_fd:
        return os.access(name, os.W_OK, dir_fd=place.fd)
    return os.access(place.path(name), os.W_OK)


def _never_input(role: Role) -> str:
    return f"bpcalc never modifies its input; {role.hint()}"


def _same_as_stdout(st: os.stat_result) -> bool:
    try:
        out = os.fstat(1)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(out.st_mode) and (out.st_dev, out.st_ino) == (st.st_dev, st.st_ino)


# --- one file written ------------------------------------------------------------------------------------


class Output:
    """One file bpcalc writes: checked when made (before any work), its temporary file made beside
    it; filled by `write_text`, `write_bytes` or `fill`, which rename it into place; `close`
    removes the temporary file if it was not renamed."""

    def __init__(self, path: str, role: Role = UPDATED, inputs: Inputs = NO_INPUTS, *, replace: bool = True,
                 mode_from: str | None = None, folder: Folder | None = None, sync: bool = True,
                 executable: bool = False):
        self.executable = executable  # a script: whoever may read it may run it
        self.role = role
        self.inputs = inputs
        self.replace = replace
        self.mode_from = mode_from
        self.sync = sync
        self._own_folder = folder is None
        if folder is None:
            directory, name = os.path.split(path)
            if not name or name in (".", ".."):
                raise InputError(f"{role.names} a folder, not a file", Span(path),
                                 f"give a file name, for example {role.example}")
            folder = Folder.named(directory, role.noun, path)
        else:
            name = path
        self.folder = folder
        self.name = name
        self.shown = folder.path(name) if not self._own_folder else path
        self.temporary: str | None = None
        self.fd: int | None = None
        try:
            self._check()
            if self._own_folder:
                folder.remove_stale()
            self._create()
        except BaseException:
            self.close()
            raise

    def _check(self) -> None:
        refused = refusal(self.folder, self.name, self.folder.lstat(self.name), self.role, self.inputs,
                           replace=self.replace)
        if refused is not None:
            raise InputError(refused.message, Span(self.shown), refused.hint)

    def _create(self) -> None:
        import secrets

        _LIVE.append(self)  # first: a signal while the file is made still removes it
        _catch_signals()
        pid = os.getpid()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        for _ in range(100):
            self.temporary = f".bpcalc-{pid}-{secrets.token_hex(4)}.tmp"
            try:  # named before it exists: a signal from here on removes it
                self.fd = os.open(self.temporary, flags, 0o600, dir_fd=self.folder.fd)
            except FileExistsError:
                self.temporary = None
                continue
            except OSError as exc:
                self.temporary = None
                raise InputError(f"cannot write {self.role.noun}: {_reason(exc)}", Span(self.shown),
                                 "check the folder's permissions or choose another path") from None
            break

    # --- filling it ---

    def write_text(self, text: str) -> None:
        """`text` (UTF-8) into the temporary file, then renamed over the target."""
        self.write_bytes(text.encode("utf-8", "surrogatepass"))

    def write_bytes(self, data: bytes) -> None:
        self.append(data)
        self.commit()

    def append(self, data: bytes | str) -> None:
        """More of the text (a file written a part at a time: moodle.xml), not yet in place."""
        if self.fd is None or self.temporary is None:
            raise InputError(f"cannot write {self.role.noun}: it was closed", Span(self.shown))
        view = memoryview(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
        try:
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            self.close()
            raise InputError(f"cannot write {self.role.noun}: {_reason(exc)}", Span(self.shown),
                             "check the disk space and permissions, or choose another path") from None

    def commit(self) -> None:
        """What was appended, put in place: renamed over the target."""
        self.fill(lambda fd: None)

    def fill(self, write: Callable[[int], None]) -> None:
        """`write(fd)` fills the temporary file; then it gets the target's permissions and is
        renamed over the target."""
        if self.fd is None or self.temporary is None:
            raise InputError(f"cannot write {self.role.noun}: it was closed", Span(self.shown))
        try:
            write(self.fd)
            if self.sync:
                os.fsync(self.fd)
            self._permissions()
            os.close(self.fd)
            self.fd = None
            self._check()  # still not a link, a pipe or a device, just before it is replaced
            os.replace(self.temporary, self.name, src_dir_fd=self.folder.fd, dst_dir_fd=self.folder.fd)
            self.temporary = None
        except OSError as exc:
            raise InputError(f"cannot write {self.role.noun}: {_reason(exc)}", Span(self.shown),
                             "check the disk space and permissions, or choose another path") from None
        finally:
            self.close()

    def _permissions(self) -> None:
        """The replaced file's mode (and owner, where allowed); a new file the input's mode
        (`mode_from`), or the umask's; an executable one may be run by whoever may read it."""
        assert self.fd is not None
        st = self.folder.lstat(self.name)
        if st is not None and stat.S_ISREG(st.st_mode):
            self._chmod(stat.S_IMODE(st.st_mode))
            try:
                os.fchown(self.fd, st.st_uid, st.st_gid)
            except OSError:
                pass  # not the owner: the file becomes ours, with the same mode
            return
        if self.mode_from not in (None, "-"):
            try:
                mode = os.stat(self.mode_from).st_mode
            except (OSError, ValueError):
                mode = 0
            if stat.S_ISREG(mode):
                self._chmod(stat.S_IMODE(mode))
                return
        mask = os.umask(0)
        os.umask(mask)
        self._chmod(0o666 & ~mask)

    def _chmod(self, mode: int) -> None:
        assert self.fd is not None
        os.fchmod(self.fd, mode | ((mode & 0o444) >> 2) if self.executable else mode)

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None
        if self.temporary is not None:
            try:
                os.unlink(self.temporary, dir_fd=self.folder.fd)
            except OSError:
                pass
            self.temporary = None
        if self in _LIVE:
            _LIVE.remove(self)
            if not _LIVE:
                _release_signals()
        if self._own_folder:
            self.folder.close()

    def __enter__(self) -> Output:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: the outputs whose temporary files exist, removed by SIGTERM and SIGHUP (Ctrl-C: by `close`)
_LIVE: list[Output] = []
_PREVIOUS: dict[int, Any] = {}


def _catch_signals() -> None:
    """SIGTERM and SIGHUP remove every temporary file, then end the process as they would."""
    import signal

    if _PREVIOUS:
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            _PREVIOUS[signum] = signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main thread: nothing to catch with
            pass


def _release_signals() -> None:
    import signal

    for signum, previous in _PREVIOUS.items():
        try:
            signal.signal(signum, previous)
        except (ValueError, OSError, TypeError):
            pass
    _PREVIOUS.clear()


def _on_signal(signum: int, frame: Any) -> None:
    import signal

    for output in list(_LIVE):
        output.close()
    _release_signals()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


# --- a folder of files (a course folder) -----------------------------------------------------------------


class Tree:
    """Files written at paths relative to a folder bpcalc fills (a course folder: `variants
    --prairielearn`, `--gradescope`): each subfolder made, never through a link
    (Folder.subfolder), each file by Output; the subfolders stay open until `close`."""

    def __init__(self, folder: Folder, role: Role, inputs: Inputs = NO_INPUTS):
        self.folder, self.role, self.inputs = folder, role, inputs
        self._open: dict[str, Folder] = {}

    def _folder(self, parts: list[str]) -> Folder:
        place, at = self.folder, ""
        for part in parts:
            at = f"{at}/{part}" if at else part
            if at not in self._open:
                self._open[at] = place.subfolder(part, self.role.noun)
            place = self._open[at]
        return place

    def write(self, path: str, data: str | bytes, executable: bool = False) -> None:
        *parts, name = _parts(path)
        out = Output(name, self.role, self.inputs, folder=self._folder(parts), sync=False, executable=executable)
        if isinstance(data, str):
            out.write_text(data)
        else:
            out.write_bytes(data)

    def close(self) -> None:
        for folder in reversed(list(self._open.values())):
            folder.close()
        self._open.clear()


def _parts(path: str) -> list[str]:
    parts = path.split("/")
    if not parts or any(p in ("", ".", "..") or os.sep in p for p in parts):
        raise ValueError(f"not a plain relative path: {path!r}")
    return parts


def tree_refusal(folder: Folder, paths: Iterable[str], role: Role, inputs: Inputs) -> InputError | None:
    """Before anything is written into a folder that exists: the first of `paths` (relative) whose
    folder is a link or not a folder, or that is itself a link, a hard link, a pipe, a device or
    an input of the run."""
    opened: dict[str, Folder | None] = {"": folder}
    try:
        for path in paths:
            *parts, name = _parts(path)
            place: Folder | None = folder
            at = ""
            for part in parts:
                below = f"{at}/{part}" if at else part
                if below not in opened:
                    above = opened[at]
                    st = above.lstat(part) if above is not None else None
                    if st is None:
                        opened[below] = None
                    elif stat.S_ISDIR(st.st_mode):
                        opened[below] = above.subfolder(part, role.noun, make=False) if above is not None else None
                    else:
                        assert above is not None
                        return refusal(above, part, st, role, inputs, want_folder=True)
                at = below
                place = opened[at]
            if place is not None:
                refused = refusal(place, name, place.lstat(name), role, inputs)
                if refused is not None:
                    return refused
        return None
    finally:
        for key, sub in opened.items():
            if key and sub is not None:
                sub.close()


def write_file(path: str, data: str | bytes, role: Role = UPDATED, inputs: Inputs = NO_INPUTS, **kwargs: Any) -> None:
    """`data` written to `path` at once, by the policy above."""
    out = Output(path, role, inputs, **kwargs)
    if isinstance(data, str):
        out.write_text(data)
    else:
        out.write_bytes(data)
