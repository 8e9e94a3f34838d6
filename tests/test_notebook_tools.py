"""tools/notebooks.py: the pair check demands the outputs of a full run; sync (jupytext's update of a
pair) keeps the outputs, ids and run record of unchanged code cells and drops a changed cell's; helpers.environment drops TensorFlow's native start-up lines, nothing else."""

import importlib.util
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def notebooks(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("notebook_tools", ROOT / "tools" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    (tmp_path / "01_example.py").write_text(
        "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n#     text_representation:\n"
        "#       extension: .py\n#       format_name: percent\n#   kernelspec:\n#     display_name: Python 3\n"
        "#     language: python\n#     name: python3\n# ---\n\n"
        "# %% [markdown]\n# # A title\n\n# %%\nx = 1\n\n# %%\nprint(x + 1)\n")
    return module


def executed(notebook, smoke=False):
    for number, cell in enumerate(cell for cell in notebook.cells if cell.cell_type == "code"):
        cell.execution_count = number + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"output {number}\n")]
    notebook.metadata["porting_run"] = {"smoke": smoke, "status": "ok", "commit": "abc", "wall_seconds": 1}
    return notebook


def test_check_demands_a_full_run_and_sync_keeps_the_outputs_of_unchanged_cells(notebooks, tmp_path):
    source, target = tmp_path / "01_example.py", tmp_path / "01_example.ipynb"
    assert notebooks.command_sync(None) == 0
    assert notebooks.command_check(None) == 1  # synced, never executed
    nbformat.write(executed(notebooks.as_notebook(source), smoke=True), target)
    assert notebooks.command_check(None) == 1  # a smoke run is not what a reader should read
    nbformat.write(executed(notebooks.as_notebook(source)), target)
    assert notebooks.command_check(None) == 0
    source.write_text(source.read_text().replace("# # A title", "# # A new title"))  # prose only
    assert notebooks.command_check(None) == 1  # out of sync
    assert notebooks.command_sync(None) == 0
    assert notebooks.command_check(None) == 0  # every code cell kept its outputs
    stored = nbformat.read(target, as_version=4)
    assert [cell.outputs[0]["text"] for cell in stored.cells if cell.cell_type == "code"] == ["output 0\n", "output 1\n"]
    source.write_text(source.read_text().replace("print(x + 1)", "print(x + 2)"))  # code changed
    assert notebooks.command_sync(None) == 0
    assert notebooks.command_check(None) == 1  # that cell's outputs are gone: run the notebooks again
    assert nbformat.read(target, as_version=4).cells[1].outputs[0]["text"] == "output 0\n"


def test_sync_is_jupytexts_pair_update_and_check_names_the_difference(notebooks, tmp_path, capsys):
    source, target = tmp_path / "01_example.py", tmp_path / "01_example.ipynb"
    assert notebooks.command_sync(None) == 0
    fresh = nbformat.read(target, as_version=4)
    assert fresh.metadata["jupytext"] == {"formats": "ipynb,py:percent"}  # the pairing, from the source's header
    assert fresh.metadata["accelerator"] == "GPU" and "porting_run" not in fresh.metadata
    nbformat.write(executed(fresh), target)
    ids = [cell.id for cell in fresh.cells]
    source.write_text(source.read_text().replace("# %%\nx = 1\n", "# %%\nx = 1\n\n# %%\ny = 2\n"))  # a new cell
    capsys.readouterr()
    assert notebooks.command_check(None) == 1
    assert "01_example.ipynb differs from 01_example.py (" in capsys.readouterr().err
    assert notebooks.command_sync(None) == 0
    assert "2 of 3 code cells keep their stored outputs" in capsys.readouterr().out
    stored = nbformat.read(target, as_version=4)
    assert [cell.source for cell in stored.cells] == ["# A title", "x = 1", "y = 2", "print(x + 1)"]
    assert [cell.get("execution_count") for cell in stored.cells[1:]] == [1, None, 2]
    assert [stored.cells[index].id for index in (0, 1, 3)] == ids  # no churn in the stored JSON
    assert stored.metadata["porting_run"]["commit"] == "abc"
    source.write_text(source.read_text().replace("x = 1", "x = 3").replace("print(x + 1)", "print(x)"))
    assert notebooks.command_sync(None) == 0  # no code cell is left as it ran: no run record either
    assert "porting_run" not in nbformat.read(target, as_version=4).metadata


def test_store_refuses_a_smoke_run(notebooks, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTING_SMOKE", "1")
    assert notebooks.main(["run", "--out", str(tmp_path / "out"), "--store"]) == 2


def test_tensorflow_start_up_lines_are_dropped_and_other_lines_kept(capfd, monkeypatch):
    from helpers.environment import native_start_up_lines_filtered

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    with native_start_up_lines_filtered():
        os.write(2, b"I0000 00:00:1796210505.420399    2712 cudart_stub.cc:31] Could not find cuda drivers\n")
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"E0000 00:00:1796210505.420399    2712 cuda_executor.cc:1] failed call to cuInit\n")
        os.write(2, b"a real problem\n")
    sys.stderr.flush()
    assert capfd.readouterr().err == "a real problem\n"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user asked to see them
    with native_start_up_lines_filtered():
        os.write(2, b"I0000 00:00:1.0    1 port.cc:153] oneDNN\n")
    assert "oneDNN" in capfd.readouterr().err
