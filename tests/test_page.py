"""`--format page` (README, Output formats): one offline HTML file with the graph, the worked
solution and a walk through it — checked in a real browser, headless Chromium driven by Selenium
(Debian's chromium and chromium-driver; a test that needs them skips, saying why, without them).

The walk is checked against the trace's own order, the highlighted edges against the graph's
edges in `--format json`, a node's details against the numbers of `--format json`; the page makes
no request, fits 1280×720 without scrolling sideways, prints whole, and has a dark scheme.  The
layered layout it draws is checked without a browser.  Screenshots go to the system's temporary
folder (bpcalc-page-*.png) to be looked at.
"""

from __future__ import annotations

import base64
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import bpcalc
from bpcalc import shipped
from bpcalc.render import Options, render
from bpcalc.render.layered import Box, layered, place_labels, point_at, segments
from bpcalc.render.page import text_width, view_of
from bpcalc.trace import build
from bpcalc.trace.steps import Backward, Forward, Loss, UpdateStep

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = Path(tempfile.gettempdir())
#: every shipped problem (the training set's network is for bpcalc train, not worked by hand)
EXAMPLES = [name for name in shipped.names() if not name.startswith("train/")]
NETWORK = "example:seed002_network"  # the published 2-2-2 network


def bpcalc_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def made(tmp_path: Path, *args: str) -> Path:
    """The page `bpcalc ARGS --format page` writes, saved to a file."""
    r = bpcalc_cli(*args, "--format", "page")
    assert r.returncode in (0, 1), r.stderr
    path = tmp_path / (re.sub(r"\W+", "_", "_".join(args)) + ".html")
    path.write_text(r.stdout, encoding="utf-8")
    return path


def as_json(*args: str) -> dict:
    r = bpcalc_cli(*args, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def walk_of(file: str, command: str) -> list[tuple[str, str]]:
    """The walk the page must take, read off the trace: the forward pass's lines and the output's,
    the backward pass's entries (the given leaves' last), the update's entries."""
    solution = bpcalc.solve(bpcalc.load(file), step=command == "step", backward=command != "forward")
    walk: list[tuple[str, str]] = []
    for step in build(solution, command, every_gradient=True).steps:
        if isinstance(step, Forward):
            walk += [("forward", c.name) for c in step.lines]
        elif isinstance(step, Loss):
            walk.append(("forward", step.line.name))
        elif isinstance(step, Backward):
            walk += [("backward", e.name) for e in (*step.entries, *step.given)]
        elif isinstance(step, UpdateStep):
            walk += [("update", u.name) for u in step.updates]
    return walk


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def close(shown: str, exact: float) -> bool:
    """`shown` is `exact` to the significant digits it is written with."""
    digits = len(re.sub(r"^[−-]?[0.]*", "", shown).replace(".", "")) or 1
    return number(shown) == float(f"{exact:.{digits}g}")


# --- the browser -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium at a 1280×720 viewport, started fresh: its own profile, no network of its
    own, and Selenium told where the driver and the browser are (so Selenium Manager fetches
    nothing)."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            pytest.skip(f"{path} is missing: the page is checked in Chromium (apt-get install {package})")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the page is checked with Selenium (pip install "
                                    "selenium, in the test extra)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="bpcalc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        viewport(driver, 1280, 720)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def viewport(driver, width: int, height: int, scheme: str = "light") -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"media": "", "features": [{"name": "prefers-color-scheme", "value": scheme}]})


def opened(driver, path: Path) -> None:
    driver.get(path.as_uri())
    driver.get_log("performance")  # the load's own entries, read by test_the_page_makes_no_request


#: the state of the page in one round trip: what is highlighted and where it is on the screen
STATE = """
const box = (e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; };
const root = document.documentElement, solution = document.getElementById("solution");
const pane = document.querySelector(".graph-pane");
return {
  nodes: [...document.querySelectorAll("#graph g.node.on")].map((g) => [g.dataset.node, box(g)]),
  edges: [...document.querySelectorAll("#graph path.edge.on")].map((e) => [e.dataset.tail, e.dataset.head]),
  rows: [...document.querySelectorAll("#solution .eq.on")].map((r) => [r.dataset.node, r.dataset.phase, box(r)]),
  current: [...document.querySelectorAll("[aria-current=step]")].length,
  solution: box(solution), graph: box(pane),
  slider: document.getElementById("slider").value, status: document.getElementById("status").textContent,
  sideways: [root.scrollWidth - root.clientWidth, solution.scrollWidth - solution.clientWidth,
             pane.scrollWidth - pane.clientWidth],
};
"""


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return inner[0] >= outer[0] - slack and inner[1] <= outer[1] + slack


def overlaps(inner: list[float], outer: list[float]) -> bool:
    return inner[1] > outer[0] and inner[0] < outer[1]


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_step_of_every_example(browser, tmp_path, example):
    command = "step"
    file = f"example:{example}"
    page = made(tmp_path, command, file)
    walk = walk_of(file, command)
    local = as_json("grad", file)["local"]
    opened(browser, page)
    state = browser.execute_script(STATE)
    assert state["nodes"] == [] and state["rows"] == [] and state["slider"] == "0"
    assert browser.find_element("id", "prev").get_attribute("disabled")
    nxt = browser.find_element("id", "next")
    for k, (phase, node) in enumerate(walk, 1):
        nxt.click()
        state = browser.execute_script(STATE)
        where = (example, k, phase, node)
        assert [n for n, _ in state["nodes"]] == [node], where
        # a value flows in along the edges into its node, a gradient back along the edges out of it
        if phase == "forward":
            wanted = {(r["wrt"], node) for r in local if r["of"] == node}
        elif phase == "backward":
            wanted = {(node, r["of"]) for r in local if r["wrt"] == node}
        else:
            wanted = set()
        assert {tuple(e) for e in state["edges"]} == wanted, where
        assert state["rows"], where
        assert {(r[0], r[1]) for r in state["rows"]} == {(node, phase)}, where
        assert inside(state["rows"][0][2], state["solution"]), where  # the worked row is scrolled into view
        assert overlaps(state["nodes"][0][1], state["graph"]), where  # and the node is in the graph pane
        assert state["slider"] == str(k) and f"{k} of {len(walk)}" in state["status"], where
        assert state["current"] == 1 + len(state["rows"]), where  # aria-current on the node and its rows
        assert state["sideways"] == [0, 0, 0], where  # nothing scrolls sideways at 1280×720
    assert nxt.get_attribute("disabled"), "Next stops at the last step"
    browser.find_element("id", "prev").click()
    assert [n for n, _ in browser.execute_script(STATE)["nodes"]] == [walk[-2][1]]


def test_the_keyboard_walks_and_opens_a_node(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    page = made(tmp_path, "step", NETWORK)
    walk = walk_of(NETWORK, "step")
    opened(browser, page)
    body = browser.find_element("tag name", "body")
    for _ in range(3):
        body.send_keys(Keys.ARROW_RIGHT)
    body.send_keys(Keys.ARROW_LEFT)
    assert [n for n, _ in browser.execute_script(STATE)["nodes"]] == [walk[1][1]]
    body.send_keys(Keys.END)
    assert browser.execute_script(STATE)["slider"] == str(len(walk))
    body.send_keys(Keys.HOME)
    assert browser.execute_script(STATE)["nodes"] == []
    # Tab reaches the buttons, the slider and every node; Enter on a node opens its step
    node = browser.find_element("css selector", '#graph g.node[data-node="w5"]')
    assert node.get_attribute("tabindex") == "0" and node.get_attribute("role") == "button"
    assert "w5" in node.get_attribute("aria-label")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "prev" or \
        browser.switch_to.active_element.get_attribute("id") == "next"
    browser.execute_script("arguments[0].focus()", node)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    state = browser.execute_script(STATE)
    assert [n for n, _ in state["nodes"]] == ["w5"]
    assert state["slider"] == str(walk.index(("backward", "w5")) + 1)  # a leaf's step: its gradient
    # the slider, by keyboard: its own arrows move it one step
    slider = browser.find_element("id", "slider")
    slider.send_keys(Keys.ARROW_RIGHT)
    assert [n for n, _ in browser.execute_script(STATE)["nodes"]] == [walk[walk.index(("backward", "w5")) + 1][1]]
    # what a screen reader needs: a live status, named regions, named controls
    assert browser.find_element("id", "status").get_attribute("aria-live") == "polite"
    assert browser.find_element("id", "graph").get_attribute("aria-label")
    assert browser.find_element("id", "solution").get_attribute("aria-label")
    assert slider.get_attribute("aria-label")


def test_a_node_clicked_shows_its_numbers(browser, tmp_path):
    page = made(tmp_path, "step", NETWORK)
    data = as_json("step", NETWORK)
    walk = walk_of(NETWORK, "step")
    opened(browser, page)
    now = "forward"
    for name in ("w5", "out_h1", "net_o1", "E_total", "i1"):
        browser.find_element("css selector", f'#graph g.node[data-node="{name}"]').click()
        panel = browser.execute_script("""
            const d = document.getElementById("details"), pick = (s) => [...d.querySelectorAll(s)];
            const num = (e) => [e.textContent, e.dataset.x];
            return {title: d.querySelector("h2").textContent, value: pick(".value-line [data-x]").map(num),
                    gradient: pick(".gradient-line [data-x]").map(num),
                    uses: pick(".uses li").map((li) => [li.textContent, li.querySelector("[data-x]").dataset.x]),
                    usedBy: pick(".used-by li").map((li) => [li.textContent, li.querySelector("[data-x]").dataset.x]),
                    text: d.textContent};""")
        assert panel["title"].startswith(name)
        shown, exact = panel["value"][0]
        assert float(exact) == data["values"][name] and close(shown, data["values"][name]), name
        shown, exact = panel["gradient"][0]
        assert float(exact) == data["gradients"][name] and close(shown, data["gradients"][name]), name
        uses = {(r["wrt"], r["value"]) for r in data["local"] if r["of"] == name}
        assert {(text.split("/∂")[1].split(" =")[0], float(x)) for text, x in panel["uses"]} == uses, name
        used_by = {(r["of"], r["value"]) for r in data["local"] if r["wrt"] == name}
        assert {(text.split("/∂")[0].lstrip("∂"), float(x)) for text, x in panel["usedBy"]} == used_by, name
        state = browser.execute_script(STATE)
        assert [n for n, _ in state["nodes"]] == [name]
        # the node's step in the phase being walked, else its first
        phase = now if (now, name) in walk else next(p for p, n in walk if n == name)
        assert state["slider"] == str(walk.index((phase, name)) + 1), name
        now = phase
    # a param's details: both paths of w1 with their products (what `explain` prints) and its update
    browser.find_element("css selector", '#graph g.node[data-node="w1"]').click()
    text = browser.find_element("id", "details").text
    assert "(2)" in text and "0.000438567734" in text
    assert "∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1" in text
    assert f"w1 ← 0.15 → {data['updated']['w1']:.12g}"[:20] in text


def test_the_page_makes_no_request(browser, tmp_path):
    page = made(tmp_path, "step", NETWORK)
    text = page.read_text(encoding="utf-8")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert policy and "default-src 'none'" in policy.group(1)
    assert not re.search(r"(src|href)=", text)  # no file, script, style or link to fetch
    browser.get(page.as_uri())
    requests = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    fetched = {m["params"]["request"]["url"] for m in requests if m["method"] == "Network.requestWillBeSent"}
    assert fetched <= {page.as_uri()}, fetched
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # the script ran: no error
    # and the policy holds: a request the page tried would be refused
    refused = browser.execute_async_script("""
        const done = arguments[0];
        document.addEventListener("securitypolicyviolation", (e) => done(e.violatedDirective));
        const img = new Image(); img.src = "http://127.0.0.1:9/x.png"; document.body.append(img);
        setTimeout(() => done(null), 3000);""")
    assert refused and refused.startswith("img-src")


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_graph_fits_its_text(browser, tmp_path, example):
    """Every node's name and numbers inside its box, every edge label on its own, at 1280×720."""
    opened(browser, made(tmp_path, "grad", f"example:{example}"))
    found = browser.execute_script("""
        const out = [], labels = [...document.querySelectorAll("#graph .elabel")].map((t) => t.getBBox());
        for (const g of document.querySelectorAll("#graph g.node")) {
          const w = +g.querySelector("rect").getAttribute("width");
          for (const t of g.querySelectorAll(":scope > text")) out.push([g.dataset.node, t.getComputedTextLength(), w]);
        }
        return {texts: out, labels: labels.map((b) => [b.x, b.y, b.width, b.height])};""")
    for name, length, width in found["texts"]:
        assert 7 + length + 2 <= width, (example, name, length, width)
    boxes = [Box(*b) for b in found["labels"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a.x < b.x + b.width - 1 and b.x < a.x + a.width - 1 and a.y < b.y + b.height - 1
                        and b.y < a.y + a.height - 1), (example, a, b)


def test_screenshots_light_dark_and_print(browser, tmp_path):
    """The page at 1280×720 in both schemes, and printed: saved to look at."""
    page = made(tmp_path, "step", NETWORK)
    opened(browser, page)
    for _ in range(5):
        browser.find_element("id", "next").click()
    light = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    browser.save_screenshot(str(SHOTS / "bpcalc-page-light.png"))
    viewport(browser, 1280, 720, "dark")
    try:
        dark = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        browser.find_element("id", "next").click()
        browser.save_screenshot(str(SHOTS / "bpcalc-page-dark.png"))
    finally:
        viewport(browser, 1280, 720)
    assert light == "rgb(255, 255, 255)" and dark != light
    # printed: every step of the solution, nothing of the controls
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
    (tmp_path / "page.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(tmp_path / "page.pdf"),
                        str(SHOTS / "bpcalc-page-print")], check=True, timeout=60)
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is missing (apt-get install poppler-utils): the printed text is not read")
    printed = subprocess.run(["pdftotext", "-layout", str(tmp_path / "page.pdf"), "-"], capture_output=True,
                             text=True, check=True, timeout=60).stdout
    for title in ("Given", "Forward pass", "Loss", "Backward pass", "Chain rule", "SGD update", "Loss after the step"):
        assert title in printed, title
    assert "Next" not in printed and "Previous" not in printed
    assert str(as_json('step', NETWORK)['updated']['w5'])[:9] in printed  # w5's update: the last rows too


def test_a_narrow_window_stacks_the_panes(browser, tmp_path):
    opened(browser, made(tmp_path, "grad", NETWORK))
    viewport(browser, 700, 900)
    try:
        browser.refresh()
        browser.find_element("id", "next").click()
        state = browser.execute_script(STATE)
        assert state["sideways"][0] == 0
        assert state["graph"][1] <= state["solution"][0] + 1  # the graph above the solution
    finally:
        viewport(browser, 1280, 720)


def test_a_check_on_the_page(browser, tmp_path):
    answers = "example:answers/seed002_student"
    page = made(tmp_path, "check", NETWORK, answers)
    graded = json.loads(bpcalc_cli("check", NETWORK, answers, "--format", "json").stdout)["results"]
    opened(browser, page)
    badges = browser.execute_script("""
        return [...document.querySelectorAll("#graph g.badge")].map((b) =>
          [b.closest("g.node").dataset.node, b.getAttribute("class").split(" ")[1]]);""")
    output = "E_total"
    expected = []
    for r in graded:
        node = {"loss": output, "loss_after": output}.get(r["kind"], r["name"].split("/")[-1])
        expected.append((node, r["status"]))
    assert sorted(map(tuple, badges)) == sorted(expected)
    first = next(r for r in graded if r["status"] != "right")
    wrong = browser.find_element("css selector", "#graph g.node.first-wrong")
    assert wrong.get_attribute("data-node") == first["name"]
    state = browser.execute_script(STATE)  # the page opens at the first wrong step
    assert [n for n, _ in state["nodes"]] == [first["name"]] and inside(state["rows"][0][2], state["solution"])
    assert state["sideways"] == [0, 0, 0]  # the grading's table too fits 1280×720
    notes = browser.execute_script("""
        return [...document.querySelectorAll("#solution .answer")].map((p) =>
          [p.previousElementSibling.dataset.node || "", p.className, p.textContent]);""")
    assert len(notes) == len(graded)
    sign = next(n for n in notes if "−0.0826676" in n[2] or "-0.0826676" in n[2])
    assert sign[0] == "w6" and "wrong" in sign[1] and "0.0826676278" in sign[2] and "first wrong step" in sign[2]
    browser.save_screenshot(str(SHOTS / "bpcalc-page-check.png"))


def test_several_outputs_walk_the_first_outputs_backward_pass(browser, tmp_path):
    problem = tmp_path / "two.yaml"
    problem.write_text("inputs: {x: 2, y: 3}\ndefine:\n  a: x*y\n  o1: a + x\n  o2: sin(a)*y\noutput: [o1, o2]\n",
                       encoding="utf-8")
    opened(browser, made(tmp_path, "grad", str(problem)))
    walk = [("forward", "a"), ("forward", "o1"), ("forward", "o2"), ("backward", "o1"), ("backward", "a"),
            ("backward", "x"), ("backward", "y")]
    for phase, node in walk:
        browser.find_element("id", "next").click()
        state = browser.execute_script(STATE)
        assert [n for n, _ in state["nodes"]] == [node] and {(r[0], r[1]) for r in state["rows"]} == {(node, phase)}
        if (phase, node) == ("backward", "a"):  # ∂o1/∂a flows back from o1 alone, not from o2
            assert state["edges"] == [["a", "o1"]]
    assert browser.find_element("id", "next").get_attribute("disabled")


def test_a_check_page_is_made_from_what_was_graded_even_from_standard_input():
    # the page draws the solution the answers were graded against: nothing is read a second time,
    # so a problem given on standard input makes the same page as the file
    problem = shipped.path(NETWORK).read_text(encoding="utf-8")
    answers = "example:answers/seed002_student"
    piped = subprocess.run([sys.executable, "-m", "bpcalc", "check", "-", answers, "--format", "page"], input=problem,
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    named = subprocess.run([sys.executable, "-m", "bpcalc", "check", str(shipped.path(NETWORK)), answers, "--format",
                            "page"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert piped.returncode == named.returncode == 1, piped.stderr  # the sheet has wrong answers

    def data(page: str) -> str:
        return re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page).group(1)

    assert data(piped.stdout) == data(named.stdout)
    assert 'data-node="w1"' in piped.stdout and "∂E_total/∂w6" in piped.stdout


# --- made quickly, small, and safe, without a browser --------------------------------------------------------


def test_the_network_page_is_small_and_quick():
    started = time.perf_counter()
    solution = bpcalc.solve(bpcalc.load(NETWORK), step=True)
    page = render(build(solution, "step"), "page", Options())
    took = time.perf_counter() - started
    assert len(page.encode("utf-8")) <= 300_000
    assert took < 1.0, took


def test_a_long_chain_sharing_its_params_is_drawn_quickly():
    # w and b feed every line: their edges reach over up to 200 layers, and routing each through
    # every layer would make the page grow with the square of the chain
    lines = "\n".join(f"  v{i}: sin(v{i - 1}) * w + b" for i in range(1, 200))
    solution = bpcalc.solve(bpcalc.loads(f"inputs: {{v0: 0.5}}\nparams: {{w: 0.9, b: 0.1}}\ndefine:\n{lines}\n"),
                            step=True)
    trace = build(solution, "step")
    started = time.perf_counter()
    page = render(trace, "page", Options())
    assert time.perf_counter() - started < 3.0
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count(" C") <= 2 * 600 + 3 * 400  # edges, and a bounded number of points on the long ones
    assert len(page.encode("utf-8")) < 3 * len(render(trace, "html", Options()).encode("utf-8"))


class _Parsed(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.in_title = False
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.in_title = tag == "title"
        if tag == "script":
            self.scripts.append(dict(attrs))

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            self.in_title = False


def test_file_names_are_escaped(tmp_path):
    weird = tmp_path / "a<b>&\u202e\x1b.yaml"
    weird.write_text(shipped.path("example:seed000_apples").read_text(encoding="utf-8"), encoding="utf-8")
    r = bpcalc_cli("grad", str(weird), "--format", "page")
    assert r.returncode == 0, r.stderr
    assert "\u202e" not in r.stdout and "\x1b" not in r.stdout and "<b>" not in r.stdout
    parsed = _Parsed()
    parsed.feed(r.stdout)
    assert "a<b>&\\u202e\\x1b.yaml" in parsed.title
    assert [s.get("type") for s in parsed.scripts] == ["application/json", None]  # the data, then the script


def test_the_notation_and_language_asked():
    sol = bpcalc.solve(bpcalc.load(NETWORK), step=True)
    zh = render(build(sol, "step"), "page", Options(lang="zh"))
    assert '<html lang="zh">' in zh and "下一步" in zh and "正向计算预测值" in zh
    delta = render(build(sol, "grad", notation="delta"), "page", Options())
    steps = json.loads(re.search(r'id="page-data">(.*?)</script>', delta).group(1).replace("\\u003c", "<"))["steps"]
    assert [s[1] for s in steps if s[0] == "backward"][:2] == ["net_o1", "net_o2"]  # δ_o1, δ_o2 first
    assert 'data-node="net_o1" data-phase="backward"' in delta


def test_the_forward_pass_alone_has_no_gradients():
    sol = bpcalc.solve(bpcalc.load(NETWORK), backward=False)
    trace = build(sol, "forward")
    view = view_of(trace)
    assert all(n.gradients == () for n in view.nodes)
    assert {(u, n.name) for n in view.nodes for u, _ in n.uses} >= {("w5", "net_o1"), ("out_h1", "net_o1")}
    page = render(trace, "page", Options())
    assert 'class="elabel"' not in page and "∂ " not in page.split("<svg", 1)[1].split("</svg>")[0]


# --- the layered layout -------------------------------------------------------------------------------------


def network_layout():
    view = view_of(build(bpcalc.solve(bpcalc.load(NETWORK)), "grad"))
    names = [n.name for n in view.nodes]
    edges = [(u, n.name) for n in view.nodes for u, _ in n.uses]
    sizes = {n: (text_width(n, 13, bold=True) + 60, 50.0) for n in names}
    return names, edges, layered(names, edges, sizes)


def test_a_network_comes_out_layer_by_layer():
    _, edges, drawn = network_layout()
    layers = [set(layer) for layer in drawn.layers]
    assert layers == [{"i1", "i2", "w1", "w2", "w3", "w4", "b1"}, {"net_h1", "net_h2"},
                      {"out_h1", "out_h2", "w5", "w6", "w7", "w8", "b2"}, {"net_o1", "net_o2"},
                      {"out_o1", "out_o2", "t_o1", "t_o2"}, {"E_total"}]
    order = [name for layer in drawn.layers for name in layer]
    for a, b in (("net_h1", "net_h2"), ("out_h1", "out_h2"), ("net_o1", "net_o2"), ("out_o1", "out_o2"),
                 ("w1", "w2"), ("w3", "w4"), ("i1", "i2"), ("w5", "w6"), ("w7", "w8")):
        assert order.index(a) < order.index(b), (a, b)  # the file's order among equals
    # the only crossings are the ones no order avoids: each pair of nodes that both feed the same
    # two nodes (i1, i2, b1 into net_h1 and net_h2; out_h1, out_h2, b2 into net_o1 and net_o2)
    assert drawn.crossings == 6
    boxes = drawn.boxes
    for layer in drawn.layers:  # a layer is a row, top to bottom
        assert len({round(boxes[n].y) for n in layer}) == 1
    assert boxes["i1"].y < boxes["net_h1"].y < boxes["out_h1"].y < boxes["net_o1"].y < boxes["E_total"].y
    for tail, head in edges:
        assert boxes[tail].y + boxes[tail].height < boxes[head].y


def test_boxes_and_labels_do_not_overlap():
    _, _, drawn = network_layout()
    boxes = list(drawn.boxes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height)
    spots = place_labels(drawn, [(40.0, 12.0)] * len(drawn.routes))
    placed = []
    for route, spot in zip(drawn.routes, spots):
        assert spot is not None
        # on its edge: the label's centre is a point of the edge's curve
        curve = [point_at(s, t / 200) for s in segments(route) for t in range(201)]
        assert min(abs(x - spot[0]) + abs(y - spot[1]) for x, y in curve) < 1e-6
        placed.append(Box(spot[0] - 20, spot[1] - 6, 40, 12))
    for i, a in enumerate(placed):
        for b in placed[i + 1:] + boxes:
            assert not (a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height)


def test_an_edge_over_several_layers_passes_between_them():
    # u is used by v (one layer down) and by f (two down): the edge u -> f gets a point in v's layer
    drawn = layered(["u", "v", "f"], [("u", "v"), ("u", "f"), ("v", "f")], dict.fromkeys("uvf", (40.0, 20.0)))
    assert [set(layer) for layer in drawn.layers] == [{"u"}, {"v"}, {"f"}]
    long = next(r for r in drawn.routes if (r.tail, r.head) == ("u", "f"))
    assert len(long.points) == 4  # out of u, into and out of v's layer, into f
    v = drawn.boxes["v"]
    assert not v.x <= long.points[1][0] <= v.x + v.width  # beside v, not through it
    with pytest.raises(ValueError):
        layered(["a", "b"], [("a", "b"), ("b", "a")], dict.fromkeys("ab", (10.0, 10.0)))
