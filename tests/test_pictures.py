"""What a student reads and looks at: a Chinese LaTeX document that compiles on a basic TeX
install, rows whose `=` signs stay in their column when they fold, sentences that keep a formula
whole, graphs drawn in the file's order, MathML evenly spaced, and the small things (one notation
per column, no number said twice, a minus sign that is one)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

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
