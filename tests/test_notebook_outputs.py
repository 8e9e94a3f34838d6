"""The stored notebooks as a reader sees them: a lesson, not a log.

Budgets on each stored ``notebooks/*.ipynb``: at most 150 lines of text output, no code cell over
40 lines, no per-epoch training log, no path of the machine that ran it, no words about CI or smoke
runs; and the setup cell of every notebook source is the one in ``tools/setup_cells.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORED = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_TEXT_LINES = 150
MAX_CODE_LINES = 40
# rich outputs (a table, a plot, highlighted code) carry a plain-text copy that a reader never sees
RICH_TYPES = ("text/html", "image/png", "image/svg+xml", "application/javascript")
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|root|tmp|Users|mnt|opt)/")
BOOKKEEPING = re.compile(r"smoke|\bCI\b", re.IGNORECASE)
EPOCH_LOG = re.compile(r"^\s*(Epoch \d+/\d+|epoch \d+:|\d+/\d+ .*- loss:)", re.MULTILINE)


def shown_lines(text: str) -> list[str]:
    """The lines a notebook front end shows for a stream: a carriage return rewrites its line
    (a progress bar updating in place is one line)."""
    return [line.rsplit("\r", 1)[-1] for line in text.rstrip("\n").split("\n")] if text else []


def text_output(output: dict) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    if any(kind in data for kind in RICH_TYPES):
        return ""
    return "".join(data.get("text/plain", ""))


def cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


def test_the_notebooks_are_stored():
    assert [path.stem[:2] for path in STORED] == ["01", "02", "03", "04", "05", "06"]


def cell_texts(cell: dict) -> list[str]:
    """The text outputs of a cell as shown: consecutive writes to one stream run together (a bar
    that redraws itself arrives as many small writes)."""
    texts, last_stream = [], None
    for output in cell.get("outputs", []):
        stream = output.get("name") if output.get("output_type") == "stream" else None
        if stream is not None and stream == last_stream:
            texts[-1] += text_output(output)
        else:
            texts.append(text_output(output))
        last_stream = stream
    return texts


@pytest.mark.parametrize("path", STORED, ids=lambda path: path.stem)
def test_a_stored_notebook_is_read_not_scrolled(path):
    texts = [text for cell in cells(path) for text in cell_texts(cell)]
    lines = sum(len(shown_lines(text)) for text in texts)
    assert lines <= MAX_TEXT_LINES, f"{path.name}: {lines} lines of text output"
    long_cells = [len("".join(cell["source"]).splitlines()) for cell in cells(path)
                  if len("".join(cell["source"]).splitlines()) > MAX_CODE_LINES]
    assert not long_cells, f"{path.name}: code cells of {long_cells} lines"
    every_output = "\n".join(texts)
    assert not EPOCH_LOG.search(every_output), f"{path.name}: a training log: {EPOCH_LOG.search(every_output).group(0)!r}"
    assert not MACHINE_PATH.search(every_output), f"{path.name}: a machine path in the outputs"
    assert not BOOKKEEPING.search(every_output), f"{path.name}: {BOOKKEEPING.search(every_output).group(0)!r} in the outputs"


def test_shown_lines_count_a_bar_updating_in_place_once():
    assert shown_lines(" 10%|#  | 1/10\r 50%|#####  | 5/10\r100%|##########| 10/10\nsummary\n") == [
        "100%|##########| 10/10", "summary"]
    assert shown_lines("") == []


def test_a_bar_written_in_pieces_is_one_line():
    pieces = [{"output_type": "stream", "name": "stderr", "text": "  0%|  | 0/10\r"},
              {"output_type": "stream", "name": "stderr", "text": " 50%|# | 5/10\r"},
              {"output_type": "stream", "name": "stderr", "text": "100%|##| 10/10\n"},
              {"output_type": "stream", "name": "stdout", "text": "summary\n"}]
    assert [shown_lines(text) for text in cell_texts({"outputs": pieces})] == [["100%|##| 10/10"], ["summary"]]


def test_every_notebook_has_the_one_setup_cell():
    checked = subprocess.run([sys.executable, str(ROOT / "tools" / "setup_cells.py"), "check"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_setup_check_finds_a_drifted_cell(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import setup_cells
    finally:
        sys.path.remove(str(ROOT / "tools"))
    notebook = tmp_path / "07_drifted.py"
    notebook.write_text("# %% [markdown]\n# # Title\n\n" + setup_cells.SETUP_CELL.replace("describe\n", "describe, mount_drive\n"))
    monkeypatch.setattr(setup_cells, "NOTEBOOKS", tmp_path)
    assert setup_cells.main(["check"]) == 1
    assert setup_cells.main(["write"]) == 0
    assert setup_cells.main(["check"]) == 0
    assert setup_cells.SETUP_CELL in notebook.read_text()


def test_after_describe_a_warning_is_one_line_without_a_path(monkeypatch):
    import warnings

    from helpers.environment import describe

    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # put back after the test
    describe()
    # what Python's default showwarning writes to stderr
    shown = warnings.formatwarning("a library's warning", UserWarning, "/usr/lib/python3/some/library.py", 7)
    assert shown == "UserWarning: a library's warning\n"
