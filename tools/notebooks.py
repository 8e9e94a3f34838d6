"""Notebook tooling: keep jupytext pairs in sync, and execute notebooks top to bottom.

    python tools/notebooks.py sync            write notebooks/NN_*.ipynb from notebooks/NN_*.py (jupytext's
                                              update of a pair), keeping the stored outputs of code cells
                                              whose source is unchanged
    python tools/notebooks.py check           fail if a pair is missing or out of sync, or if a notebook does
                                              not hold the outputs of a full run (every code cell executed)
    python tools/notebooks.py run --out DIR   execute every notebook (set PORTING_SMOKE=1 for CI)
    python tools/notebooks.py run --out DIR --store
                                              ... and store the executed notebooks (a full run, not smoke) in
                                              notebooks/: what `bash tools/run.sh --store` does

The ``.py`` file (jupytext ``py:percent``) is the source of truth; the ``.ipynb`` holds the same cells
and the outputs of the last full run on this project's kind of machine, so that a reader on GitHub or
in Colab sees results before running anything. Its metadata ``porting_run`` says where, when, from
which commit and in how long that run went.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs
from jupytext.compare import NotebookDifference, compare_notebooks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # helpers.environment, for the run record
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_SECONDS = int(os.environ.get("PORTING_CELL_TIMEOUT", "3600"))


def sources() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def paired_notebook(source: Path) -> Path:
    return source.with_suffix(".ipynb")


def as_notebook(source: Path) -> nbformat.NotebookNode:
    """The notebook of a source as jupytext reads it (its header pairs it: ``formats: ipynb,py:percent``),
    with the Colab metadata that makes Colab offer a GPU runtime."""
    notebook = jupytext.read(source)
    notebook.metadata.setdefault("colab", {"provenance": []})
    notebook.metadata.setdefault("accelerator", "GPU")
    return notebook


def synced(source: Path, stored) -> tuple[nbformat.NotebookNode, int]:
    """``source``'s cells with ``stored``'s outputs, cell ids and metadata (jupytext's own update of a paired
    .ipynb); returns it and how many code cells keep the outputs of the stored run."""
    notebook = combine_inputs_with_outputs(as_notebook(source), stored, fmt="py:percent")
    # Hand-written on purpose: jupytext also gives a changed cell the outputs of the cell at its place,
    # but a stored notebook must hold only outputs its code made, with the run record only if any remain.
    unchanged = {cell.source.strip() for cell in stored.cells if cell.cell_type == "code"}
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code_cells:
        if cell.source.strip() not in unchanged:
            cell.outputs, cell.execution_count = [], None
    kept = sum(cell.execution_count is not None for cell in code_cells)
    if not kept:
        notebook.metadata.pop("porting_run", None)
    return notebook, kept


def command_sync(_arguments) -> int:
    for source in sources():
        target = paired_notebook(source)
        notebook, kept = synced(source, jupytext.read(target)) if target.exists() else (as_notebook(source), 0)
        code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)
        jupytext.write(notebook, target)
        note = "" if kept == code_cells else f" (run `bash tools/run.sh --store` to execute the other {code_cells - kept})"
        print(f"wrote {target.relative_to(ROOT)}: {kept} of {code_cells} code cells keep their stored outputs{note}")
    return 0


def execution_problems(stored) -> list[str]:
    """Why ``stored`` is not a notebook executed by a full run: missing run record, smoke or failed run,
    code cells never executed."""
    run = stored.metadata.get("porting_run")
    if not run:
        return ["has no outputs of a full run (run: bash tools/run.sh --store)"]
    problems = []
    if run.get("smoke") or run.get("status") != "ok":
        problems.append(f"holds a {'smoke' if run.get('smoke') else 'failed'} run (run: bash tools/run.sh --store)")
    unexecuted = sum(1 for cell in stored.cells if cell.cell_type == "code" and cell.get("execution_count") is None)
    if unexecuted:
        problems.append(f"has {unexecuted} code cells without outputs of the stored run (run: bash tools/run.sh --store)")
    return problems


def command_check(_arguments) -> int:
    problems = []
    for source in sources():
        target = paired_notebook(source)
        if not target.exists():
            problems.append(f"{target.relative_to(ROOT)} is missing (run: python tools/notebooks.py sync)")
            continue
        stored = jupytext.read(target)
        problems += [f"{target.relative_to(ROOT)} {problem}" for problem in execution_problems(stored)]
        try:
            compare_notebooks(stored, as_notebook(source), fmt="py:percent")
        except NotebookDifference as difference:
            first_line = str(difference).splitlines()[0].rstrip(": ")
            problems.append(f"{target.relative_to(ROOT)} differs from {source.name} ({first_line}; run: python tools/notebooks.py sync)")
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

    from helpers.environment import code_commit, machine_description

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": code_commit(),
        "hardware": machine_description(),
        "wall_seconds": round(seconds),
        "smoke": os.environ.get("PORTING_SMOKE", "0") == "1",
        "status": status,
    }


def command_run(arguments) -> int:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out = Path(arguments.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    if arguments.store and os.environ.get("PORTING_SMOKE", "0") == "1":
        print("--store keeps the outputs of full runs only: unset PORTING_SMOKE", file=sys.stderr)
        return 2
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
        jupytext.write(notebook, out / paired_notebook(source).name)
        if arguments.store and status == "ok":
            jupytext.write(notebook, paired_notebook(source))
            print(f"stored in {paired_notebook(source).relative_to(ROOT)}", flush=True)
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
    run.add_argument("--store", action="store_true",
                     help="write each notebook that ran without error back to notebooks/, outputs included")
    run.set_defaults(run=command_run)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


if __name__ == "__main__":
    sys.exit(main())
