"""The console script's fast path (bpcalc.fastpath) prints exactly what the typer command line does,
and hands everything it does not handle (help, version, -o, stdin, bad values, errors) to it."""

from __future__ import annotations

import pytest

from bpcalc import cli, fastpath
from helpers import EXAMPLES

FILES = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
OPTIONS = [
    [],
    ["--format", "json"],
    ["--format", "text", "--round", "2"],
    ["-f", "JSON", "--digits", "5", "--lr", "0.1"],
    ["--format=markdown", "--ascii", "--max-paths", "1"],
    ["--format", "latex", "--standalone", "--only", "w_o,w1"],
    ["--format", "html", "--round=3"],
]


def both(capsys, args):
    fast = fastpath.main(list(args))
    fast_out = capsys.readouterr()
    full = cli.main(list(args))
    full_out = capsys.readouterr()
    return (fast, fast_out.out, fast_out.err), (full, full_out.out, full_out.err)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("command", ["forward", "grad", "step"])
def test_fast_path_prints_what_the_full_command_line_prints(capsys, command, options):
    for file in FILES:
        args = [command, file, *options]
        assert fastpath.parse(args) is not None, args  # these are all handled by the fast path
        fast, full = both(capsys, args)
        assert fast == full, args
        assert fast[0] == 0 or "--only" in options  # --only names absent from a file: an error


@pytest.mark.parametrize("args", [
    [], ["--help"], ["--version"], ["step", "--help"], ["step", "-"], ["step", "f.yaml", "-o", "x.yaml"],
    ["step", "f.yaml", "--round", "16"], ["step", "f.yaml", "--round", "-1"], ["step", "f.yaml", "--lr", "0"],
    ["step", "f.yaml", "--lr", "nan"], ["step", "f.yaml", "--digits", "0"], ["step", "f.yaml", "--format", "pdf"],
    ["step", "f.yaml", "--round", "2", "--round", "3"], ["step", "f.yaml", "g.yaml"], ["step"],
    ["step", "f.yaml", "--ascii=1"], ["step", "f.yaml", "--unknown"], ["train", "f.yaml"],
    ["step", "f.yaml", "--round"], ["step", "f.yaml", "--"], ["step", "f.yaml", "--max-paths", "0"],
])
def test_everything_else_goes_to_the_full_command_line(args):
    assert fastpath.parse(args) is None


@pytest.mark.parametrize("args", [
    ["step", "no/such/file.yaml"],
    ["grad", str(EXAMPLES.parent / "pyproject.toml")],
    ["step", str(EXAMPLES / "seed003_expression.yaml"), "--lr", "1e400"],
    ["--debug", "step", "no/such/file.yaml", "--format", "json"],
])
def test_errors_are_reported_by_the_full_command_line(capsys, args):
    fast, full = both(capsys, args)
    assert fast == full
    assert fast[0] == 2 and fast[1] == ""


@pytest.mark.parametrize("tty", [True, False])
@pytest.mark.parametrize("no_color", [None, "1"])
def test_default_format_is_rich_on_a_terminal_and_text_otherwise(monkeypatch, tty, no_color):
    monkeypatch.setattr("sys.stdout.isatty", lambda: tty)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert fastpath.format_name(None) == ("rich" if tty and not no_color else "text")
    assert fastpath.format_name("json") == fastpath.format_name(cli.Format.json) == "json"
