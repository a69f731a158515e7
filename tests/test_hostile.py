"""Files and situations an attacker (or an unlucky student) would try, one class at a time:
`step -o` that could lose or corrupt data, inputs read more than once, Ctrl-C at any moment,
closed or full standard streams, values that are not finite, messages that would harm the
terminal, numbers YAML 1.1 reads otherwise, decimal ties under --round, problems too large for a
small file (the resource caps themselves are in test_resources.py)."""

from __future__ import annotations

import json
import math
import os
import pty
import random
import re
import signal
import stat
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import bpcalc
from bpcalc import outputs, writeback
from bpcalc.cli.main import main
from bpcalc.errors import MathError
from bpcalc.expr import to_text
from bpcalc.numbers import round_half_up
from bpcalc.ops import CANCELLED, cancelled
from bpcalc.reading import network, yamldoc

from helpers import EXAMPLES, as_written, central_difference, fd_close

ROOT = Path(__file__).resolve().parent.parent
SEED003 = EXAMPLES / "slides_1_1_1.yaml"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def bpcalc_process(*args: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    """bpcalc as its own process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "bpcalc", *map(str, args)], capture_output=True,
                          timeout=120, cwd=ROOT, **kwargs)


def step_json(capsys, source: Path, target: Path, *extra: str) -> dict:
    code, out, err = run(capsys, "step", source, "-o", target, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def assert_written_as_updated(source: Path, target: Path, data: dict) -> None:
    """The written file is the old problem with exactly the printed updates: every param the step
    updated reads back as its printed value, bit for bit; every other leaf as before."""
    old, new = bpcalc.load(str(source)), bpcalc.load(str(target))
    assert set(new.params) == set(old.params) and new.inputs == old.inputs
    for name, value in new.params.items():
        assert value == as_written(data["updated"].get(name, old.params[name])), name
    assert [(ln.name, ln.source) for ln in new.lines] == [(ln.name, ln.source) for ln in old.lines]


# --- step -o: no data lost or corrupted ---------------------------------------------------------------

SHARED_ROW = """\
network:
  inputs: [i1, i2]
  layers:
    - name: h
      activation: sigmoid
      weights: [&row [0.1, 0.2], *row]   # two neurons, one written row: four params
    - name: o
      activation: sigmoid
      weights: [[0.3, 0.4]]
sample: {inputs: [1, 2], targets: [0.5]}
"""

SHARED_LAYER = """\
network:
  inputs: [i1]
  layers:
    - &L {activation: sigmoid, weights: [[0.5]], bias: 0.1}
    - *L
    - *L
sample: {inputs: [1], targets: [0.5]}
"""

SHARED_SCALAR = """\
inputs: {x: &v 0.5}
params: {w: *v, b: &b 0.1, c: *b}
frozen: [c]
define:
  y: w*x + b + c
"""


@pytest.mark.parametrize("text", [SHARED_ROW, SHARED_LAYER, SHARED_SCALAR], ids=["row", "layer", "scalar"])
def test_numbers_shared_through_aliases_are_written_as_each_params_own(tmp_path, capsys, text):
    source, target = tmp_path / "p.yaml", tmp_path / "next.yaml"
    source.write_text(text)
    data = step_json(capsys, source, target)
    assert_written_as_updated(source, target, data)
    # each of the params that shared one written number got its own, different update
    assert len(set(data["updated"].values())) == len(data["updated"])


def test_a_shared_row_keeps_its_anchor_and_comment(tmp_path, capsys):
    source, target = tmp_path / "p.yaml", tmp_path / "next.yaml"
    source.write_text(SHARED_ROW)
    data = step_json(capsys, source, target)
    written = target.read_text()
    u = data["updated"]
    assert f"weights: [&row [{u['w_h1_i1']!r}, {u['w_h1_i2']!r}], [{u['w_h2_i1']!r}, {u['w_h2_i2']!r}]]" \
           "   # two neurons, one written row: four params" in written


def test_a_frozen_param_and_an_input_that_alias_an_updated_number_keep_theirs(tmp_path, capsys):
    source, target = tmp_path / "p.yaml", tmp_path / "next.yaml"
    source.write_text(SHARED_SCALAR)
    step_json(capsys, source, target)
    again = bpcalc.load(str(target))
    assert again.inputs["x"] == 0.5 and again.params["c"] == 0.1
    assert again.params["w"] != 0.5 and again.params["b"] != 0.1


@pytest.mark.parametrize("breaks", ["\t# comment\n", "\u2028", "\x85", "\r\n", "\u2029"])
def test_files_the_reader_accepts_are_written(tmp_path, capsys, breaks):
    text = f"inputs: {{x: 1}}{breaks}params: {{w: 0.5}}\ndefine:\n  y: 0.5*(w*x - 2)**2\n"
    source, target = tmp_path / "p.yaml", tmp_path / "next.yaml"
    source.write_text(text, newline="")
    data = step_json(capsys, source, target)
    assert_written_as_updated(source, target, data)
    written = target.read_bytes().decode("utf-8")
    assert written == text.replace("w: 0.5", f"w: {data['updated']['w']!r}")


def test_an_update_that_overflows_is_an_error_and_writes_nothing(tmp_path, capsys):
    source, target = tmp_path / "p.yaml", tmp_path / "next.yaml"
    source.write_text("inputs: {x: 1e300}\nparams: {w: 1}\ndefine:\n  y: w * x\n")
    code, out, err = run(capsys, "step", source, "-o", target, "--lr", "1e10")
    assert code == 2 and out == ""
    assert "error: the update of 'w' overflows" in err.splitlines()[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_the_engine_never_returns_an_update_that_is_not_finite():
    problem = bpcalc.loads("inputs: {x: 1e300}\nparams: {w: 1}\ndefine:\n  y: w * x\n")
    with pytest.raises(MathError, match="the update of 'w' overflows"):
        bpcalc.solve(problem, step=True, lr=1e10)


@pytest.mark.parametrize("source_arg", ["-", "/dev/stdin"])
def test_reading_the_target_from_standard_input_is_refused(tmp_path, source_arg):
    path = tmp_path / "p.yaml"
    path.write_bytes(SEED003.read_bytes())
    with path.open("rb") as stdin:
        done = bpcalc_process("step", source_arg, "-o", path, stdin=stdin)
    assert done.returncode == 2, done.stderr
    assert b"-o would overwrite the input file" in done.stderr
    assert path.read_bytes() == SEED003.read_bytes()


def test_a_hard_link_to_the_input_is_refused(tmp_path, capsys):
    source = tmp_path / "p.yaml"
    source.write_bytes(SEED003.read_bytes())
    os.link(source, tmp_path / "same.yaml")
    code, _, err = run(capsys, "step", source, "-o", tmp_path / "same.yaml")
    assert code == 2 and "-o would overwrite the input file" in err


@pytest.mark.parametrize("kind", ["fifo", "device", "link to a device", "link to nothing", "folder"])
def test_targets_that_are_not_regular_files_are_refused_and_left_as_they_are(tmp_path, capsys, kind):
    target = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(target)
        expected = "-o names a named pipe (FIFO), not a regular file"
    elif kind == "device":
        target = Path(os.devnull)
        expected = "-o names a character device, not a regular file"
    elif kind == "link to a device":
        target.symlink_to(os.devnull)
        expected = "-o names a character device, not a regular file"
    elif kind == "link to nothing":
        target.symlink_to(tmp_path / "nothing.yaml")
        expected = f"-o names a symbolic link to {tmp_path / 'nothing.yaml'}, which does not exist"
    else:
        target.mkdir()
        expected = "-o names a folder, not a file"
    before = os.lstat(target)
    code, out, err = run(capsys, "step", SEED003, "-o", target)
    assert code == 2 and out == ""
    assert err.splitlines()[0] == f"{target}: error: {expected}"
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert not list(tmp_path.glob(".bpcalc-*"))


def test_the_file_standard_output_goes_to_is_refused(tmp_path):
    target = tmp_path / "out.txt"
    with target.open("wb") as out:
        done = subprocess.run([sys.executable, "-m", "bpcalc", "step", str(SEED003), "-o", str(target)],
                              stdout=out, stderr=subprocess.PIPE, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert b"-o names the file that standard output goes to" in done.stderr


def test_a_link_to_a_regular_file_is_refused_and_both_are_kept(tmp_path, capsys):
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    code, out, err = run(capsys, "step", SEED003, "-o", link)
    assert code == 2 and out == ""
    assert err.splitlines()[0] == (f"{link}: error: -o names a symbolic link (to {real}); "
                                   "bpcalc never writes through a link")
    assert link.is_symlink() and os.readlink(link) == str(real) and real.read_text() == "old\n"


def test_the_targets_mode_is_kept_and_a_new_file_takes_the_inputs(tmp_path, capsys):
    old = tmp_path / "old.yaml"
    old.write_text("old\n")
    old.chmod(0o640)
    step_json(capsys, SEED003, old)
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    private = tmp_path / "private.yaml"  # a problem kept private: its next step is private too
    private.write_text(Path(SEED003).read_text())
    private.chmod(0o600)
    step_json(capsys, private, tmp_path / "new.yaml")
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o600


def test_a_new_file_from_standard_input_follows_the_umask(tmp_path):
    mask = 0o027
    r = subprocess.run(["sh", "-c", f"umask {mask:03o} && {sys.executable} -m bpcalc step - -o new.yaml "
                        f"--format json < {SEED003}"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o640
    assert r.stderr == "wrote new.yaml\n"


def test_an_unwritable_folder_is_reported_before_anything_is_printed(tmp_path, monkeypatch, capsys):
    real_open = os.open

    def denied(path, *args, **kwargs):
        if ".bpcalc-" in str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(outputs.os, "open", denied)
    code, out, err = run(capsys, "step", SEED003, "-o", tmp_path / "next.yaml")
    assert code == 2 and out == ""
    assert err.splitlines()[0] == f"{tmp_path / 'next.yaml'}: error: cannot write the updated file: Permission denied"


def slow_problem(path: Path) -> None:
    """A network that takes a few seconds to solve and show (under the size limit)."""
    # 45 samples of 103 operations: under the 5,000 a problem of this size may have
    rows = ", ".join("[" + ", ".join(f"0.{(i * j) % 9 + 1}" for j in range(2)) + "]" for i in range(16))
    samples = ", ".join(f"{{inputs: [0.{k % 9}, 0.{(k + 4) % 9}], targets: [0.5]}}" for k in range(45))
    path.write_text(f"network:\n  inputs: [a, b]\n  layers:\n    - {{name: h, activation: tanh, weights: [{rows}]}}\n"
                    f"    - {{name: o, weights: [[{', '.join(['0.1'] * 16)}]]}}\nsamples: [{samples}]\n")
    assert bpcalc.load(str(path))  # not refused: the run is slow, not rejected


def test_sigterm_removes_the_temporary_file(tmp_path):
    source = tmp_path / "p.yaml"
    slow_problem(source)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "step", str(source), "-o", str(out / "next.yaml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list(out.glob(".bpcalc-*.tmp")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(out.glob(f".bpcalc-{proc.pid}-*.tmp")), "the temporary file is made when the run starts"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM
    assert list(out.iterdir()) == []


def test_a_temporary_file_left_by_a_killed_run_is_removed_by_the_next(tmp_path, capsys):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    stale = tmp_path / f".bpcalc-{ended.pid}-0badc0de.tmp"
    alive = tmp_path / f".bpcalc-{os.getpid()}-0badc0de.tmp"  # this process runs: not stale
    stale.write_text("half a file")
    alive.write_text("being written")
    step_json(capsys, SEED003, tmp_path / "next.yaml")
    assert not stale.exists() and alive.exists()


def test_a_killed_run_leaves_a_temporary_file_the_next_run_removes(tmp_path):
    source = tmp_path / "p.yaml"
    slow_problem(source)
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "step", str(source), "-o", str(tmp_path / "n.yaml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".bpcalc-*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert list(tmp_path.glob(f".bpcalc-{proc.pid}-*.tmp"))
    done = bpcalc_process("step", SEED003, "-o", tmp_path / "n.yaml")
    assert done.returncode == 0
    assert not list(tmp_path.glob(".bpcalc-*"))


def test_what_cannot_be_written_faithfully_is_not_written(tmp_path, capsys, monkeypatch):
    """The read-back check refuses a text that would not read as the updated problem."""
    monkeypatch.setattr(writeback, "_number", lambda value: repr(float(value) + 1.0))
    source, target = tmp_path / "p.yaml", tmp_path / "next.yaml"
    source.write_bytes(SEED003.read_bytes())
    code, out, err = run(capsys, "step", source, "-o", target)
    assert code == 2 and out == ""
    assert "-o cannot write the updated file faithfully" in err.splitlines()[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


# --- reading each input once -------------------------------------------------------------------------------

BAD_LINE = b"inputs: {x: 1}\ndefine:\n  z: sigmod(x)\n"


def test_a_named_pipe_is_read_once_and_its_error_reported(tmp_path):
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "grad", str(fifo)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    with fifo.open("wb") as writer:
        writer.write(BAD_LINE)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.decode().splitlines()[0] == f"{fifo}:3:6: error: unknown function 'sigmod'"


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_a_pipe_is_read_once_and_its_error_reported(name):
    done = bpcalc_process("grad", name, input=BAD_LINE)
    shown = "<stdin>" if name == "-" else name
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[0] == f"{shown}:3:6: error: unknown function 'sigmod'"


def test_reading_from_a_terminal_says_how_to_end():
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "forward", "-", "--format", "json"], stdin=follower,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        os.write(leader, SEED003.read_bytes().replace(b"\n", b"\r") + b"\r\x04")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert "reading the problem from standard input; end with Ctrl-D" in err.decode()
    assert proc.returncode == 0 and json.loads(out)["output"] == "loss"


# --- Ctrl-C, closed and full streams ------------------------------------------------------------------------

INTERRUPT_HOOK = """\
import importlib.abc, os, signal, sys
class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, *args):
        if name == os.environ["BPCALC_INTERRUPT_AT"]:
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Hook())
"""


@pytest.mark.parametrize("module", ["bpcalc.cli", "bpcalc.cli.main", "bpcalc.errors", "bpcalc.cli.options",
                                    "bpcalc.reading.yamldoc", "bpcalc.engine.scalar", "bpcalc.render.text"])
def test_ctrl_c_while_modules_load_is_130_and_one_line(tmp_path, module):
    (tmp_path / "sitecustomize.py").write_text(INTERRUPT_HOOK)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "BPCALC_INTERRUPT_AT": module}
    done = bpcalc_process("grad", SEED003, env=env)
    assert done.returncode == 130, done.stderr
    assert done.stderr == b"interrupted\n"


def test_importing_bpcalc_leaves_ctrl_c_to_the_program():
    done = subprocess.run([sys.executable, "-c", "import signal, bpcalc.cli.main; "
                           "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "True"


def test_a_closed_standard_output_is_exit_2():
    done = bpcalc_process("grad", SEED003, preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[0] == "error: standard output is closed, so the solution cannot be shown"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_exit_2():
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "bpcalc", "grad", str(SEED003)], stdout=full,
                              stderr=subprocess.PIPE, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[0] == "error: cannot write the output: No space left on device"


def test_a_closed_standard_input_is_exit_2():
    done = bpcalc_process("grad", "-", stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[0] == "<stdin>: error: standard input is closed"


def test_a_closed_standard_error_does_not_crash():
    done = bpcalc_process("grad", "missing.yaml", preexec_fn=lambda: os.close(2))
    assert done.returncode == 2 and done.stdout == b""


# --- no value that is not finite reaches the output --------------------------------------------------------


def test_a_local_derivative_that_overflows_on_a_dead_branch_is_an_error():
    problem = bpcalc.loads("inputs: {x: 1e-160}\ndefine:\n  u: 1 / x\n  y: 0 * u\n")
    assert bpcalc.solve(problem, backward=False).loss == 0.0  # the forward pass is fine
    with pytest.raises(MathError, match=r"the local derivative ∂u/∂x overflows in 'u: 1 / x'"):
        bpcalc.solve(problem)


def test_the_loss_after_an_update_that_overflows_is_an_error():
    problem = bpcalc.loads("params: {w: 1}\ndefine:\n  loss: -exp(w)\n")
    with pytest.raises(MathError, match="^after the update, exp overflows"):
        bpcalc.solve(problem, step=True, lr=1000)


def test_forward_does_not_fail_on_a_derivative_it_does_not_print(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("inputs: {x: 0}\ndefine:\n  y: sqrt(x) + x**0.5\n")
    code, out, _ = run(capsys, "forward", path, "--format", "json")
    assert code == 0 and json.loads(out)["loss"] == 0.0
    code, _, err = run(capsys, "grad", path)
    assert code == 2 and "at x = 0 is infinite" in err.splitlines()[0]


# --- messages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_read(tmp_path, capsys, encoding):
    path = tmp_path / "p.yaml"
    data = SEED003.read_text().encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    code, out, err = run(capsys, "grad", path, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["gradients"] == bpcalc.solve(bpcalc.load(str(SEED003))).gradients


def test_utf16_without_a_byte_order_mark_is_named(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_bytes(SEED003.read_text().encode("utf-16-le"))
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert err.splitlines()[0] == f"{path}:1:1: error: this is a binary file, not YAML text"
    assert "UTF-16 text without a byte-order mark" in err


def test_a_latin1_file_is_refused_at_its_bad_byte(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_bytes("inputs: {x: 1}\n# poids\ndefine:\n  z: 2 * x  # entrée\n".encode("latin-1"))
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert err.splitlines()[0] == f"{path}:4:19: error: the file is not UTF-8 text: byte 0xE9 cannot start or " \
                                  "continue a character"
    assert "byte 0xE9 is 'é'" in err


@pytest.mark.parametrize("text, quoted", [
    ("\x1b]0;owned\x07", r"'\x1b]0;owned\x07'"), ("a\u200bb", r"'a\u200bb' (\u200b is U+200B ZERO WIDTH SPACE"),
    ("i\u202e1", r"'i\u202e1' (\u202e is U+202E RIGHT-TO-LEFT OVERRIDE)"), ("\u2066x", r"'\u2066x'"),
])
def test_quoted_keys_are_escaped_and_named(tmp_path, capsys, text, quoted):
    path = tmp_path / "p.yaml"
    escaped_in_yaml = json.dumps(text)  # a double-quoted YAML key with escapes: the file itself is plain
    path.write_text(f"inputs: {{x: 1}}\n{escaped_in_yaml}: 1\ndefine:\n  y: 2 * x\n")
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert f"unknown key {quoted}" in err.splitlines()[0]
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", err)


def test_a_huge_number_is_quoted_shortened(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("inputs: {x: " + "9" * 5000 + "}\ndefine:\n  y: 2 * x\n")
    code, _, err = run(capsys, "grad", path)
    assert code == 2 and len(err) < 600
    assert "(5,000 characters), too large for bpcalc's numbers" in err.splitlines()[0]


@pytest.mark.parametrize("line", ["z: " + "1" * 5000 + "*x", "z: x + " + "q" * 5000, "z: " + "f" * 5000 + "(x)",
                                  "z: x\n" + "k" * 5000 + ": 1"])
def test_every_message_stays_short_however_long_what_it_quotes(tmp_path, capsys, line):
    path = tmp_path / "p.yaml"
    path.write_text(f"inputs: {{x: 1}}\ndefine:\n  {line}\n")
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert all(len(row) < 500 for row in err.splitlines()), err[:1000]


@pytest.mark.parametrize("written, reading", [
    ("010", "the octal number 8"), ("0b101", "the binary number 5"),
    ("0x1F", "the hexadecimal number 31"), ("1:30", "the base-60 number 90"), ("-1:30", "the base-60 number -90"),
    ("1_000", "1000 (the '_' are dropped)"), ("1_000.5", "1000.5 (the '_' are dropped)"),
    ("1:30.5", "the base-60 number 90.5"), ("2001-12-14", "a date"), ("2001-12-14 21:59:43.10 -5", "a date"),
])
def test_yaml_1_1_readings_of_numbers_are_refused_with_what_they_mean(tmp_path, capsys, written, reading):
    path = tmp_path / "p.yaml"
    path.write_text(f"inputs:\n  x: {written}\ndefine:\n  y: 2 * x\n")
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert err.splitlines()[0] == f"{path}:2:6: error: '{written}' is read by YAML as {reading}"


@pytest.mark.parametrize("written, value", [("1e-3", 0.001), ("-.5", -0.5), ("+2", 2.0), ("5.", 5.0),
                                            ("010.5", 10.5), ("2E2", 200.0), ('"0.25"', None)])
def test_numbers_a_person_reads_as_numbers_are_read_as_such(tmp_path, capsys, written, value):
    path = tmp_path / "p.yaml"
    path.write_text(f"inputs: {{x: {written}}}\ndefine:\n  y: 2 * x\n")
    code, out, err = run(capsys, "forward", path, "--format", "json")
    if value is None:  # a quoted number is text, refused with the hint to drop the quotes
        assert code == 2 and "(no quotes)" in err
    else:
        assert code == 0 and json.loads(out)["values"]["x"] == value


# --- decimal ties under --round --------------------------------------------------------------------------


def decimal_ties(places: int) -> list[tuple[str, str, Decimal]]:
    """Products and sums of short decimals whose exact value ends in a 5 just past `places`."""
    rng = random.Random(places)
    found = []
    while len(found) < 400:
        a = Decimal(rng.randint(1, 999)).scaleb(-rng.randint(1, 3))
        b = Decimal(rng.randint(1, 999)).scaleb(-rng.randint(1, 3))
        for exact, op in ((a * b, "*"), (a + b, "+"), (a - b, "-")):
            digits = exact.normalize().as_tuple()
            if isinstance(digits.exponent, int) and digits.exponent == -(places + 1) and digits.digits[-1] == 5:
                found.append((str(a), op, str(b)))
    return [(f"{a} {op} {b}", op, Decimal(a) * Decimal(b) if op == "*" else
             Decimal(a) + Decimal(b) if op == "+" else Decimal(a) - Decimal(b)) for a, op, b in found]


@pytest.mark.parametrize("places", [0, 1, 2, 3])
def test_round_half_up_rounds_the_decimal_a_person_computed(places):
    wrong = []
    for text, op, exact in decimal_ties(places):
        a, b = (float(t) for t in text.split(f" {op} "))
        x = a * b if op == "*" else a + b if op == "+" else a - b
        expected = float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
        if round_half_up(x, places) != expected:
            wrong.append((text, x, expected))
    assert wrong == []


def test_round_half_up_beyond_fifteen_digits_rounds_the_float_itself():
    assert round_half_up(1.2345678901234567, 15) == 1.234567890123457
    assert round_half_up(0.30000000000000004, 15) == 0.3
    assert round_half_up(2.5, 0) == 3.0 and round_half_up(-2.5, 0) == -3.0


def test_relu_of_a_tie_rounds_up_through_the_engine(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    lines = {f"z{k}": f"relu({text.replace(' ', '')})" for k, (text, _, _) in enumerate(decimal_ties(2)[:60])}
    lines["first"] = "relu(0.1*0.35)"
    path.write_text("inputs: {one: 1}\ndefine:\n" + "".join(f"  {k}: {v}\n" for k, v in lines.items()))
    code, out, err = run(capsys, "forward", path, "--round", "2", "--format", "json")
    assert code == 0, err
    values = json.loads(out)["values"]
    assert values["first"] == 0.04
    for k, (_, _, exact) in enumerate(decimal_ties(2)[:60]):
        assert values[f"z{k}"] == float(max(exact, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- params made from numbers, the cancellation rule, reduction -------------------------------------------


def test_params_made_from_numbers_can_be_frozen(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("network:\n  inputs: [i1]\n  layers:\n    - {name: h, weights: [[0.5], [0.6]], bias: 0.1}\n"
                    "    - {name: o, weights: [[0.3, 0.4]], bias: 0.2}\nsample: {inputs: [1], targets: [0.5]}\n"
                    "frozen: [b_o, w_o_h1, b_h]\n")
    code, out, err = run(capsys, "step", path, "--format", "json")
    assert code == 0, err
    updated = json.loads(out)["updated"]
    assert set(updated) == {"w_h1_i1", "w_h2_i1", "w_o_h2"}
    path.write_text(path.read_text().replace("b_o,", "b_oo,"))
    code, _, err = run(capsys, "step", path)
    assert code == 2 and "frozen name 'b_oo' is not a param" in err and "did you mean 'b_o'?" in err


def test_the_cancellation_rule_is_the_one_the_docs_state():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    assert "at most 8·2⁻⁵² times the larger operand's (between 8 and 16 units in its last place)" in design
    assert CANCELLED == 8 * 2.0**-52
    for a in (1.0, 1.5, 1.9375, 0.6, 0.1):
        ulp = math.ulp(a)
        limit = 8 * 2.0**-52 * a
        assert cancelled(limit, a, -a) == 0.0  # at the limit: round-off, zero
        assert cancelled(math.nextafter(limit, 1.0), a, -a) != 0.0  # past it: kept
        assert 8 <= limit / ulp < 16  # 8 to 16 units in the last place, as docs/design.md says
    assert cancelled(12 * math.ulp(1.9), 1.9, -1.9) == 0.0  # 12 ulps of 1.9: within the rule


# --- wide and deep problems: no recursion, linear cost --------------------------------------------------


def test_a_neuron_with_a_thousand_inputs(tmp_path):
    n = 1000
    path = tmp_path / "wide.yaml"
    path.write_text("network:\n  inputs: [" + ", ".join(f"i{k}" for k in range(n)) + "]\n  layers:\n"
                    "    - {name: o, weights: [[" + ", ".join(f"0.00{k % 7}" for k in range(n)) + "]], bias: 0.1}\n"
                    "sample: {inputs: [" + ", ".join(f"0.{k % 10}" for k in range(n)) + "], targets: [0.5]}\n")
    problem = bpcalc.load(str(path))
    solution = bpcalc.solve(problem)
    for name in ("w_o_i0", "w_o_i500", "w_o_i999", "b_o", "i3"):
        fd = central_difference(problem, name)
        assert fd_close(solution.gradients[name], fd, scale=abs(fd)), name
    local = {(loc.of, loc.wrt): loc for loc in bpcalc.trace_of(solution, "grad").result.locals}
    assert local["net_o", "w_o_i500"].formula is not None
    assert to_text(local["net_o", "w_o_i500"].formula) == "i500"


def test_twelve_hundred_samples(tmp_path, capsys):
    samples = ", ".join(f"{{inputs: [{k / 1000}], targets: [0.5]}}" for k in range(1200))
    path = tmp_path / "many.yaml"
    path.write_text(f"network:\n  inputs: [x]\n  layers:\n    - {{name: o, weights: [[0.5]]}}\nsamples: [{samples}]\n")
    code, out, err = run(capsys, "grad", path, "--format", "json")
    assert code == 0, err
    local = {(d["of"], d["wrt"]): d for d in json.loads(out)["local"]}
    assert local["loss", "loss[1200]"]["value"] == pytest.approx(1 / 1200)
    assert local["loss", "loss[1200]"]["formula"] is not None


def test_a_derivative_too_large_to_write_is_shown_by_its_value(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("inputs: {x: 1.001}\ndefine:\n  z: " + "*".join(["x"] * 60) + "\n")
    code, out, _ = run(capsys, "grad", path, "--format", "json")
    assert code == 0
    (local,) = json.loads(out)["local"]
    assert local["formula"] is None and local["value"] == pytest.approx(60 * 1.001**59, rel=1e-12)


def test_the_network_size_is_refused_before_any_node_is_built(tmp_path, monkeypatch, capsys):
    built = []
    real_define = network._Lowering.define
    monkeypatch.setattr(network._Lowering, "define", lambda self, *a: (built.append(a[0]), real_define(self, *a)))
    code, _, err = run(capsys, "grad", ROOT / "tests/bad/network_too_many_samples.yaml")
    assert code == 2 and "operations per sample" in err
    assert built == []


def test_yaml_values_are_counted_while_they_are_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(yamldoc, "MAX_VALUES", 1000)
    path = tmp_path / "p.yaml"
    path.write_text("inputs: {x: 1}\nextra: [" + ", ".join(["1"] * 5000) + "]\ndefine:\n  y: x\n")
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert re.match(rf"{re.escape(str(path))}:2:\d+: error: the file holds more than 1,000 values", err)
    column = int(err.split(":")[2])
    assert column < 3 * 1000 + 20  # refused at the 1,001st value (3 characters each), not at the end
