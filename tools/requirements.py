"""requirements.txt and requirements-dev.txt, written from pyproject.toml, the one source of the
project's dependencies.

    python tools/requirements.py write   after an edit of pyproject.toml
    python tools/requirements.py check   exit status 1, one line per file, when a file differs from
                                         what `write` would write, and one line per pin of
                                         tools/colab_constraints.txt outside pyproject.toml's range
                                         (tests/test_packaging.py runs both)

    requirements.txt      the package's dependencies and its `notebooks` extra: what the command line
                          and the notebooks need at run time (tools/bootstrap.sh, setup_colab.sh);
                          ranges, so that Colab's preinstalled versions satisfy them
    requirements-dev.txt  -r requirements.txt, -c tools/colab_constraints.txt (Colab's versions pin
                          the local environment wherever a package is also Colab's), then the `dev`
                          extra: tests and notebook tooling

An extra that names the project itself (``porting-code[spark]``) is replaced by that extra's own
requirements, so that ``pip install -r`` needs no checkout installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from generated_files import differing, write_or_check

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RUN_TIME_FILE = "requirements.txt"
RUN_TIME_EXTRA = "notebooks"
DEVELOPMENT_FILE = "requirements-dev.txt"
DEVELOPMENT_EXTRA = "dev"
HEADER = ("# Written from pyproject.toml by `python tools/requirements.py write`: edit pyproject.toml (the\n"
          "# reasons for each range are there), not this file; tests/test_packaging.py fails when they differ.\n")
SELF_REFERENCE = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)\[(?P<extras>[^\]]+)\]$")
COLAB_CONSTRAINTS = "tools/colab_constraints.txt"  # Colab's versions; the rehearsal and the local environment read it
COLAB_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[0-9][0-9A-Za-z.]*?)(?P<wildcard>\.\*)?$")
COLAB_PYTHON = re.compile(r"^# PYTHON (?P<version>\d+\.\d+)$")  # tools/colab_rehearsal.sh reads the same line


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def expand(requirements: list[str], project: dict) -> list[str]:
    """``requirements`` with each reference to the project's own extras replaced by their
    requirements (recursively), in order, without repeats."""
    expanded: list[str] = []
    for requirement in requirements:
        match = SELF_REFERENCE.match(requirement.replace(" ", ""))
        if match and canonical_name(match["name"]) == canonical_name(project["name"]):
            extras = project.get("optional-dependencies", {})
            for extra in match["extras"].split(","):
                if extra not in extras:
                    raise ValueError(f"{requirement!r} names the extra {extra!r}, which pyproject.toml does not define")
                items = expand(extras[extra], project)
                expanded.extend(item for item in items if item not in expanded)
        elif requirement not in expanded:
            expanded.append(requirement)
    return expanded


def requirement_files(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """File name -> the text `write` puts there."""
    project = tomllib.loads(pyproject.read_text())["project"]
    run_time = expand(project["dependencies"] + [f"{project['name']}[{RUN_TIME_EXTRA}]"], project)
    development = [item for item in expand([f"{project['name']}[{DEVELOPMENT_EXTRA}]"], project)
                   if item not in run_time]
    return {
        RUN_TIME_FILE: (HEADER + f"# The dependencies and the `{RUN_TIME_EXTRA}` extra: the command line and the notebooks.\n"
                        + "".join(f"{item}\n" for item in run_time)),
        DEVELOPMENT_FILE: (HEADER + f"# {RUN_TIME_FILE} with Colab's versions where they overlap, then the "
                           f"`{DEVELOPMENT_EXTRA}` extra: tests and notebook tooling.\n"
                           + f"-r {RUN_TIME_FILE}\n-c {COLAB_CONSTRAINTS}\n" + "".join(f"{item}\n" for item in development)),
    }


def colab_pins(constraints: Path) -> tuple[str, dict[str, str]]:
    """(Colab's Python version, {canonical package name: pinned version}) from the constraints file;
    a ``==X.Y.*`` pin gives ``X.Y``. ValueError for a line that is neither a comment nor a pin."""
    python, pins = None, {}
    for number, line in enumerate(constraints.read_text().splitlines(), start=1):
        line = line.strip()
        if COLAB_PYTHON.match(line):
            python = COLAB_PYTHON.match(line)["version"]
        elif line and not line.startswith("#"):
            pin = COLAB_PIN.match(line)
            if pin is None:
                raise ValueError(f"{constraints.name} line {number}: {line!r} is not NAME==VERSION")
            pins[canonical_name(pin["name"])] = pin["version"]
    if python is None:
        raise ValueError(f"{constraints.name} has no '# PYTHON X.Y' line (Colab's Python)")
    return python, pins


def colab_conflicts(root: Path = ROOT) -> list[str]:
    """One line for each of Colab's versions (tools/colab_constraints.txt) that pyproject.toml's
    ``requires-python`` or a requirement of the same package (any extra) does not admit: there, the
    local environment could not be installed and `pip install` in Colab would replace a preinstalled
    package."""
    from packaging.requirements import Requirement

    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    python, pins = colab_pins(root / COLAB_CONSTRAINTS)
    conflicts = []
    if not Requirement(f"python{project['requires-python']}").specifier.contains(python):
        conflicts.append(f"{COLAB_CONSTRAINTS}: Colab's Python {python} is outside requires-python "
                         f"{project['requires-python']} in pyproject.toml")
    requirements = expand([f"{project['name']}[{extra}]" for extra in project.get("optional-dependencies", {})]
                          + project["dependencies"], project)
    for text in requirements:
        requirement = Requirement(text)
        pinned = pins.get(canonical_name(requirement.name))
        if pinned is not None and not requirement.specifier.contains(pinned, prereleases=True):
            conflicts.append(f"{COLAB_CONSTRAINTS}: {requirement.name} {pinned} (Colab's) is outside "
                             f"{text!r} in pyproject.toml")
    return conflicts


def stale_files(root: Path = ROOT) -> list[str]:
    """The requirement files under ``root`` that differ from what `write` would write."""
    files = requirement_files(root / "pyproject.toml")
    return [path.name for path in differing({root / name: text for name, text in files.items()})]


def main(argv: list[str] | None = None) -> int:
    status = write_or_check(argv, __doc__.splitlines()[0],
                            lambda: {ROOT / name: text for name, text in requirement_files().items()}, ROOT, "pyproject.toml")
    conflicts = colab_conflicts()
    for line in conflicts:
        print(line, file=sys.stderr)
    return 1 if conflicts else status


if __name__ == "__main__":
    sys.exit(main())
