"""A plain `pip install` (not editable) ships the examples and the schema: the wheel is built from
this checkout, installed into a new virtual environment, and its console script run from an
empty folder — the README's quick start as a new user meets it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bpcalc import shipped

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bpcalc` console script of a new venv that has the wheel installed (its dependencies
    are this environment's, named by a .pth file, so nothing is downloaded but the build tools)."""
    work = tmp_path_factory.mktemp("install")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    wheels = list((work / "dist").glob("bpcalc-*.whl"))
    if build.returncode != 0 or not wheels:
        pytest.skip("the wheel could not be built here (pip wheel needs setuptools from the package index): "
                    + build.stderr.strip()[-300:])
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "bpcalc_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "-q", str(wheels[0])], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    return venv / "bin" / "bpcalc"


def in_folder(tmp_path: Path, script: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(script), *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)


def test_the_wheel_holds_the_examples_and_the_schemas(installed):
    wheel = next((installed.parent.parent.parent / "dist").glob("bpcalc-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in shipped.names(problems_only=False):
        assert f"bpcalc/examples/{name}.yaml" in names
    assert {"bpcalc/examples/bpcalc.schema.json", "bpcalc/examples/bpcalc-template.schema.json"} <= names
    assert "bpcalc/examples/notebook.ipynb" in names  # the shipped notebook (docs/api.md)


def test_examples_show_works_from_the_installed_package(installed, tmp_path):
    where = in_folder(tmp_path, installed.parent / "python", "-c", "import bpcalc; print(bpcalc.__file__)")
    assert where.stdout.strip().startswith(str(installed.parent.parent)), where  # not this checkout
    r = in_folder(tmp_path, installed, "examples", "show", "blog_2_2_2")
    assert r.returncode == 0, r.stderr
    text = (shipped.FOLDER / "blog_2_2_2.yaml").read_text(encoding="utf-8")
    assert r.stdout.splitlines()[1:] == text.splitlines()[1:]
    schema = r.stdout.splitlines()[0].split("$schema=file://")[1]
    assert schema.startswith(str(installed.parent.parent)) and Path(schema).is_file()
    r = in_folder(tmp_path, installed, "grad", "example:apples", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["gradients"]["tax"] == 65
    r = in_folder(tmp_path, installed, "examples")
    assert r.returncode == 0 and "templates/blog_homework" in r.stdout


def test_the_quick_start_from_an_empty_folder(installed, tmp_path):
    r = in_folder(tmp_path, installed)
    assert r.returncode == 2 and "bpcalc init" in r.stderr and "bpcalc examples" in r.stderr
    assert in_folder(tmp_path, installed, "init").returncode == 0
    r = in_folder(tmp_path, installed, "grad", "net.yaml", "--format", "text")
    assert r.returncode == 0 and "Backward pass" in r.stdout
    r = in_folder(tmp_path, installed, "step", "--format", "json")
    assert r.returncode == 0 and "using net.yaml" in r.stderr and "updated" in json.loads(r.stdout)
    r = in_folder(tmp_path, installed, "variants", "example:templates/blog_homework", "--count", "2", "-o", "hw")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path / "hw")) == ["answers.csv", "moodle.xml", "v01", "v02"]
    shutil.rmtree(tmp_path / "hw")
