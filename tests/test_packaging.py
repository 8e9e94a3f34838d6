"""The package as a user installs it: requirement files written from pyproject.toml, and the wheel in a
fresh virtual environment running ``porting predict`` with a shipped model."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from packaging.requirements import Requirement

import helpers

ROOT = Path(__file__).resolve().parent.parent
URLS = ["http://example.com/", "https://www.python.org/doc/?q=1#top", "ftp://user@host.example:21/file.txt",
        "mailto:someone@example.org", "/relative/path;v=1?x=y"]  # the shipped urlparse model gets these right
INSTALL_SECONDS = 1800  # pip installs TensorFlow and the rest into the new environment (from its cache when it can)


def load_tool(name: str):
    """tools/NAME.py as a module."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))  # as when it runs: its sibling modules import
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def requirements_tool():
    return load_tool("requirements")


def test_requirement_files_are_the_ones_pyproject_gives():
    assert requirements_tool().stale_files() == [], "run: python tools/requirements.py write"


def test_a_requirement_file_that_drifts_from_pyproject_is_caught(tmp_path):
    tool = requirements_tool()
    for name in ("pyproject.toml", *tool.requirement_files()):
        shutil.copy(ROOT / name, tmp_path / name)
    assert tool.stale_files(tmp_path) == []
    with open(tmp_path / tool.RUN_TIME_FILE, "a") as file:
        file.write("tqdm>=4.66\n")
    assert tool.stale_files(tmp_path) == [tool.RUN_TIME_FILE]


def test_requirement_files_hold_every_dependency_once_extras_expanded():
    tool = requirements_tool()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    run_time = (ROOT / tool.RUN_TIME_FILE).read_text().splitlines()
    for requirement in project["dependencies"] + project["optional-dependencies"]["spark"]:
        assert run_time.count(requirement) == 1, requirement
    assert not any(line.startswith(project["name"]) for line in run_time)  # no self-reference left


def test_the_local_environment_takes_colabs_versions_and_they_fit_the_ranges():
    """requirements-dev.txt applies tools/colab_constraints.txt, which names Colab's Python and pins
    packages that are ours, each inside pyproject.toml's range for it."""
    tool = requirements_tool()
    development = (ROOT / tool.DEVELOPMENT_FILE).read_text().splitlines()
    assert f"-c {tool.COLAB_CONSTRAINTS}" in development
    python, pins = tool.colab_pins(ROOT / tool.COLAB_CONSTRAINTS)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ours = {tool.canonical_name(Requirement(text).name) for text in
            tool.expand([f"{project['name']}[{extra}]" for extra in project["optional-dependencies"]], project)
            + project["dependencies"]}
    assert re.fullmatch(r"3\.\d+", python) and pins and set(pins) <= ours
    assert tool.colab_conflicts() == []


def test_a_colab_version_outside_a_range_is_caught(tmp_path):
    tool = requirements_tool()
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    constraints = (ROOT / tool.COLAB_CONSTRAINTS).read_text()
    (tmp_path / tool.COLAB_CONSTRAINTS).write_text(constraints)
    assert tool.colab_conflicts(tmp_path) == []
    (tmp_path / tool.COLAB_CONSTRAINTS).write_text(
        re.sub(r"(?m)^tensorflow==.*$", "tensorflow==1.0.0", re.sub(r"(?m)^# PYTHON .*$", "# PYTHON 3.6", constraints)))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python, _ = tool.colab_pins(tmp_path / tool.COLAB_CONSTRAINTS)
    tensorflow = next(text for text in project["dependencies"] if Requirement(text).name == "tensorflow")
    assert tool.colab_conflicts(tmp_path) == [
        f"{tool.COLAB_CONSTRAINTS}: Colab's Python {python} is outside requires-python {project['requires-python']} "
        "in pyproject.toml",
        f"{tool.COLAB_CONSTRAINTS}: tensorflow 1.0.0 (Colab's) is outside {tensorflow!r} in pyproject.toml"]


def test_every_model_card_is_what_its_records_give():
    tool = load_tool("model_cards")
    folders = [folder.name for folder in tool.model_folders()]
    assert {"urlparse", "hex"} <= set(folders)
    assert [str(path.relative_to(ROOT)) for path in tool.stale_cards()] == [], "run: python tools/model_cards.py write"


def test_a_card_whose_records_changed_is_caught(tmp_path):
    tool = load_tool("model_cards")
    shutil.copytree(ROOT / "models" / "splitext", tmp_path / "splitext")
    assert tool.stale_cards(tmp_path) == []
    metrics = json.loads((tmp_path / "splitext" / "metrics.json").read_text())
    assert f"{100 * metrics['validation_exact_match']:.2f}%" in (tmp_path / "splitext" / tool.CARD_FILE).read_text()
    metrics["validation_exact_match"] = 0.5
    (tmp_path / "splitext" / "metrics.json").write_text(json.dumps(metrics))
    assert tool.stale_cards(tmp_path) == [tmp_path / "splitext" / tool.CARD_FILE]


def test_cards_list_the_failure_families_a_record_measures(tmp_path):
    """The urlparse rule suite's rules and hex's digit groups below 99% are in the cards, each as its
    record has it; a card whose parts are all above says so; a model without a record of parts says
    none is recorded."""
    from helpers.records import EVALUATIONS_FILE, read_records

    tool = load_tool("model_cards")
    cards = {name: (ROOT / "models" / name / "README.md").read_text() for name in ("urlparse", "hex", "splitext")}
    rule_rows = [tool.RULE_LINE.match(line) for line in (ROOT / "models" / "urlparse" / "EVALUATIONS.txt").read_text().splitlines()]
    below = [row for row in rule_rows if row and "over" not in row["name"] and float(row["percent"]) < 100 * tool.FAMILY_BELOW]
    assert below  # the rule suite's weakest rules, as evaluate_rules.py printed them
    assert all(f"- rule {' '.join(row['name'].split())}: {row['percent']}% ({row['correct']} of {row['total']})" in cards["urlparse"]
               for row in below)
    for name in ("hex", "splitext"):
        parts = [entry for entry in read_records(ROOT / "models" / name) if tool.PART_OF_A_MEASURE in entry["measure"]]
        assert parts, name
        below = [entry for entry in parts if entry["correct"] / entry["total"] < tool.FAMILY_BELOW]
        assert all(f"- {tool.measured(entry)} (`{EVALUATIONS_FILE}`" in cards[name] for entry in below)
        assert (f"None below {tool.percent(tool.FAMILY_BELOW)}" in cards[name]) == (not below)
    assert any(entry["measure"] == "exact match, group 6" for entry in read_records(ROOT / "models" / "hex"))
    shutil.copytree(ROOT / "models" / "splitext", tmp_path / "splitext")
    (tmp_path / "splitext" / EVALUATIONS_FILE).unlink()
    assert "None recorded" in tool.card(tmp_path / "splitext") and "None recorded" not in cards["urlparse"]
    assert all("Apache-2.0" in card for card in cards.values())


def package_sources(destination: Path) -> Path:
    """What the wheel is built from, copied out of the checkout (so the build leaves nothing in it):
    pyproject.toml, the files it names and the package folders it finds."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for name in ["pyproject.toml", pyproject["project"]["readme"], *pyproject["project"]["license-files"]]:
        shutil.copy(ROOT / name, destination / name)
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.split(".")[0]
        if not (destination / package).exists():
            shutil.copytree(ROOT / package, destination / package, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def run(command: list, timeout: float, status: int = 0, **options) -> subprocess.CompletedProcess:
    """``command`` as a user outside the checkout runs it: no PYTHONPATH (tools/bootstrap.sh sets one to the
    checkout, which would import its helpers instead of the installed ones); it must exit with ``status``."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout,
                            env=environment, **options)
    assert result.returncode == status, f"{command}: status {result.returncode}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
@pytest.mark.timeout(INSTALL_SECONDS + 1200)  # the install, then up to 20 minutes for the build and the commands
def test_the_wheel_installs_into_an_empty_environment_and_predicts(tmp_path):
    """Slow (minutes: pip installs TensorFlow into the new environment, from pip's cache when
    tools/bootstrap.sh filled it, else from the registry; without either it fails, as a user's
    install would). Builds the wheel with ``pip wheel --no-deps`` from a copy of the sources, makes an
    empty environment with ``python -m venv`` (no system site-packages), installs the wheel and its
    dependencies, then, outside the checkout and without PYTHONPATH, runs ``porting predict --model
    models/urlparse -`` on URLs from standard input and checks each output against urlparse."""
    (tmp_path / "sources").mkdir()
    sources = package_sources(tmp_path / "sources")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp_path / "dist", sources], timeout=600)
    wheel, = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
    assert f"Version: {helpers.__version__}\n" in metadata  # one version: helpers.__version__
    assert any(name.endswith("/licenses/LICENSE") for name in names) and any(name.endswith("/licenses/NOTICE") for name in names)
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "helpers").rglob("*.py")}
    assert modules <= set(names)  # every module, subpackages included
    assert "helpers/log4j2.properties" in names  # package data: Spark's driver logging

    run([sys.executable, "-m", "venv", tmp_path / "venv"], timeout=300)
    python, porting = tmp_path / "venv" / "bin" / "python", tmp_path / "venv" / "bin" / "porting"
    run([python, "-m", "pip", "install", "--quiet", wheel], timeout=INSTALL_SECONDS)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    located = run([python, "-c", "import helpers; print(helpers.__file__, helpers.__version__)"], timeout=60, cwd=outside)
    location, version = located.stdout.split()
    assert Path(location).is_relative_to(tmp_path / "venv") and version == helpers.__version__

    result = run([porting, "predict", "--model", ROOT / "models" / "urlparse", "-"], timeout=600, cwd=outside,
                 input="\n".join(URLS) + "\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["input"] for record in records] == URLS
    assert [json.loads(record["output"]) for record in records] == [list(urlparse(url)) for url in URLS]

    missing = run([porting, "predict", "--model", outside / "no-model", "-"], input="", timeout=600, cwd=outside, status=2)
    assert missing.stderr == f"error: model directory {outside / 'no-model'} does not exist\n"

    # What needs a checkout says so: the embedded data (data/) does not travel with the package.
    sample = run([porting, "make-sample-data", "--out", outside / "sample.parquet"], timeout=600, cwd=outside, status=2)
    assert len(sample.stderr.splitlines()) == 1
    assert "real_urls.txt is missing" in sample.stderr
