"""requirements.txt and requirements-dev.txt, written from pyproject.toml, the one source of the
project's dependencies.

    python tools/requirements.py write   after an edit of pyproject.toml
    python tools/requirements.py check   exit status 1, one line per file, when a file differs from
                                         what `write` would write (tests/test_packaging.py runs it)

    requirements.txt      the package's dependencies and its `notebooks` extra: what the command line
                          and the notebooks need at run time (tools/bootstrap.sh, setup_colab.sh)
    requirements-dev.txt  -r requirements.txt, then the `dev` extra: tests and notebook tooling

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
        DEVELOPMENT_FILE: (HEADER + f"# {RUN_TIME_FILE}, then the `{DEVELOPMENT_EXTRA}` extra: tests and notebook tooling.\n"
                           + f"-r {RUN_TIME_FILE}\n" + "".join(f"{item}\n" for item in development)),
    }


def stale_files(root: Path = ROOT) -> list[str]:
    """The requirement files under ``root`` that differ from what `write` would write."""
    files = requirement_files(root / "pyproject.toml")
    return [path.name for path in differing({root / name: text for name, text in files.items()})]


def main(argv: list[str] | None = None) -> int:
    return write_or_check(argv, __doc__.splitlines()[0],
                          lambda: {ROOT / name: text for name, text in requirement_files().items()}, ROOT, "pyproject.toml")


if __name__ == "__main__":
    sys.exit(main())
