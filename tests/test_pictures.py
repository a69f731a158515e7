"""What a student reads and looks at: a Chinese LaTeX document that compiles on a basic TeX
install, rows whose `=` signs stay in their column when they fold, sentences that keep a formula
whole, graphs drawn in the file's order, MathML evenly spaced, and the small things (one notation
per column, no number said twice, a minus sign that is one)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bpcalc.cli.main import main

from helpers import EXAMPLES


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _kpsewhich(name: str) -> bool:
    if shutil.which("kpsewhich") is None:
        return False
    return subprocess.run(["kpsewhich", name], capture_output=True, text=True).stdout.strip() != ""


# --- Chinese with LaTeX, on a basic TeX install -----------------------------------------------------------------

needs_cjk = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("pdftotext") is None or not _kpsewhich("CJKutf8.sty")
    or not _kpsewhich("c70gbsn.fd"),
    reason="no pdflatex with CJKutf8 and the gbsn font (Debian: latex-cjk-chinese, "
    "latex-cjk-chinese-arphic-gbsn00lp; .ci/run installs them where it can)")


def test_the_chinese_document_needs_no_ctexart(capsys):
    code, out, _ = run(capsys, "grad", "example:blog_2_2_2", "--format", "latex", "--standalone", "--lang", "zh")
    assert code == 0 and "ctexart" not in out
    assert r"\IfFileExists{CJKutf8.sty}" in out and r"\IfFileExists{ctex.sty}" in out
    assert out.index(r"\bpcalcchinese") < out.index(r"\section*") and r"\bpcalcendchinese" in out


@needs_cjk
@pytest.mark.parametrize("command", [["grad", "example:blog_2_2_2"], ["step", "example:slides_1_1_1", "--round", "2"],
                                     ["grad", "example:blog_2_2_2", "--notation", "matrix"]])
def test_the_chinese_document_compiles_with_pdflatex(tmp_path, capsys, command):
    code, out, err = run(capsys, *command, "--format", "latex", "--standalone", "--lang", "zh")
    assert code == 0, err
    (tmp_path / "doc.tex").write_text(out, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    printed = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True).stdout
    assert "设置模型参数初始值" in re.sub(r"\s+", "", printed)  # the Chinese headings are there, as characters


# --- a minus sign that is one -------------------------------------------------------------------------------------


def test_a_minus_in_latex_text_is_a_minus_not_a_hyphen(tmp_path, capsys):
    """The rounded answers of a variant's key (and every − in LaTeX text) are math minus signs;
    text and markdown write U+2212."""
    code, _, err = run(capsys, "variants", "example:templates/blog_homework", "--count", "1", "--seed", "1", "-o",
                       str(tmp_path / "hw"))
    assert code == 0, err
    tex = (tmp_path / "hw" / "v01" / "key.tex").read_text(encoding="utf-8")
    md = (tmp_path / "hw" / "v01" / "key.md").read_text(encoding="utf-8")
    rounded = [line.split(" & ")[3] for line in tex.splitlines() if line.count(" & ") >= 4 and "." in line]
    negative = [cell for cell in rounded if "-" in cell]
    assert negative and all(cell.startswith("$-$0.") for cell in negative), rounded
    assert re.search(r"\| −0\.\d{4} \|", md) and not re.search(r"\| -0\.\d{4} \|", md)
    text = run(capsys, "grad", "example:blog_2_2_2", "--format", "latex")[1]
    assert "(t $-$ out)" in text and "(t - out)" not in text


# --- MathML spaced as LaTeX spaces it, measured in a browser -------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium with Selenium, told where the driver and the browser are."""
    import os
    import tempfile

    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            pytest.skip(f"{path} is missing: MathML is measured in Chromium (apt-get install {package})")
    webdriver = pytest.importorskip("selenium.webdriver", reason="MathML is measured with Selenium (the test extra)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="bpcalc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--hide-scrollbars", "--window-size=1200,900", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


#: every leaf of the row's mathematics that shows something, left to right: its text and its edges
LEAVES = """
const row = [...document.querySelectorAll("p.eq")].find((p) => p.textContent.includes(arguments[0]));
return [...row.querySelectorAll("mn, mo, mi")].filter((e) => e.getBoundingClientRect().width > 0)
  .map((e) => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.right, r.top, r.bottom]; });
"""


def _gaps(leaves, *texts):
    """The gaps between consecutive leaves whose texts are `texts`, where they first occur."""
    words = [leaf[0] for leaf in leaves]
    for i in range(len(words) - len(texts) + 1):
        if tuple(words[i:i + len(texts)]) == texts:
            run = leaves[i:i + len(texts)]
            return [b[1] - a[2] for a, b in zip(run, run[1:])]
    raise AssertionError(f"{texts} not in {words}")


def test_mathml_spaces_an_operator_alike_on_both_sides(browser, tmp_path, capsys):
    code, out, _ = run(capsys, "step", "example:slides_1_1_1", "--round", "2", "--format", "html")
    assert code == 0
    page = tmp_path / "step.html"
    page.write_text(out, encoding="utf-8")
    browser.get(page.as_uri())
    leaves = browser.execute_script(LEAVES, "0.201867625")
    before, after = _gaps(leaves, "0.2", "−", "0.5")  # the binary minus: a piece of its own
    assert abs(before - after) < 1.5, (before, after)
    before, after = _gaps(leaves, "0.5", "×", "(")
    assert abs(before - after) < 1.5, (before, after)
    # (−0.00373525047): the parentheses the width of their glyph (a stretchy one's larger glyph,
    # around a line of text, left a gap on either side), the unary minus close to its number
    widths = {leaf[0]: leaf[2] - leaf[1] for leaf in leaves}
    assert widths["("] < 0.6 * widths["−"] and widths[")"] < 0.6 * widths["−"], widths
    assert max(_gaps(leaves, "(", "−", "0.00373525047", ")")) < 1.5
    leaves = browser.execute_script(LEAVES, "−0.21")  # ∂loss/∂y_o = −(y − y_o) = −(0.8 − 0.59)
    assert max(_gaps(leaves, "−", "(", "0.8")) < 1.5


def test_mathml_partials_in_a_matrix_are_full_size(browser, tmp_path, capsys):
    code, out, _ = run(capsys, "grad", "example:blog_2_2_2", "--notation", "matrix", "--format", "html")
    assert code == 0
    page = tmp_path / "matrix.html"
    page.write_text(out, encoding="utf-8")
    browser.get(page.as_uri())
    heights = browser.execute_script("""
        const size = (e) => parseFloat(getComputedStyle(e).fontSize);
        const inside = [...document.querySelectorAll("mtable mfrac mi")].map(size);
        const outside = [...document.querySelectorAll("mfrac mi")].filter((e) => !e.closest("mtable")).map(size);
        return [Math.min(...inside), Math.min(...outside)];""")
    assert heights[0] >= 0.99 * heights[1], heights  # ∂E/∂w5 in the matrix as large as beside it


def test_latex_sizes_the_parentheses_around_matrices(capsys):
    code, out, _ = run(capsys, "grad", "example:blog_2_2_2", "--notation", "matrix", "--format", "latex")
    bp2 = next(line for line in out.splitlines() if r"\begin{bmatrix}0.4 & 0.5" in line)
    assert bp2.startswith(r"&= \left(\begin{bmatrix}") and r"\end{bmatrix}\right) \odot" in bp2


# --- the small things --------------------------------------------------------------------------------------------


def test_gradchecks_error_columns_are_each_in_one_notation(capsys):
    code, out, _ = run(capsys, "gradcheck", "example:blog_2_2_2", "--format", "text", "--width", "80")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.startswith("  ∂E_total/∂")]
    assert len(rows) == 22 and all(len(row) == 6 for row in rows)  # one table: it fits 80 columns
    for column in (3, 4):  # abs error, rel error
        assert all(re.fullmatch(r"\d\.\d\de-\d+", row[column]) for row in rows), [row[column] for row in rows]
    assert max(len(line) for line in out.splitlines()) <= 80
    data = run(capsys, "gradcheck", "example:blog_2_2_2", "--format", "json")[1]
    assert "0.000000161" not in out and "e-" in data  # JSON keeps them in full


def test_the_delta_form_says_a_bias_gradient_once(capsys, tmp_path):
    assert run(capsys, "init", str(tmp_path / "net.yaml"), "--seed", "1")[0] == 0
    out = run(capsys, "grad", str(tmp_path / "net.yaml"), "--notation", "delta", "--digits", "12", "--format",
              "text")[1]
    rows = [line for line in out.splitlines() if re.match(r"  ∂loss/∂b\d += δ_", line)]
    assert len(rows) == 4
    for row in rows:  # ∂loss/∂b1 = δ_h1 = −0.0155218132065: the number once
        numbers = re.findall(r"−?\d\.\d+", row)
        assert len(numbers) == 1, row


@pytest.mark.parametrize(("example", "title"), [("example:blog_2_2_2", "Loss curve: E_total"),
                                                 ("example:slides_1_1_1", "Loss curve")])
def test_trains_curve_is_titled_in_words(capsys, example, title):
    out = run(capsys, "train", example, "--steps", "20", "--format", "text")[1]
    assert f"Step 3  {title}\n" in out and "curve of" not in out


# --- at 80 columns: the `=` column, and formulas kept whole in sentences --------------------------------------


def _equals_columns(section: str) -> set[int]:
    """Where each row's first `=` stands, and each continuation line's `=`."""
    columns = set()
    for line in section.splitlines():
        row = re.match(r"  [∂δ]\S*( +)= ", line)
        if row and len(row.group(1)) < 4:  # (a row whose only number stands in the value column: apart)
            columns.add(row.end() - 2)
        elif re.match(r" +=", line):
            columns.add(line.index("="))
    return columns


@pytest.mark.parametrize("notation", ["paths", "delta"])
def test_the_equals_signs_of_a_step_stay_in_one_column_when_rows_fold(capsys, notation):
    out = run(capsys, "grad", "example:blog_2_2_2", "--notation", notation, "--format", "text", "--width", "80")[1]
    backward = out[out.index("\n  ∂", out.index("Step 4")):out.index("Step 5")]  # its rows
    assert re.search(r"\n +=", backward)  # rows folded, a part a line
    assert len(_equals_columns(backward)) == 1, backward
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_formula_in_a_sentence_is_never_broken(tmp_path, capsys):
    (tmp_path / "answers.yaml").write_text("gradients: {w5: 0.0410835}\n")  # the square's 2 dropped
    for width in range(48, 121):
        out = run(capsys, "check", str(EXAMPLES / "blog_2_2_2.yaml"), str(tmp_path / "answers.yaml"),
                  "--format", "text", "--width", str(width))[1]
        assert "factor_2" in out
        for formula in ("d(t − out)²/d out", "−(t − out)"):
            assert formula in out, (width, out)
        said = out[out.index("(factor_2): "):out.index("score:")]
        assert max(len(line) for line in said.splitlines()) <= width
    out = run(capsys, "gradcheck", "example:slides_1_1_1", "--format", "text", "--width", "60")[1]
    assert "(f(x + h) − f(x − h)) / 2h" in out
