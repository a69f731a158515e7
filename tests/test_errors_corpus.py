"""Every file under tests/bad/ is wrong in one way, which its header says:

    # bad: what is wrong
    # expect: LINE:COL: error: the first line bpcalc must print (after the file name)
    # hint: text the hint line must contain           (optional)
    # args: the command and options to run it with  (optional; default `grad`)

Each must give exit code 2, exactly that first line, no traceback, no character that a terminal
would act on or hide (control characters, escape sequences, bidi controls), and leave the file
unchanged.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bpcalc.cli.main import main

BAD = Path(__file__).parent / "bad"
#: what must never reach the terminal: C0 and C1 controls but the newline, DEL, and the invisible
#: and bidi format characters
HIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
FILES = sorted(BAD.glob("*.yaml"))


def header(path: Path) -> dict[str, str]:
    fields = {}
    for raw in path.read_bytes().split(b"\n"):
        line = raw.decode("utf-8", "replace")
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(": ")
        fields[key] = value
    return fields


def expected_first_line(path: Path, expect: str) -> str:
    return expect if expect.startswith("error:") else f"{path}:{expect}"


def argv_for(path: Path, fields: dict[str, str]) -> list[str]:
    command, *options = fields.get("args", "grad").split()
    return [command, str(path), *options]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_corpus_is_there():
    assert len(FILES) >= 95
    for path in FILES:
        fields = header(path)
        assert "bad" in fields and "expect" in fields, f"{path.name} lacks its header"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bad_file(path: Path, capsys: pytest.CaptureFixture[str]):
    fields = header(path)
    before = digest(path)
    code = main(argv_for(path, fields))
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.splitlines()[0] == expected_first_line(path, fields["expect"])
    if "hint" in fields:
        hints = [line for line in err.splitlines() if line.startswith("hint: ")]
        assert len(hints) == 1 and fields["hint"] in hints[0], err
    assert "Traceback" not in err + out
    assert not HIDDEN.search(err), repr(err)
    assert digest(path) == before


@pytest.mark.parametrize("name", ["expr_injection", "python_tag", "alias_bomb", "binary",
                                  "math_division_by_zero", "unknown_function_multiline",
                                  "escape_sequence_key", "control_character", "huge_integer"])
def test_bad_file_in_a_real_process(name: str, tmp_path: Path):
    """The installed entry point, not just main(): no traceback leaks, nothing runs."""
    path = BAD / f"{name}.yaml"
    fields = header(path)
    before = digest(path)
    run = subprocess.run([sys.executable, "-m", "bpcalc", *argv_for(path, fields)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines()[0] == expected_first_line(path, fields["expect"])
    assert "Traceback" not in run.stderr + run.stdout
    assert not HIDDEN.search(run.stderr), repr(run.stderr)
    assert not (tmp_path / "PWNED").exists()  # what the injection attempts would create
    assert digest(path) == before
