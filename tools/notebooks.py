"""Notebook tooling: keep jupytext pairs in sync, and execute notebooks top to bottom.

    python tools/notebooks.py sync            write notebooks/NN_*.ipynb from notebooks/NN_*.py
    python tools/notebooks.py check           fail if a pair is missing, out of sync, or has outputs
    python tools/notebooks.py run --out DIR   execute every notebook (set PORTING_SMOKE=1 for CI)

The ``.py`` file (jupytext ``py:percent``) is the source of truth; the ``.ipynb`` is generated from
it, without outputs, so that Colab can open it from GitHub.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_SECONDS = int(os.environ.get("PORTING_CELL_TIMEOUT", "3600"))


def sources() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def paired_notebook(source: Path) -> Path:
    return source.with_suffix(".ipynb")


def as_notebook(source: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata.setdefault("colab", {"provenance": []})
    notebook.metadata["accelerator"] = "GPU"
    return notebook


def cell_summary(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def command_sync(_arguments) -> int:
    for source in sources():
        target = paired_notebook(source)
        jupytext.write(as_notebook(source), target, fmt="ipynb")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


def command_check(_arguments) -> int:
    problems = []
    for source in sources():
        target = paired_notebook(source)
        if not target.exists():
            problems.append(f"{target.relative_to(ROOT)} is missing (run: python tools/notebooks.py sync)")
            continue
        stored = nbformat.read(target, as_version=4)
        if any(cell.get("outputs") or cell.get("execution_count") for cell in stored.cells if cell.cell_type == "code"):
            problems.append(f"{target.relative_to(ROOT)} has stored outputs")
        if cell_summary(stored) != cell_summary(as_notebook(source)):
            problems.append(f"{target.relative_to(ROOT)} differs from {source.name} (run: python tools/notebooks.py sync)")
    for orphan in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not orphan.with_suffix(".py").exists():
            problems.append(f"{orphan.relative_to(ROOT)} has no .py source")
    for problem in problems:
        print(f"notebook check: {problem}", file=sys.stderr)
    print(f"notebook check: {len(sources())} pairs, {len(problems)} problems")
    return 1 if problems else 0


def run_record(seconds: float, status: str) -> dict:
    """What an executed notebook's metadata says of its run: where, when, from which commit, how long."""
    import datetime
    import platform
    import subprocess

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip() or None,
        "hardware": f"{os.cpu_count()} CPU cores, {platform.machine()}, {platform.system()}",
        "wall_seconds": round(seconds),
        "smoke": os.environ.get("PORTING_SMOKE", "0") == "1",
        "status": status,
    }


def command_run(arguments) -> int:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out = Path(arguments.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    selected = [source for source in sources() if not arguments.only or any(name in source.name for name in arguments.only)]
    failures = 0
    for source in selected:
        notebook = as_notebook(source)
        started = time.monotonic()
        print(f"running {source.name} ...", flush=True)
        client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name=arguments.kernel,
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        try:
            client.execute()
            status = "ok"
        except CellExecutionError as error:
            failures += 1
            status = "FAILED"
            print(str(error)[-3000:], file=sys.stderr)
        notebook.metadata["porting_run"] = run_record(time.monotonic() - started, status)
        nbformat.write(notebook, out / paired_notebook(source).name)
        print(f"{status:6} {source.name} in {time.monotonic() - started:.0f} s -> {out / paired_notebook(source).name}",
              flush=True)
    print(f"notebooks: {len(selected) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sync").set_defaults(run=command_sync)
    commands.add_parser("check").set_defaults(run=command_check)
    run = commands.add_parser("run")
    run.add_argument("--out", required=True, help="folder for the executed notebooks")
    run.add_argument("--only", nargs="*", help="run only notebooks whose file name contains one of these")
    run.add_argument("--kernel", default="python3", help="Jupyter kernel name (tools/colab_rehearsal.sh uses its own)")
    run.set_defaults(run=command_run)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


if __name__ == "__main__":
    sys.exit(main())
