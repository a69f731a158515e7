"""The two command lines made from one option table — the fast start (no typer) and the typer app —
print exactly the same; values are checked by the same functions on both; every job runs once."""

from __future__ import annotations

import pytest

from bpcalc.cli import options
from bpcalc.cli.app import run_app
from bpcalc.cli.environment import current, width_of
from bpcalc.cli.main import main

from helpers import EXAMPLES

FILES = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
OPTIONS = [
    [],
    ["--format", "json"],
    ["--format", "text", "--round", "2"],
    ["-f", "JSON", "--digits", "5", "--lr", "0.1"],
    ["--format=markdown", "--max-paths", "1"],
    ["--format=text", "--ascii", "--width", "60"],
    ["--format", "latex", "--standalone", "--only", "w_o,w1"],
    ["--format", "html", "--round=3"],
]


def both(capsys, args):
    fast = main(list(args))
    fast_out = capsys.readouterr()
    full = run_app(list(args), debug=False)
    full_out = capsys.readouterr()
    return (fast, fast_out.out, fast_out.err), (full, full_out.out, full_out.err)


@pytest.mark.parametrize("options_", OPTIONS)
@pytest.mark.parametrize("command", ["forward", "grad", "step"])
def test_fast_start_prints_what_the_typer_app_prints(capsys, command, options_):
    for file in FILES:
        args = [command, file, *options_]
        assert options.parse(args) is not None, args  # these are all run by the fast start
        fast, full = both(capsys, args)
        assert fast == full, args
        assert fast[0] == 0 or "--only" in options_  # --only names absent from a file: an error


@pytest.mark.parametrize("args", [
    ["--help"], ["--version"], ["step", "--help"], ["step", "f.yaml", "--round", "2", "--round", "3"],
    ["step", "f.yaml", "g.yaml"], ["step", "f.yaml", "--ascii=1"], ["step", "f.yaml", "--unknown"],
    ["no-such-command", "f.yaml"], ["step", "f.yaml", "--round"],
])
def test_what_is_not_a_plain_invocation_goes_to_the_typer_app(args):
    assert options.parse(args) is None
    # (`bpcalc` alone and a command without FILE are the fast start's: tests/test_course.py)


@pytest.mark.parametrize("args,message", [
    (["step", "f.yaml", "--round", "16"], "--round must be a whole number from 0 to 15, not 16"),
    (["step", "f.yaml", "--round", "-1"], "--round must be a whole number from 0 to 15, not -1"),
    (["step", "f.yaml", "--lr", "0"], "--lr must be a positive number, not 0"),
    (["step", "f.yaml", "--lr", "nan"], "--lr must be a positive number, not nan"),
    (["step", "f.yaml", "--digits", "0"], "--digits must be a whole number from 1 to 17, not 0"),
    (["step", "f.yaml", "--format", "pdf"], "--format must be one of rich, text, markdown, latex, json, html, "
                                            "page, not 'pdf'"),
    (["step", "f.yaml", "--max-paths", "0"], "--max-paths must be a whole number from 1 to 100, not 0"),
    (["step", "f.yaml", "--max-paths", "1048576"], "--max-paths must be a whole number from 1 to 100, not 1048576"),
])
def test_a_bad_value_gets_one_plain_message_on_both_paths(capsys, args, message):
    fast, full = both(capsys, args)
    assert fast == full
    assert fast[0] == 2 and fast[1] == ""
    assert fast[2].splitlines()[0] == f"error: {message}"
    assert "Value error" not in fast[2] and "Input should" not in fast[2]


@pytest.mark.parametrize("args", [
    ["step", "no/such/file.yaml"],
    ["grad", str(EXAMPLES.parent / "pyproject.toml")],
    ["step", str(EXAMPLES / "slides_1_1_1.yaml"), "--lr", "1e400"],
    ["--debug", "step", "no/such/file.yaml", "--format", "json"],
])
def test_errors_read_the_same_on_both_paths(capsys, args):
    fast, full = both(capsys, args)
    assert fast == full
    assert fast[0] == 2 and fast[1] == ""


def test_a_user_error_is_reported_without_running_the_job_again(monkeypatch, capsys, tmp_path):
    import bpcalc.reading

    calls = []
    real = bpcalc.reading.load

    def counting(*a, **k):
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr(bpcalc.reading, "load", counting)
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: {x: 1}\ndefine:\n  y: sigmod(x)\n")
    assert main(["grad", str(bad)]) == 2
    assert len(calls) == 1
    assert "unknown function 'sigmod'" in capsys.readouterr().err


@pytest.mark.parametrize("tty", [True, False])
@pytest.mark.parametrize("no_color", [None, "1"])
def test_default_format_is_rich_on_a_terminal_and_text_otherwise(monkeypatch, tty, no_color):
    monkeypatch.setattr("sys.stdout.isatty", lambda: tty)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    env = current()
    assert env.format(None) == ("rich" if tty and not no_color else "text")
    assert env.format("json") == "json"


@pytest.mark.parametrize("columns,width", [("100", 100), ("20", 20), ("1000", 1000), ("19", None), ("1001", None),
                                           ("²", None), ("99999999999999999999999", None), ("1000000000", None),
                                           ("", None), (" 80", None), ("-5", None), ("٨٠", None)])
def test_columns_is_a_width_only_as_width_would_take_it(columns, width):
    assert width_of(columns) == width


@pytest.mark.parametrize("columns", ["²", "99999999999999999999999", "1000000000", "abc"])
def test_a_columns_that_is_no_width_leaves_the_default(monkeypatch, capsys, columns):
    monkeypatch.setenv("COLUMNS", columns)
    for command in (["graph", "example:blog_2_2_2"], ["grad", "example:apples"]):
        assert main([*command, "--format", "text"]) == 0
        out = capsys.readouterr().out
        assert max(map(len, out.splitlines())) <= 80
