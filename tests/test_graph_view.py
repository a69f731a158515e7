"""`bpcalc graph`: the graph with every value and gradient on it — in the terminal, as Graphviz
DOT (parsed back here by a small reader of its own), and as pictures drawn by Graphviz's `dot`.

Numbers are checked against seed 000's published ones and against the engine's solution; the
drawing's shape against the graph (every node below the nodes it uses; the backward order is
reverse topological); escaping against names no file could hold.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bpcalc
from bpcalc.cli.main import main
from bpcalc.expr import Bin, Name, Num
from bpcalc.problem import Line, Problem
from bpcalc.render.dot import render_dot
from bpcalc.render.printers import Printer
from bpcalc.render.tree import MAX_ROWS, draw, plain
from bpcalc.trace.graph import graph_view

from helpers import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
SEED000 = str(EXAMPLES / "apples.yaml")
SEED002 = str(EXAMPLES / "blog_2_2_2.yaml")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NO_DOT = "Graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it)"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason=NO_DOT)


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- a small DOT reader: statements `ID [attrs];` and `ID -> ID [attrs];` -----------------------------


def _attrs(text: str, i: int) -> tuple[dict[str, str], int]:
    """Attributes from text[i] == '[' to its ']': values quoted, <HTML> (nested) or bare."""
    assert text[i] == "["
    i += 1
    attrs: dict[str, str] = {}
    while True:
        while text[i] in " ,;\n":
            i += 1
        if text[i] == "]":
            return attrs, i + 1
        key = re.match(r"[A-Za-z_-]+", text[i:]).group()
        i += len(key)
        assert text[i] == "=", text[i:i + 20]
        i += 1
        if text[i] == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            attrs[key], i = text[i + 1:j].replace('\\"', '"').replace("\\\\", "\\"), j + 1
        elif text[i] == "<":
            depth, j = 0, i
            while True:
                depth += {"<": 1, ">": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            attrs[key], i = text[i + 1:j - 1], j
        else:
            value = re.match(r"[^,\]\s]+", text[i:]).group()
            attrs[key], i = value, i + len(value)


def read_dot(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]], list[list[str]]]:
    """(nodes id -> attrs, edges (tail, head, attrs), rank=same groups) of our DOT."""
    body = text[text.index("{") + 1: text.rindex("}")]
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    ranks: list[list[str]] = []
    orders: list[list[str]] = []
    i = 0
    ident = r'"((?:[^"\\]|\\.)*)"'
    while i < len(body):
        if body[i] in " \n;":
            i += 1
            continue
        if body.startswith("{ rank=same;", i):
            j = body.index("}", i)
            ranks.append(re.findall(ident, body[i:j]))
            i = j + 1
            continue
        m = re.match(r"(graph|node|edge) ", body[i:])
        if m:
            _, i = _attrs(body, i + len(m.group()))
            continue
        m = re.match(ident + r"((?: -> " + ident + r")*) ", body[i:])
        assert m, body[i:i + 60]
        attrs, i = _attrs(body, i + len(m.group()))
        chain = [m.group(1), *re.findall(ident, m.group(2))]
        if len(chain) == 1:
            nodes[m.group(1)] = attrs
        elif attrs.get("style") == "invis":  # a column's order, not an edge of the graph
            orders.append(chain)
        else:
            edges.extend((a, b, attrs) for a, b in zip(chain, chain[1:]))
    for order in orders:  # each column's order is its rank's
        assert order in ranks, (order, ranks)
    return nodes, edges, ranks


def label_lines(label: str) -> list[str]:
    """An HTML-like label as its lines of text (tags dropped, entities decoded)."""
    rows = [row for row in re.split(r"</td></tr>|<br/>", label) if re.sub(r"<[^>]+>", "", row)]
    return [html.unescape(re.sub(r"<[^>]+>", "", row)) for row in rows]


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def parsed_nodes(dot: str) -> dict[str, dict]:
    """name -> {value, gradients {output: value}, kind line} read from the labels alone."""
    nodes, _, _ = read_dot(dot)
    found = {}
    for attrs in nodes.values():
        lines = label_lines(attrs["label"])
        name = re.sub(r"^#\d+\s+", "", lines[0])
        value = re.fullmatch(r"value (\S+)(?: \(.*\))?", lines[2]).group(1)
        gradients = {}
        for line in lines[3:]:
            m = re.fullmatch(r"∂(.+)/∂(.+) = (\S+)", line)
            assert m and m.group(2) == name, line
            gradients[m.group(1)] = number(m.group(3))
        found[name] = {"value": number(value), "gradients": gradients, "what": lines[1], "attrs": attrs}
    return found


# --- DOT -------------------------------------------------------------------------------------------------


def test_seed000_dot_has_every_published_number(capsys):
    code, out, err = run(capsys, "graph", SEED000, "--format", "dot")
    assert code == 0, err
    nodes = parsed_nodes(out)
    assert set(nodes) == {"apple", "apple_count", "orange", "orange_count", "tax", "apple_total",
                          "orange_total", "subtotal", "pay"}
    values = {"apple": 10, "apple_count": 2, "orange": 15, "orange_count": 3, "tax": 1.1, "apple_total": 20,
              "orange_total": 45, "subtotal": 65, "pay": 71.5}
    gradients = {"apple": 2.2, "apple_count": 11, "orange": 3.3, "orange_count": 16.5, "tax": 65,
                 "apple_total": 1.1, "orange_total": 1.1, "subtotal": 1.1, "pay": 1}  # the slides'
    for name, node in nodes.items():
        assert node["value"] == values[name] and node["gradients"] == {"pay": gradients[name]}, name
    _, edges, _ = read_dot(out)
    local = {(t, h): number(a["label"]) for t, h, a in edges}
    # × passes the upstream gradient times the other input; + passes it through
    assert local == {("apple", "apple_total"): 2, ("apple_count", "apple_total"): 10,
                     ("orange", "orange_total"): 3, ("orange_count", "orange_total"): 15,
                     ("apple_total", "subtotal"): 1, ("orange_total", "subtotal"): 1,
                     ("subtotal", "pay"): 1.1, ("tax", "pay"): 65}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_dot_holds_the_solution(capsys, path):
    code, out, err = run(capsys, "graph", str(path), "--format", "dot", "--digits", "17")
    assert code == 0, err
    sol = bpcalc.solve(bpcalc.load(str(path)))
    nodes = parsed_nodes(out)
    assert set(nodes) == set(sol.values)
    for name, node in nodes.items():
        assert node["value"] == sol.values[name] and node["gradients"] == {sol.output: sol.gradients[name]}
    _, edges, _ = read_dot(out)
    assert sorted((t, h, number(a["label"])) for t, h, a in edges) == sorted(
        (u, line, d) for line, uses in sol.local.items() for u, d in uses)


def test_network_layers_share_a_column_and_kinds_look_apart(capsys):
    code, out, _ = run(capsys, "graph", SEED002, "--format", "dot")
    _, _, ranks = read_dot(out)
    # each column down the page: a layer's weights beside what they multiply, ordered by the
    # neurons they feed (w1, w2 into net_h1 above the inputs and b1, which feed both, above w3, w4
    # into net_h2), ties in the file's order
    assert ranks == [["w1", "w2", "i1", "i2", "b1", "w3", "w4"], ["net_h1", "net_h2"],
                     ["w5", "w6", "b2", "out_h1", "out_h2", "w7", "w8"], ["net_o1", "net_o2"],
                     ["t_o1", "t_o2", "out_o1", "out_o2"], ["E_total"]]
    nodes = parsed_nodes(out)
    looks = {name: (n["attrs"]["style"], n["attrs"].get("fillcolor"), n["attrs"].get("peripheries"))
             for name, n in nodes.items()}
    kinds = {"i1": "input", "w1": "param", "b1": "frozen param", "t_o1": "target", "out_h1": "line",
             "E_total": "output"}
    assert len({looks[name] for name in kinds}) == len(kinds), looks  # six kinds, six looks
    assert looks["E_total"][2] == "2" and "dashed" in looks["t_o1"][0] and "dashed" in looks["b1"][0]
    assert nodes["b1"]["what"] == "frozen param" and nodes["net_h1"]["what"] == "= w1·i1 + w2·i2 + b1"
    # each line of a label a row of its own: the title's underscore (net_h1) cannot run into the line below
    label = nodes["net_h1"]["attrs"]["label"]
    assert label.startswith("<table") and "<br/>" not in label and label.count("<tr>") == 4


def test_names_are_escaped():
    """Names a file cannot hold (the loader allows identifiers), made through the API."""
    odd = ['a"b', "c\\", "<d&e>", "f\x01g", "h\nk", "ok_name"]
    inputs = {n: float(k + 1) for k, n in enumerate(odd[:-1])}
    expr = Name(odd[0])
    for n in odd[1:-1]:
        expr = Bin("+", expr, Bin("*", Name(n), Num(2.0)))
    problem = Problem("we<ird\".yaml", inputs, {}, [Line(odd[-1], expr, "…")], odd[-1])
    dot = render_dot(graph_view(bpcalc.solve(problem)))
    assert not any(ch < " " and ch != "\n" for ch in dot)
    assert all(line.startswith(("//", "digraph", "  ", "}")) for line in dot.splitlines())
    nodes, edges, _ = read_dot(dot)
    assert set(nodes) == {"#0", "#1", "#2", "#3", "#4", "ok_name"}
    names = {label_lines(a["label"])[0] for a in nodes.values()}
    assert names == {'a"b', "c\\", "<d&e>", "f\\x01g", "h\\nk", "ok_name"}
    assert len(edges) == 5
    if shutil.which("dot"):
        r = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and not r.stderr, r.stderr
        assert "&lt;d&amp;e&gt;" in r.stdout and "a&quot;b" in r.stdout


# --- pictures drawn by dot -----------------------------------------------------------------------------


@needs_dot
def test_svg_holds_every_node_name(capsys, tmp_path):
    target = tmp_path / "g.svg"
    code, out, err = run(capsys, "graph", SEED002, "-o", str(target))
    assert code == 0, err
    svg = target.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    for name in bpcalc.solve(bpcalc.load(SEED002)).values:
        assert name in texts, name
    assert "∂E_total/∂w5 = 0.082167" in texts  # the blog's 0.082167041
    assert not list(tmp_path.glob(".bpcalc-*"))


@needs_dot
@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf(capsys, tmp_path, fmt, magic):
    target = tmp_path / f"g.{fmt}"
    code, _, err = run(capsys, "graph", SEED000, "-o", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(magic)
    code, _, err = run(capsys, "graph", SEED000, "--format", fmt, "-o", str(tmp_path / "any.name"))
    assert code == 0 and (tmp_path / "any.name").read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["g.jpg", "g.svgz", "graph"])
def test_a_file_name_that_says_no_format_bpcalc_writes_is_refused(capsys, tmp_path, name):
    # a picture named .jpg would otherwise hold Graphviz's text: nothing is written, the message
    # says the names bpcalc draws, and --format still writes such a name
    code, out, err = run(capsys, "graph", SEED000, "-o", str(tmp_path / name))
    assert code == 2 and ".svg, .png or .pdf" in err and "--format" in err and "Traceback" not in err
    assert not (tmp_path / name).exists()
    code, _, err = run(capsys, "graph", SEED000, "--format", "dot", "-o", str(tmp_path / name))
    assert code == 0 and "digraph bpcalc {" in (tmp_path / name).read_text(encoding="utf-8")
    assert f"wrote {tmp_path / name} (dot," in err


def test_missing_dot_is_one_message_before_any_work(tmp_path):
    """`dot` hidden from PATH: exit 2 with the install command — even for a file that does not
    exist, so the check comes first; no file is written."""
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}
    target = tmp_path / "g.svg"
    for file in ("examples/apples.yaml", "no/such/file.yaml"):
        r = subprocess.run([sys.executable, "-m", "bpcalc", "graph", file, "-o", str(target)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and r.stdout == ""
        lines = r.stderr.splitlines()
        assert lines[0] == "error: --format svg needs Graphviz's `dot` program, which is not installed (no `dot` " \
                           "on PATH)"
        hint = r.stderr
        for command in ("apt-get install graphviz", "brew install graphviz", "winget install graphviz",
                        "choco install graphviz", "conda install -c conda-forge graphviz", "--format dot"):
            assert command in hint, command
        assert "Traceback" not in r.stderr and not target.exists()
    r = subprocess.run([sys.executable, "-m", "bpcalc", "graph", "examples/apples.yaml", "--format", "dot"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "digraph" in r.stdout  # DOT itself needs no Graphviz


def test_picture_needs_a_file_and_never_the_input(capsys, tmp_path):
    if shutil.which("dot"):
        code, out, err = run(capsys, "graph", SEED000, "--format", "svg")
        assert code == 2 and out == "" and "--format svg writes a picture file: name it with -o" in err
    copy = tmp_path / "apples.yaml"
    copy.write_text(Path(SEED000).read_text())
    before = copy.read_bytes()
    code, out, err = run(capsys, "graph", str(copy), "--format", "dot", "-o", str(copy))
    assert code == 2 and "-o would overwrite the input file" in err and copy.read_bytes() == before
    code, _, err = run(capsys, "graph", SEED000, "-o", str(tmp_path / "g.dot"))
    assert code == 0 and (tmp_path / "g.dot").read_text().startswith("// bpcalc graph")


# --- --only and --backward --------------------------------------------------------------------------------


def test_only_draws_the_way_to_the_output(capsys):
    code, out, _ = run(capsys, "graph", SEED002, "--format", "dot", "--only", "w1")
    assert code == 0
    assert set(parsed_nodes(out)) == {"w1", "net_h1", "out_h1", "net_o1", "out_o1", "net_o2", "out_o2", "E_total"}
    code, out, _ = run(capsys, "graph", SEED002, "--format", "text", "--only", "w1,w5")
    assert "9 nodes of 23, on the way from w1, w5 to the output" in " ".join(out.split())
    code, _, err = run(capsys, "graph", SEED002, "--only", "net_h3")
    assert code == 2 and "no name 'net_h3'" in err and "did you mean 'net_h2'" in err


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_backward_numbers_are_reverse_topological(capsys, path):
    code, out, _ = run(capsys, "graph", str(path), "--format", "dot", "--backward")
    assert code == 0
    nodes, edges, _ = read_dot(out)
    order = {}
    for attrs in nodes.values():
        m = re.fullmatch(r"#(\d+)\s+(\S+)", label_lines(attrs["label"])[0])
        order[m.group(2)] = int(m.group(1))
    assert sorted(order.values()) == list(range(1, len(order) + 1))
    assert order[bpcalc.load(str(path)).output] == 1
    for tail, head, _ in edges:  # grad_table: a node's gradient is complete before it is used
        assert order[head] < order[tail], (tail, head)


# --- the terminal drawing -----------------------------------------------------------------------------------


def rows(text: str) -> list[str]:
    """The drawing's rows: after the summary, the legend and the column titles (`value …`)."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.split()[:1] == ["value"])
    return lines[start + 1:]


def row_name(row: str) -> str:
    return re.match(r"[\s│├┌─\d]*?([A-Za-z_][\w\[\]]*)", row).group(1)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_terminal_drawing(capsys, path):
    code, out, err = run(capsys, "graph", str(path), "--backward")
    assert code == 0, err
    assert "\x1b" not in out  # piped: plain
    assert max(len(line) for line in out.splitlines()) <= 80
    sol = bpcalc.solve(bpcalc.load(str(path)))
    drawn: dict[str, int] = {}
    for k, row in enumerate(rows(out)):
        name = row_name(row)
        if row.endswith("↑"):
            assert name in drawn  # drawn in full above
            continue
        assert name not in drawn
        drawn[name] = k
        value, gradient = row.split()[-2:]
        assert value == Printer(6).num(sol.values[name])
        assert gradient == Printer(6).num(sol.gradients[name])
    assert set(drawn) == set(sol.values)
    for line, uses in sol.local.items():  # inputs first: every node below what it uses
        for u, _ in uses:
            assert drawn[u] < drawn[line], (u, line)
    assert row_name(rows(out)[-1]) == sol.output


def test_tree_joins_each_node_to_what_it_uses(capsys):
    code, out, _ = run(capsys, "graph", SEED000)
    assert rows(out) == [
        "      ┌─ apple  input                                             10         2.2",
        "      ├─ apple_count  input                                        2          11",
        "   ┌─ apple_total = apple·apple_count                             20         1.1",
        "   │  ┌─ orange  input                                            15         3.3",
        "   │  ├─ orange_count  input                                       3        16.5",
        "   ├─ orange_total = orange·orange_count                          45         1.1",
        "┌─ subtotal = apple_total + orange_total                          65         1.1",
        "├─ tax  input                                                    1.1          65",
        "pay = subtotal·tax                                              71.5           1",
    ]


def test_width_and_ascii(capsys, monkeypatch):
    code, out, _ = run(capsys, "graph", SEED002, "--width", "60")
    assert max(map(len, out.splitlines())) <= 60 and "…" in out  # formulas cut at a space
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, "graph", SEED002, "--ascii")
    assert out.isascii() and max(map(len, out.splitlines())) <= 100
    assert "+- net_o1 = w5*out_h1 + w6*out_h2 + b2" in out


def test_colour_on_request_and_no_color(capsys, monkeypatch):
    code, out, _ = run(capsys, "graph", SEED000, "--format", "rich")
    assert "\x1b[" in out and ANSI.sub("", out) == run(capsys, "graph", SEED000, "--format", "text")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run(capsys, "graph", SEED000, "--format", "rich")
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", out)


def test_a_big_graph_is_summarised():
    text = "inputs: {x: 0.5}\nparams: {a: 0.9, b: 0.1}\ndefine:\n  v0: a * x + b\n" + "".join(
        f"  v{k}: a * v{k - 1} + b\n" for k in range(1, 120))
    view = graph_view(bpcalc.solve(bpcalc.loads(text)))
    out = plain(draw(view, width=80))
    body = rows(out)
    assert len(body) <= MAX_ROWS and max(map(len, out.splitlines())) <= 80
    assert "123 nodes; " in out and "drawn, to depth" in out and "--only NAME" in out
    assert row_name(body[-1]) == "v119" and " … = " in "".join(body)


def test_several_outputs(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("inputs: {x: 2, y: 3}\ndefine:\n  a: x * y\n  o1: a + x\n  o2: sin(a) * y\noutput: [o1, o2]\n")
    code, out, err = run(capsys, "graph", str(path), "--format", "dot")
    assert code == 0, err
    nodes = parsed_nodes(out)
    assert nodes["x"]["gradients"] == {"o1": 4, "o2": 8.64153}
    assert nodes["o1"]["attrs"].get("peripheries") == nodes["o2"]["attrs"].get("peripheries") == "2"
    code, out, _ = run(capsys, "graph", str(path))
    assert "∂o1/∂node" in out and "∂o2/∂node" in out
    assert [row_name(r) for r in rows(out) if not r.endswith("↑")][-2:] == ["o1", "o2"]


@pytest.mark.parametrize("command", [
    "bpcalc graph examples/apples.yaml",
    "bpcalc gradcheck examples/slides_1_1_1.yaml --round 2 --only w_o,y_o,y",
])
def test_the_docs_show_what_the_command_prints(command):
    commands = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    shown = commands.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    r = subprocess.run([sys.executable, "-m", "bpcalc", *command.split()[1:]], cwd=ROOT, capture_output=True,
                       text=True, timeout=60, env={**os.environ, "COLUMNS": "80"})
    assert r.returncode == 0 and r.stdout == shown


def test_no_control_character_reaches_the_terminal(capsys, tmp_path):
    odd = tmp_path / "a\x1b[31mb.yaml"
    odd.write_text(Path(SEED000).read_text())
    for args in (("graph", str(odd)), ("graph", str(odd), "--format", "dot"),
                 ("graph", SEED000, "--only", "\x1b[31mx"), ("gradcheck", SEED000, "--only", "\x1b[31mx")):
        code, out, err = run(capsys, *args)
        assert "\x1b" not in out + err, args
    assert code == 2 and "no name '\\x1b[31mx'" in err


def test_nodes_that_lead_nowhere_follow_the_output(capsys, tmp_path):
    path = tmp_path / "dead.yaml"
    path.write_text("inputs: {x: 1, unused: 5}\nparams: {w: 2}\ndefine:\n  a: w * x\n  dead: a * 3\n"
                    "  o: a + x\n  after: o * 2\noutput: o\n")
    code, out, _ = run(capsys, "graph", str(path))
    body = rows(out)
    split = body.index("and the nodes that lead to no output:")
    assert body[split - 1].startswith("o = a + x ") and body[split - 1].split()[-2:] == ["3", "1"]
    assert [row_name(r) for r in body[split + 1:] if not r.endswith("↑")] == ["unused", "dead", "after"]
    assert all(r.split()[-1] == "0" for r in body[split + 1:] if not r.endswith("↑"))  # ∂o/∂ is 0 there
