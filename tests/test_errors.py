"""Bad input that is not a file's content (missing, a folder, unreadable, `-o` targets, options),
the safety guarantees, and the exit codes for Ctrl-C and internal errors (docs/errors.md)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bpcalc
from bpcalc import engine, outputs
from bpcalc.cli import exits
from bpcalc.cli.main import main
from bpcalc.errors import InputError, Span
from bpcalc.reading import yamldoc

ROOT = Path(__file__).parent.parent
GOOD = """\
inputs: {x: 1, y: 0.8}
params: {w: 0.2, b: 0.1}   # comment kept by -o
define:
  z: w * x + b
  loss: 0.5 * (y - z)**2
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err or "--debug" in argv
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- files that cannot be read ----------------------------------------------------------------------


def test_missing_file(tmp_path: Path, capsys):
    path = tmp_path / "nope.yaml"
    code, _, err = run(["grad", str(path)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{path}: error: no such file: {path}"
    assert "hint: check the path" in err


def test_a_directory(tmp_path: Path, capsys):
    code, _, err = run(["grad", str(tmp_path)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{tmp_path}: error: {tmp_path} is a directory, not a file"


def test_unreadable_file_simulated(good: Path, monkeypatch, capsys):
    """Tests run as root, who can read a chmod 000 file; so the refusal is simulated."""
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(yamldoc, "open", denied, raising=False)
    code, _, err = run(["grad", str(good)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{good}: error: cannot read {good}: Permission denied"
    assert "hint: check the file's permissions" in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads chmod 000 files")
def test_unreadable_file_for_real(good: Path, capsys):
    good.chmod(0)
    try:
        code, _, err = run(["grad", str(good)], capsys)
    finally:
        good.chmod(0o644)
    assert code == 2
    assert err.splitlines()[0] == f"{good}: error: cannot read {good}: Permission denied"


def test_file_too_large(good: Path, monkeypatch, capsys):
    monkeypatch.setattr(yamldoc, "MAX_FILE_BYTES", 100)
    code, _, err = run(["grad", str(good)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{good}: error: the file is larger than 100 bytes"


def test_bad_standard_input_names_stdin_and_shows_the_line(monkeypatch, capsys):
    text = "inputs: {x: 1}\ndefine:\n  z: sigmod(x)\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, _, err = run(["grad", "-"], capsys)
    assert code == 2
    assert err.splitlines() == [
        "<stdin>:3:6: error: unknown function 'sigmod'",
        "    z: sigmod(x)",
        "       ^^^^^^",
        "hint: did you mean 'sigmoid'?",
    ]


# --- the message layout -----------------------------------------------------------------------------


def test_caret_under_a_name_inside_a_folded_expression(tmp_path: Path, capsys):
    path = tmp_path / "f.yaml"
    path.write_text("inputs: {x: 1, t: 2}\ndefine:\n  loss: 0.5 * (t - x)**2\n    + 0.5 * (t - y)**2\n")
    code, _, err = run(["grad", str(path)], capsys)
    assert code == 2
    assert err.splitlines()[:3] == [
        f"{path}:4:18: error: 'y' is not defined",
        "      + 0.5 * (t - y)**2",
        "                   ^",
    ]


def test_caret_in_a_block_scalar(tmp_path: Path, capsys):
    path = tmp_path / "f.yaml"
    path.write_text("inputs: {x: 1}\ndefine:\n  z: >\n    2 * x +\n    cosh(x)\n")
    code, _, err = run(["grad", str(path)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{path}:5:5: error: unknown function 'cosh'"


def test_caret_lines_up_after_wide_characters():
    yamldoc.SOURCES["wide.yaml"] = "inputs: {x: 1}\ndefine: {z: 2 * x}  # 权重\n名字: q\n"
    err = InputError("unknown key", Span("wide.yaml", 3, 5, 1), None)
    lines = exits.format_error(err).splitlines()
    # a CJK character takes two columns on a terminal: the caret sits under the q
    assert lines[1:] == ["  名字: q", "  " + " " * 6 + "^"]


def test_a_very_long_line_is_cut_around_the_error(tmp_path: Path, capsys):
    path = tmp_path / "f.yaml"
    expr = " + ".join(["a_rather_long_name"] * 30) + " + qq + " + " + ".join(["a_rather_long_name"] * 30)
    path.write_text(f"inputs: {{a_rather_long_name: 1}}\ndefine:\n  z: {expr}\n")
    code, _, err = run(["grad", str(path)], capsys)
    assert code == 2
    first, shown, caret = err.splitlines()[:3]
    assert first == f"{path}:3:{6 + expr.index('qq')}: error: 'qq' is not defined"
    assert len(shown) < 110 and shown.strip().startswith("…") and shown.endswith("…")
    assert shown[caret.index("^"):caret.index("^") + 2] == "qq"


# --- options and -o ----------------------------------------------------------------------------------


def test_exponent_numbers_are_numbers(tmp_path: Path, capsys):
    """YAML 1.1 reads a plain 1e-3 as text; bpcalc reads it as the number every student means."""
    path = tmp_path / "f.yaml"
    path.write_text("inputs: {x: 1e-3, y: 2E2}\nparams: {w: -5e-1}\ndefine:\n  z: w * x + y\n")
    code, out, _ = run(["forward", str(path), "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["values"]["z"] == pytest.approx(-0.5 * 0.001 + 200)


@pytest.mark.parametrize("n", [101, 500])
def test_very_long_chains_are_refused_not_crashed_on(tmp_path: Path, capsys, n: int):
    path = tmp_path / "f.yaml"
    path.write_text("inputs: {x: 1}\ndefine:\n  z: " + " + ".join(["x"] * n) + "\n")
    code, _, err = run(["grad", str(path), "--format", "json"], capsys)
    assert code == 2
    assert "the expression is too long" in err.splitlines()[0]


@pytest.mark.parametrize("lr", ["0", "-0.5", "nan", "inf"])
def test_bad_learning_rate(good: Path, lr: str, capsys):
    code, out, err = run(["step", str(good), "--lr", lr], capsys)
    assert code == 2
    assert err.splitlines()[0].startswith("error: --lr must be a positive number, not ")
    assert out == ""


def test_output_into_a_missing_folder(good: Path, tmp_path: Path, capsys):
    target = tmp_path / "missing" / "next.yaml"
    code, out, err = run(["step", str(good), "-o", str(target)], capsys)
    assert code == 2
    assert err.splitlines()[0] == (f"{target}: error: cannot write the updated file: "
                                   f"the folder {target.parent} does not exist")
    assert out == ""  # refused before any work is printed
    assert not target.parent.exists()


def test_output_onto_the_input(good: Path, capsys):
    before = digest(good)
    code, _, err = run(["step", str(good), "-o", str(good)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{good}: error: -o would overwrite the input file"
    assert digest(good) == before


def test_output_onto_the_input_through_a_link(good: Path, tmp_path: Path, capsys):
    link = tmp_path / "link.yaml"
    link.symlink_to(good)
    before = digest(good)
    code, _, err = run(["step", str(good), "-o", str(link)], capsys)
    assert code == 2
    assert "would overwrite the input file" in err.splitlines()[0]
    assert digest(good) == before


def test_output_onto_a_folder(good: Path, tmp_path: Path, capsys):
    code, _, err = run(["step", str(good), "-o", str(tmp_path)], capsys)
    assert code == 2
    assert err.splitlines()[0] == f"{tmp_path}: error: -o names a folder, not a file"


def test_output_is_written_whole_and_leaves_no_temporary_file(good: Path, tmp_path: Path, capsys):
    target = tmp_path / "next.yaml"
    code, _, _ = run(["step", str(good), "-o", str(target), "--lr", "0.5"], capsys)
    assert code == 0
    # w ← w − η·(z − y)·x with z = 0.3: 0.2 − 0.5·(−0.5)·1 = 0.45; b likewise 0.1 + 0.25 = 0.35
    text = target.read_text()
    assert re.search(r"w: 0\.45\b", text) and re.search(r"b: 0\.35\b", text)
    assert "# comment kept by -o" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml", "next.yaml"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_interrupted_write_keeps_the_old_file_and_no_temporary(good: Path, tmp_path: Path,
                                                               monkeypatch, capsys, failure):
    target = tmp_path / "next.yaml"
    target.write_text("old: content\n")

    def fail(src, dst, **kwargs):
        raise failure

    monkeypatch.setattr(outputs.os, "replace", fail)
    code, _, err = run(["step", str(good), "-o", str(target)], capsys)
    if isinstance(failure, KeyboardInterrupt):
        assert code == 130 and err.endswith("interrupted\n")
    else:
        assert code == 2
        assert err.splitlines()[0] == f"{target}: error: cannot write the updated file: No space left on device"
    assert target.read_text() == "old: content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.yaml", "next.yaml"]


# --- exit codes for Ctrl-C and for bugs ------------------------------------------------------------------


def test_ctrl_c_exits_130_without_a_traceback(good: Path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "solve", interrupted)
    code, _, err = run(["grad", str(good)], capsys)
    assert code == 130
    assert err == "interrupted\n"


def test_ctrl_c_in_a_real_process(tmp_path: Path):
    """SIGINT while bpcalc waits for standard input: exit 130, no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "grad", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    time.sleep(1.0)  # let it start and block on the read
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    proc.stdin.close()
    assert proc.returncode == 130, err
    assert b"Traceback" not in out + err


def test_internal_error_is_one_line_and_exit_70(good: Path, monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(engine, "solve", bug)
    code, out, err = run(["grad", str(good)], capsys)
    assert code == 70
    assert err.count("\n") == 1 and err.startswith("bpcalc: internal error")
    assert "--debug" in err and "Traceback" not in err


def test_debug_shows_the_traceback_of_an_internal_error(good: Path, monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(engine, "solve", bug)
    code, _, err = run(["--debug", "grad", str(good)], capsys)
    assert code == 70
    assert "Traceback" in err and "ZeroDivisionError: a bug" in err


def test_bad_input_still_exits_2_with_debug(tmp_path: Path, capsys):
    path = tmp_path / "f.yaml"
    path.write_text("inputs: {x: 1}\ndefine:\n  z: 2 * q\n")
    code, _, err = run(["--debug", "grad", str(path)], capsys)
    assert code == 2 and "Traceback" not in err


# --- safety -------------------------------------------------------------------------------------------------


def test_the_package_calls_exec_in_one_place_only():
    # ops/kernels.py compiles source bpcalc writes (the op table's kernels, the engine's loops); that source is
    # checked to hold nothing a user wrote in tests/test_ops_table.py.  Nothing else may eval, exec
    # or compile anything.
    calls = re.compile(r"(?<![\w.])(eval|exec|compile|__import__)\s*\(")
    found = []
    for source in (ROOT / "bpcalc").rglob("*.py"):
        for line in source.read_text().splitlines():
            code = line.split("#", 1)[0]
            if calls.search(code):
                found.append((source.relative_to(ROOT).as_posix(), code.strip()))
    assert found == [("bpcalc/ops/kernels.py",
                      'exec(compile(source, f"<bpcalc {label} {len(SOURCES)}>", "exec"), scope)')]


def test_yaml_is_never_loaded_with_a_full_loader():
    unsafe = re.compile(r"yaml\.(load|full_load|unsafe_load)\(|Loader=yaml\.(Loader|FullLoader|UnsafeLoader)\b"
                        r"|typ=[\"'](unsafe|full)")
    for source in (ROOT / "bpcalc").rglob("*.py"):
        assert not unsafe.search(source.read_text()), source.name


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path, capsys):
    path = tmp_path / "bomb.yaml"
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 20):  # 10**20 values once expanded
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    code, _, err = run(["grad", str(path)], capsys)
    assert code == 2 and "would expand to more than" in err
    assert time.perf_counter() - start < 2.0


def test_no_command_modifies_a_good_input(good: Path, tmp_path: Path, capsys):
    before = digest(good)
    for argv in (["forward", str(good)], ["grad", str(good)], ["step", str(good)],
                 ["step", str(good), "-o", str(tmp_path / "next.yaml")]):
        code, _, _ = run(argv, capsys)
        assert code == 0
    assert digest(good) == before


def test_each_declared_name_knows_where_its_key_is():
    """Problem.spans: the key that declares each name (an overflowing update points there), kept
    as places once the document is freed."""
    for w in ("0.5", "*h"):  # without aliases, and with one (each key then looked up through them)
        text = f"inputs: {{x: 1, t: &h 0.5}}\nparams:\n  w: {w}\n  b: 0.1\ndefine:\n  z: w*x + b\n  e: (z - t)**2\n"
        p = bpcalc.loads(text, "f.yaml")
        where = {name: (p.spans[name].file, p.spans[name].line, p.spans[name].column) for name in p.spans}
        assert where == {"x": ("f.yaml", 1, 10), "t": ("f.yaml", 1, 16), "w": ("f.yaml", 3, 3),
                         "b": ("f.yaml", 4, 3), "z": ("f.yaml", 6, 3), "e": ("f.yaml", 7, 3)}, w
