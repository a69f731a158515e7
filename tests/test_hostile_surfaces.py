"""Hostile files on the surfaces that write files and read data (docs/errors.md, "Files from someone
else", "Files bpcalc writes"): the one output policy of every command that writes (bpcalc/outputs.py),
one escaping of outside text per format (bpcalc/markup.py), CSV data read with bounds
(reading/csvdata.py), templates and their kits, Graphviz's budget, gradcheck's kinks.

Each case says what a student's file (or name, or folder) could make bpcalc do, and checks that it
cannot: no data lost, no markup let loose, no exit 70, no unbounded time or memory."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpcalc
from bpcalc import markup
from bpcalc.cli.main import main
from bpcalc.engine.gradcheck import gradient_checks

from helpers import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "bpcalc" / "examples" / "templates" / "blog_homework.yaml"
SMALL = EXAMPLES / "slides_1_1_1.yaml"
#: what a hostile file may cost (the rule of docs/errors.md): CPU seconds, bytes of address space
SECONDS, MEMORY = 10.0, 1 << 30
#: characters no output may carry from a file's name: ESC, BEL, CR, NUL, a bidi override, a line break
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE_NAME = "hw\nround: 1\n\x1b]0;owned\x07\u202e$x^2\\alpha_1$ {a}&<b>\r\n\ny"


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and code != 70, err
    return code, out, err


def bounded(*args: object, cwd: Path | None = None, **kwargs) -> tuple[subprocess.CompletedProcess[str], float]:
    """bpcalc in a process of its own, with at most MEMORY of address space; returns the finished
    process and the CPU seconds it took."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "bpcalc", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd or ROOT, preexec_fn=limit, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert "Traceback" not in done.stderr and done.returncode != 70, done.stderr
    return done, seconds


def snapshot(path: Path) -> tuple[int, int, bytes | None]:
    """A path as it stands: its kind and inode, and a regular file's bytes."""
    st_ = os.lstat(path)
    data = path.read_bytes() if stat.S_ISREG(st_.st_mode) else None
    return st_.st_mode, st_.st_ino, data


# --- one output policy: nothing written through a link, onto a pipe or a device, or over an input ----


def problem_here(tmp_path: Path) -> Path:
    source = tmp_path / "net.yaml"
    source.write_bytes(SMALL.read_bytes())
    return source


#: every way a command writes a file: (its arguments, given the input and the target)
WRITERS = {
    "step -o": lambda src, out: ["step", src, "-o", out],
    "train -o": lambda src, out: ["train", src, "--steps", "2", "-o", out],
    "train --plot": lambda src, out: ["train", src, "--steps", "2", "--plot", out],
    "graph -o": lambda src, out: ["graph", src, "--format", "dot", "-o", out],
    "graph -o svg": lambda src, out: ["graph", src, "--format", "svg", "-o", out],
    "init --force": lambda src, out: ["init", out, "--force"],
}


def plant(kind: str, tmp_path: Path, source: Path, suffix: str) -> tuple[Path, Path]:
    """A target of this kind; returns (the target, the path whose contents must not change)."""
    target = tmp_path / f"target{suffix}"
    if kind == "link to the input":
        target.symlink_to(source)
        return target, source
    if kind == "hard link to the input":
        os.link(source, target)
        return target, source
    if kind == "link to another file":
        other = tmp_path / "other.txt"
        other.write_text("keep me\n")
        target.symlink_to(other)
        return target, other
    if kind == "hard link to another file":
        other = tmp_path / "other.txt"
        other.write_text("keep me\n")
        os.link(other, target)
        return target, other
    if kind == "fifo":
        os.mkfifo(target)
        return target, target
    if kind == "link loop":
        target.symlink_to(tmp_path / f"target{suffix}")
        return target, target
    if kind == "dangling link":
        target.symlink_to(tmp_path / "nowhere" / "x")
        return target, target
    raise AssertionError(kind)


KINDS = ["link to the input", "hard link to the input", "link to another file", "hard link to another file",
         "fifo", "link loop", "dangling link"]


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("kind", KINDS)
def test_no_command_writes_through_a_link_onto_a_pipe_or_over_an_input(tmp_path, capsys, writer, kind):
    if writer == "graph -o svg" and shutil.which("dot") is None:
        pytest.skip("needs Graphviz")
    if writer == "train --plot":
        pytest.importorskip("matplotlib")
    source = problem_here(tmp_path)
    suffix = ".png" if writer == "train --plot" else ".svg" if writer == "graph -o svg" else ".yaml"
    target, kept = plant(kind, tmp_path, source, suffix)
    before = {p: snapshot(p) for p in {target, kept, source}}
    code, out, err = run(capsys, *WRITERS[writer](source, target))
    assert code == 2 and out == "", err
    first = err.splitlines()[0]
    assert first.startswith(f"{target}: error: ") and "None" not in first
    assert err.splitlines()[-1].startswith("hint: ")
    assert {p: snapshot(p) for p in before} == before
    assert not list(tmp_path.glob(".bpcalc-*"))


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_init_force_never_replaces_a_device(capsys, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    before = os.stat(device)
    code, _, err = run(capsys, "init", device, "--force")
    assert code == 2 and "the file to write is a character device, not a regular file" in err
    after = os.stat(device)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_a_plot_through_a_link_to_the_input_leaves_the_input_as_it_was(tmp_path):
    """`ln -s net.yaml loss.png; bpcalc train net.yaml --plot loss.png` made net.yaml a PNG."""
    pytest.importorskip("matplotlib")
    source = problem_here(tmp_path)
    (tmp_path / "loss.png").symlink_to("net.yaml")
    done, _ = bounded("train", "net.yaml", "--steps", "3", "--plot", "loss.png", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("loss.png: error: --plot would overwrite the input file")
    assert source.read_bytes() == SMALL.read_bytes()


def test_a_plot_onto_a_fifo_says_what_it_is(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    source = problem_here(tmp_path)
    os.mkfifo(tmp_path / "curve.png")
    code, _, err = run(capsys, "train", source, "--steps", "2", "--plot", tmp_path / "curve.png")
    assert code == 2
    assert err.splitlines()[0].endswith("--plot names a named pipe (FIFO), not a regular file")


def test_init_force_keeps_an_existing_files_mode_and_a_new_file_follows_the_umask(tmp_path, capsys):
    target = tmp_path / "net.yaml"
    target.write_text("old\n")
    target.chmod(0o644)
    code, _, err = run(capsys, "init", target, "--force")
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and "network:" in target.read_text()
    mask = os.umask(0o027)
    try:
        code, _, err = run(capsys, "init", tmp_path / "new.yaml")
    finally:
        os.umask(mask)
    assert code == 0 and stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o640


def test_init_without_force_leaves_an_existing_file(tmp_path, capsys):
    target = tmp_path / "net.yaml"
    target.write_text("mine\n")
    code, _, err = run(capsys, "init", target)
    assert code == 2 and "exists; bpcalc init does not write over it" in err
    assert target.read_text() == "mine\n"


def test_step_o_keeps_its_files_mode_and_the_written_file_reads_back(tmp_path, capsys):
    source = problem_here(tmp_path)
    target = tmp_path / "next.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    code, _, err = run(capsys, "step", source, "-o", target, "--format", "json")
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert bpcalc.load(str(target)).params != bpcalc.load(str(source)).params


# --- variants: its folder and every file in it -----------------------------------------------------------


def variants(capsys, *args: object) -> tuple[int, str, str]:
    return run(capsys, "variants", *args)


@pytest.mark.parametrize("planted", ["a variant's folder", "a file in a variant's folder", "moodle.xml",
                                     "answers.csv"])
def test_variants_force_never_writes_through_a_link_planted_in_its_folder(tmp_path, capsys, planted):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "key.md").write_text("keep\n")
    folder = tmp_path / "hw"
    folder.mkdir()
    if planted == "a variant's folder":
        (folder / "v01").symlink_to(outside)
    elif planted == "a file in a variant's folder":
        (folder / "v02").mkdir()
        (folder / "v02" / "key.md").symlink_to(outside / "key.md")
    else:
        (folder / planted).symlink_to(outside / "key.md")
    code, out, err = variants(capsys, TEMPLATE, "-n", "2", "-o", folder, "--force")
    assert code == 2 and out == ""
    assert "symbolic link" in err.splitlines()[0] and "never writes through a link" in err
    assert sorted(p.name for p in outside.iterdir()) == ["key.md"] and (outside / "key.md").read_text() == "keep\n"
    written = [name for _, _, names in os.walk(folder) for name in names]  # links are not followed
    assert all(os.path.islink(p) for p in map(str, folder.rglob("*")) if os.path.basename(p) in written)


@pytest.mark.parametrize("where", ["v01/problem.yaml", "moodle.xml", "answers.csv"])
def test_variants_never_overwrite_their_own_template(tmp_path, capsys, monkeypatch, where):
    """`bpcalc variants T -o . --force` could write over T."""
    template = tmp_path / where
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_bytes(TEMPLATE.read_bytes())
    monkeypatch.chdir(tmp_path)
    code, _, err = variants(capsys, where, "-n", "2", "-o", ".", "--force")
    assert code == 2 and "bpcalc variants would overwrite its template" in err
    assert template.read_bytes() == TEMPLATE.read_bytes()


@pytest.mark.parametrize("loop", ["in the folder", "the folder itself", "a variant's folder"])
def test_a_link_loop_in_a_variants_folder_is_one_message(tmp_path, capsys, loop):
    folder = tmp_path / "hw"
    if loop == "the folder itself":
        folder.symlink_to(folder)
    else:
        folder.mkdir()
        name = "v01" if loop == "a variant's folder" else "x"
        (folder / name).symlink_to(folder / name)
    code, out, err = variants(capsys, TEMPLATE, "-n", "2", "-o", folder, "--force")
    if loop == "in the folder":  # not a name the kit writes: no harm, and the kit is made
        assert code == 0, err
        return
    assert code == 2 and out == "" and "symbolic link" in err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_variants_files_are_regular_files_only(tmp_path, capsys, kind):
    folder = tmp_path / "hw"
    folder.mkdir()
    if kind == "fifo":
        os.mkfifo(folder / "moodle.xml")
    else:
        (folder / "v01").mkdir()
        (folder / "v01" / "key.md").symlink_to(os.devnull)
    code, _, err = variants(capsys, TEMPLATE, "-n", "2", "-o", folder, "--force")
    assert code == 2 and ("named pipe (FIFO)" in err or "character device" in err or "symbolic link" in err)


def test_variants_keep_the_mode_of_the_files_they_replace(tmp_path, capsys):
    folder = tmp_path / "hw"
    assert variants(capsys, TEMPLATE, "-n", "2", "-o", folder)[0] == 0
    (folder / "moodle.xml").chmod(0o600)
    assert variants(capsys, TEMPLATE, "-n", "2", "-o", folder, "--force")[0] == 0
    assert stat.S_IMODE((folder / "moodle.xml").stat().st_mode) == 0o600
    assert not list(folder.rglob(".bpcalc-*"))


# --- one escaping of outside text per format ---------------------------------------------------------------


def test_a_templates_name_reaches_no_kit_file_as_markup(tmp_path, capsys):
    """A newline in the name wrote `round: 1` into every problem.yaml; an ESC made moodle.xml not
    well-formed and reached every file raw."""
    template = tmp_path / (HOSTILE_NAME + ".yaml")
    template.write_bytes(TEMPLATE.read_bytes())
    folder = tmp_path / "kit"
    code, out, err = variants(capsys, template, "-n", "2", "-o", folder)
    assert code == 0, err
    assert not HIDDEN.search(out)
    ET.parse(folder / "moodle.xml")  # well-formed
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not HIDDEN.search(text), path
    problem = bpcalc.load(str(folder / "v01" / "problem.yaml"))
    assert problem.round is None  # no `round: 1` line was written
    head = (folder / "v01" / "problem.yaml").read_text().splitlines()[0]
    assert head.startswith("# hw\\nround: 1\\n\\x1b]0;owned\\x07\\u202e")
    for file in ("sheet.md", "key.md"):
        title = (folder / "v01" / file).read_text().splitlines()[0]
        assert title.startswith("## hw\\\\nround: 1") and "\\$x^2" in title


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_a_hostile_name_in_a_latex_title_still_compiles(tmp_path, capsys):
    """A blank line in a name stopped pdflatex; so did ESC, and characters it has no command for."""
    source = tmp_path / (HOSTILE_NAME + " 中.yaml")
    source.write_bytes(SMALL.read_bytes())
    code, out, err = run(capsys, "grad", source, "--format", "latex", "--standalone")
    assert code == 0, err
    (tmp_path / "doc.tex").write_text(out, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize("fmt", ["html", "page", "markdown", "latex"])
def test_a_file_name_reaches_a_title_escaped(tmp_path, capsys, fmt):
    source = tmp_path / (HOSTILE_NAME + "<script>alert(1).yaml")
    source.write_bytes(SMALL.read_bytes())
    code, out, err = run(capsys, "grad", source, "--format", fmt, *(["--standalone"] if fmt == "latex" else []))
    assert code == 0, err
    assert not HIDDEN.search(out) and "\nround: 1" not in out
    if fmt != "latex":  # markup that a browser (or a Markdown viewer) would run
        assert "<script>alert" not in out
    if fmt in ("html", "page"):
        title = re.search(r"<title>(.*?)</title>", out, re.S)
        assert title and "\n" not in title.group(1) and "&lt;script&gt;" in title.group(1)


def test_a_plots_title_is_never_mathtext(tmp_path, capsys):
    """A file name such as `a$\\foo$.yaml` made matplotlib fail (`Unknown symbol`)."""
    pytest.importorskip("matplotlib")
    source = tmp_path / "a$\\sqrt{x}\\foo$ _^{.yaml"
    source.write_bytes(SMALL.read_bytes())
    code, _, err = run(capsys, "train", source, "--steps", "2", "--plot", tmp_path / "curve.png")
    assert code == 0, err
    assert (tmp_path / "curve.png").read_bytes().startswith(b"\x89PNG")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_every_format_escapes_any_text(text):
    for escaped in (markup.html(text), markup.markdown(text), markup.latex(text), markup.yaml_comment(text),
                    markup.xml_text(text), markup.plot_text(text)):
        assert not HIDDEN.search(escaped) and "\n" not in escaped and "\r" not in escaped
    assert not set("<>\"'") & set(markup.html(text).replace("&lt;", "").replace("&gt;", "").replace("&quot;", "")
                                  .replace("&#x27;", ""))
    element = ET.fromstring(f"<a>{markup.xml(text)}</a>")  # parses: nothing XML 1.0 forbids
    assert element.text == markup.xml_text(text) or (element.text is None and markup.xml_text(text) == "")
    latex = markup.latex(text)
    assert not re.search(r"(?<!\\)[#%&_{}~^]", latex.replace("\\textbackslash{}", "").replace(
        "\\textasciitilde{}", "").replace("\\textasciicircum{}", "").replace("\\ldots{}", ""))


# --- CSV data: where from, what, how much --------------------------------------------------------------------

DATA_NET = """\
network:
  inputs: [a]
  layers:
    - {{name: o, activation: sigmoid, weights: [[0.5]]}}
data: {{csv: {csv}, inputs: [a], targets: [t]}}
"""


def data_problem(tmp_path: Path, csv: str) -> Path:
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    path = folder / "net.yaml"
    path.write_text(DATA_NET.format(csv=csv))
    return path


@pytest.mark.parametrize("csv", ["../other/grades.csv", "{tmp}/other/grades.csv", "inside_link.csv",
                                 "/etc/passwd", "/dev/zero", "/dev/stdin", "/proc/self/environ"])
def test_a_problems_data_is_read_only_from_its_folder(tmp_path, csv):
    """`csv: ../other/grades.csv` printed the first line of any readable file in a hint;
    `/dev/zero` read until memory ran out; `/dev/stdin` waited for ever."""
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "grades.csv").write_text("secret_student_42,t\n1,2\n")
    path = data_problem(tmp_path, csv.format(tmp=tmp_path))
    (path.parent / "inside_link.csv").symlink_to(tmp_path / "other" / "grades.csv")
    done, seconds = bounded("grad", path, stdin=subprocess.PIPE)
    assert done.returncode == 2 and "is outside the problem's folder" in done.stderr
    assert "secret" not in done.stderr and "--data" in done.stderr
    assert seconds < SECONDS


def test_the_command_line_may_name_a_csv_file_anywhere(tmp_path, capsys):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "grades.csv").write_text("a,t\n1,0.5\n2,0.25\n")
    path = data_problem(tmp_path, "../other/grades.csv")
    code, out, err = run(capsys, "train", path, "--steps", "2", "--data", tmp_path / "other" / "grades.csv",
                         "--format", "json")
    assert code == 0, err
    code, _, err = run(capsys, "train", SMALL, "--steps", "2", "--data", tmp_path / "other" / "grades.csv")
    assert code == 2 and "--data names the CSV file of a network's `data:`" in err


@pytest.mark.parametrize("encoding, text", [
    ("utf-8", "a,t\r1,0.5\r2,0.25\r"),  # CR-only line ends (a classic Mac export)
    ("utf-8", "a,t\r\n1,0.5\r\n2,0.25\r\n"),
    ("utf-8-sig", "a,t\n1,0.5\n2,0.25\n"),  # a byte-order mark
    ("utf-16", "a\tt\r\n1\t0.5\r\n2\t0.25\r\n"),  # a spreadsheet's "Unicode text"
    ("utf-16-le", "a,t\n1,0.5\n2,0.25\n"),  # UTF-16 without a byte-order mark
    ("utf-32", "a;t\n1;0.5\n2;0.25\n"),
])
def test_csv_line_ends_and_encodings_are_read(tmp_path, capsys, encoding, text):
    path = data_problem(tmp_path, "d.csv")
    (path.parent / "d.csv").write_bytes(text.encode(encoding))
    code, out, err = run(capsys, "train", path, "--steps", "2", "--format", "json")
    assert code == 0, err
    again = data_problem(tmp_path, "plain.csv")
    (again.parent / "plain.csv").write_text("a,t\n1,0.5\n2,0.25\n")
    assert json.loads(out)["updated"] == json.loads(run(capsys, "train", again, "--steps", "2",
                                                            "--format", "json")[1])["updated"]


@pytest.mark.parametrize("content, message", [
    ("a,t\n1," + "1" * 200_000 + "\n", "has a cell of more than 131,072 characters"),
    ("a,t\n" + "1," * 600_000 + "\n", "is longer than 1,048,576 characters"),
    ("a,t\n1,\x002\n", "is not a text file"),
    ("a,t\n1,nan\n", "column 't', is nan; bpcalc needs a finite number"),
    ("a,t\n1,1e400\n", "column 't', is 1e400; bpcalc needs a finite number"),
])
def test_csv_bounds_are_one_message_at_the_line(tmp_path, capsys, content, message):
    path = data_problem(tmp_path, "d.csv")
    (path.parent / "d.csv").write_text(content)
    code, _, err = run(capsys, "train", path, "--steps", "2")
    assert code == 2 and message in err.splitlines()[0], err


def test_csv_not_utf8_says_its_line(tmp_path, capsys):
    path = data_problem(tmp_path, "d.csv")
    (path.parent / "d.csv").write_bytes(b"a,t\n1,0.5\n1,\xe9\n")
    code, _, err = run(capsys, "train", path, "--steps", "2")
    assert code == 2 and "d.csv is not UTF-8 text (byte 0xE9 on line 3)" in err


@pytest.mark.parametrize("shape", ["rows", "blank lines", "one long quoted cell"])
def test_a_60_mb_csv_is_refused_in_little_time_and_memory(tmp_path, shape):
    """A 60 MB CSV was refused, but after a 2.45 GB peak."""
    path = data_problem(tmp_path, "big.csv")
    with open(path.parent / "big.csv", "w") as fh:
        fh.write("a,t\n")
        if shape == "rows":
            fh.write("0.123456789,0.5\n" * 3_750_000)
        elif shape == "blank lines":
            fh.write("\n" * 60_000_000)
        else:
            fh.write('1,"' + "x\n" * 30_000_000 + '"\n')
    done, seconds = bounded("train", path, "--steps", "1")
    assert done.returncode == 2 and "train on a part of the file" in done.stderr
    assert seconds < SECONDS


# --- templates: crashes and messages -------------------------------------------------------------------------

TEMPLATE_LINE = "inputs: {{x: 1}}\nparams: {{{params}}}\ndefine:\n  y: 0.5*(w*x - 0.3)**2\n"


def template(tmp_path: Path, params: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE_LINE.format(params=params))
    return path


@pytest.mark.parametrize("params, message, hint", [
    ("w: {between: [0, 1e308], decimals: 2}", "the high end of `params.w`, '1e308', is too large for a range with 2 "
     "decimals", "so that every number drawn is exact"),
    ("w: {between: [-1e400, 1]}", "the low end of `params.w` is '-1e400', too large for bpcalc's numbers", None),
    ("w: {betwen: [0, 1]}", "unknown key 'betwen' in the range of `params.w`", "did you mean 'between'?"),
    ("w: {one_f: [0.1, 0.2]}", "unknown key 'one_f' in the range of `params.w`", "did you mean 'one_of'?"),
    ("w: {decimals: 2}", "the range of `params.w` has neither `between` nor `one_of`", None),
    ("w: {between: [2, 1]}", "the range of `params.w` holds no number with 2 decimals: [2, 1]", None),
])
def test_a_bad_range_is_one_message_at_its_place(tmp_path, capsys, params, message, hint):
    code, out, err = variants(capsys, template(tmp_path, params), "-n", "2", "-o", tmp_path / "out")
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert re.match(r".*t\.yaml:2:\d+: error: ", first) and first.endswith(message), err
    if hint:
        assert hint in err.splitlines()[-1]
    assert not (tmp_path / "out").exists()


def test_an_alias_of_an_anchored_range_repeats_the_number_drawn(tmp_path, capsys):
    """It was said to refer to 'no anchor', though the anchor is there."""
    path = tmp_path / "t.yaml"
    path.write_text("inputs: {x: 1}\nparams: {w: &r {between: [0.1, 1], decimals: 2}, v: *r}\n"
                    "define:\n  y: 0.5*(w*x + v - 0.3)**2\n")
    code, _, err = variants(capsys, path, "-n", "3", "-o", tmp_path / "out")
    assert code == 0, err
    for k in (1, 2, 3):
        problem = bpcalc.load(str(tmp_path / "out" / f"v0{k}" / "problem.yaml"))
        assert problem.params["w"] == problem.params["v"]
        assert re.search(r"w: &r [0-9.]+, v: \*r", (tmp_path / "out" / f"v0{k}" / "problem.yaml").read_text())


def test_values_are_echoed_as_written_not_as_python(tmp_path, capsys):
    code, _, err = run(capsys, "grad", template(tmp_path, "w: {between: [true, 1]}"))
    assert code == 2
    assert "must be a number, not '{between: [true, 1]}'" in err and "True" not in err


def test_a_naming_collision_points_at_naming(tmp_path, capsys):
    path = tmp_path / "n.yaml"
    path.write_text("network:\n  inputs: [x1]\n  layers:\n    - {name: h, weights: [[0.5]]}\n"
                    "naming: {pre: out, post: out}\nsample: {inputs: [1], targets: [0.5]}\n")
    code, _, err = run(capsys, "grad", path)
    assert code == 2
    assert re.match(r".*n\.yaml:5:\d+: error: the network makes a node 'out_h' from `naming: \{post: …\}`",
                    err.splitlines()[0]), err


# --- budgets: a small file never costs minutes --------------------------------------------------------------


def network_template(path: Path, sizes: tuple[int, ...], activation: str = "sigmoid") -> Path:
    rng = "{between: [-1, 1]}"
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        rows = ", ".join("[" + ", ".join([rng] * n_in) + "]" for _ in range(n_out))
        layers.append(f"    - {{name: l{k}, activation: {activation}, weights: [{rows}]}}")
    path.write_text("network:\n  inputs: [" + ", ".join(f"i{j}" for j in range(sizes[0])) + "]\n  layers:\n"
                    + "\n".join(layers) + "\nsample: {inputs: [" + ", ".join(["0.5"] * sizes[0]) + "], targets: ["
                    + ", ".join(["0.5"] * sizes[-1]) + "]}\n")
    return path


def test_a_small_template_of_a_large_network_is_refused_up_front(tmp_path):
    """A 6 kB template took 310 s and 2.1 GB, and wrote a 414 MB moodle.xml."""
    path = network_template(tmp_path / "t.yaml", (6, 16, 6))
    assert path.stat().st_size < 10_000
    done, seconds = bounded("variants", path, "-o", tmp_path / "out", "--reject", "none")
    assert done.returncode == 2, done.stderr
    assert "bpcalc variants writes at most" in done.stderr and "smaller problem" in done.stderr
    assert seconds < SECONDS and not (tmp_path / "out").exists()


def test_a_kit_too_large_for_its_count_says_how_many_fit(tmp_path, capsys):
    path = network_template(tmp_path / "t.yaml", (3, 4, 3))
    code, out, err = variants(capsys, path, "-n", "300", "-o", tmp_path / "out", "--reject", "none")
    assert code == 2 and out == ""
    assert "bpcalc variants writes at most 64 MiB" in err and re.search(r"--count \d+", err)
    assert not (tmp_path / "out").exists()


def test_a_template_whose_draws_are_all_redrawn_gives_up_in_seconds(tmp_path):
    path = network_template(tmp_path / "t.yaml", (6, 16, 6))
    text = path.read_text().replace("{between: [-1, 1]}", "{between: [4, 5]}")  # every output saturated
    path.write_text(text)
    done, seconds = bounded("variants", path, "-o", tmp_path / "out")
    assert done.returncode == 2 and "no interesting draw" in done.stderr
    assert seconds < SECONDS


def dense_expression(path: Path, lines: int, width: int) -> Path:
    rows = ["inputs: {x: 0.5}", "define:", "  a0: x"]
    rows += [f"  a{k}: " + " + ".join(f"a{j}" for j in range(max(0, k - width), k)) + "*0.1"
             for k in range(1, lines)]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
@pytest.mark.parametrize("lines, width", [(60, 12), (40, 40), (120, 8)])
def test_a_dense_graph_is_refused_before_graphviz_spends_minutes(tmp_path, lines, width):
    """`graph -o dense.svg` on a 3 kB file spent 84 s inside Graphviz."""
    path = dense_expression(tmp_path / "dense.yaml", lines, width)
    assert path.stat().st_size < 10_000
    done, seconds = bounded("graph", path, "-o", tmp_path / "dense.svg")  # dot's time counted too
    assert seconds < SECONDS
    assert done.returncode == 2, done.stderr
    assert "more than Graphviz can draw in a few seconds" in done.stderr
    assert "--only NAME" in done.stderr and "--format dot" in done.stderr and "--format text" in done.stderr
    assert not (tmp_path / "dense.svg").exists()
    done, _ = bounded("graph", path, "--format", "dot", "-o", tmp_path / "dense.dot")  # the way out works
    assert done.returncode == 0 and (tmp_path / "dense.dot").read_text().startswith("// bpcalc graph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_a_graph_under_the_budget_is_drawn(tmp_path):
    path = dense_expression(tmp_path / "mid.yaml", 30, 6)
    done, _ = bounded("graph", path, "-o", tmp_path / "mid.svg")
    assert done.returncode == 0, done.stderr
    assert "<svg" in (tmp_path / "mid.svg").read_text()


# --- gradcheck: kinks from the op table's case conditions, steps that make sense --------------------------------


def checks(text: str, **kwargs) -> dict[tuple[str, str], object]:
    _, report = gradient_checks(bpcalc.loads(text), **kwargs)
    return {(c.output, c.name): c for c in report.checks}


def test_elu_left_of_zero_is_smooth_and_checked():
    """Every gradient was a 'kink' (0 of 0 agree) when an elu had a negative argument upstream."""
    found = checks("inputs: {x: -1}\nparams: {w: 0.5, v: 2}\ndefine:\n  a: elu(x)\n  b: w*a\n  c: v*x\n"
                   "  loss: b + c\n")
    assert all(c.note is None and c.ok for c in found.values()), found


def test_leaky_relu_with_a_named_slope_left_of_zero_is_checked():
    found = checks("inputs: {x: -0.7}\nparams: {s: 0.2, w: 1.5}\ndefine:\n  a: leaky_relu(w*x, s)\n"
                   "  loss: a*a\n")
    assert all(c.note is None and c.ok for c in found.values()), found


def test_a_kink_marks_only_the_outputs_it_reaches():
    found = checks("inputs: {x: 1}\nparams: {w: 1}\ndefine:\n  a: relu(w*x - 1)\n  o1: a + x\n  o2: 3*x + w\n"
                   "output: [o1, o2]\n")
    assert found[("o1", "x")].note == "kink" and found[("o1", "w")].note == "kink"
    assert found[("o2", "x")].note is None and found[("o2", "x")].ok
    assert found[("o2", "w")].note is None and found[("o2", "w")].ok


@pytest.mark.parametrize("fn", ["relu(x)", "abs(x)", "max(x, 0)", "leaky_relu(x, 0.3)", "elu(x, 2)"])
def test_a_real_kink_is_still_found(fn):
    found = checks(f"inputs: {{x: 0}}\ndefine:\n  y: {fn}\n")
    assert found[("y", "x")].note == "kink"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["elu({})", "leaky_relu({}, 0.2)", "elu({}, 0.5)", "relu({})", "abs({})"]),
       st.floats(min_value=-3, max_value=3).filter(lambda v: abs(v) > 1e-3))
def test_away_from_its_kink_a_function_is_checked(fn, x):
    found = checks(f"inputs: {{x: {x!r}}}\nparams: {{w: 1.0}}\ndefine:\n  y: {fn.format('w*x')}\n  z: y*y\n")
    assert all(c.note is None for c in found.values()), found


@pytest.mark.parametrize("eps", ["1e-320", "1e300", "0", "-1", "nan", "inf", "1e400"])
def test_gradcheck_eps_outside_its_range_is_one_message(capsys, eps):
    code, out, err = run(capsys, "gradcheck", SMALL, "--eps", eps)
    assert code == 2 and out == ""
    assert err.splitlines()[0] == f"error: --eps must be a number from 1e-12 to 1, not {eps}"


def test_gradcheck_never_prints_nan(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("inputs: {x: 0.0000001}\nparams: {w: 1}\ndefine:\n  y: log(w*x)\n")
    code, out, err = run(capsys, "gradcheck", path, "--eps", "1", "--format", "text")
    assert code == 0, err
    assert "nan" not in out and "domain: the forward pass cannot be computed" in out
    found = checks(path.read_text(), eps=1e-320)  # through the API: no ZeroDivisionError either
    assert all(c.note == "domain" or c.ok is not None for c in found.values())


@pytest.mark.parametrize("args", [["variants", TEMPLATE, "--count", "9" * 5000],
                                  ["train", SMALL, "--steps", "9" * 5000],
                                  ["gradcheck", SMALL, "--eps", "1" + "0" * 5000]])
def test_a_number_too_long_for_python_on_the_command_line_is_one_message(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "", err
    assert len(err.splitlines()[0]) < 500 and "characters)" in err.splitlines()[0]
