import json
from pathlib import Path

import pytest

from helpers.records import EVALUATIONS_FILE, read_records, record, trained_for, trainings


def test_a_record_says_what_on_which_data_when_where_and_by_which_command(tmp_path):
    first = record(tmp_path, "exact match", "100 inputs", 97, 100, command=["python", "x.py"])
    assert first["value"] == 0.97 and first["command"] == "python x.py"
    assert {"date", "hardware", "commit"} <= set(first) and "CPU cores" in first["hardware"]
    record(tmp_path, "exact match", "other data", 1, 2)
    again = record(tmp_path, "exact match", "100 inputs", 99, 100)  # the same measure on the same data: replaced
    records = read_records(tmp_path)
    assert [(entry["data"], entry["correct"]) for entry in records] == [("other data", 1), ("100 inputs", 99)]
    assert records[-1] == again
    with pytest.raises(ValueError, match="correct <= total"):
        record(tmp_path, "exact match", "x", 3, 2)
    (tmp_path / EVALUATIONS_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="damaged"):
        read_records(tmp_path)
    assert read_records(tmp_path / "none") == []
    assert json.loads(json.dumps(first)) == first


def test_a_model_trained_from_another_counts_every_training_back_to_the_first(tmp_path):
    def metrics(folder, steps, minutes, initial=None):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "metrics.json").write_text(json.dumps(
            {"steps": steps, "training_minutes": minutes, "training_config": {"initial_model": initial}}))

    metrics("runs/a/model", 600, 10.5)
    metrics("runs/b/model", 600, 9.25, "runs/a/model")
    metrics("shipped", 300, 5.0, "runs/b/model")
    assert [entry["steps"] for entry in trainings(tmp_path / "shipped", tmp_path)] == [600, 600, 300]
    assert trained_for(tmp_path / "shipped", tmp_path) == (
        "1,500 steps in 24.75 minutes, in 3 trainings (600, 600 and 300 steps, each from the weights of the one before)")
    assert trained_for(tmp_path / "runs/a/model", tmp_path) == "600 steps in 10.5 minutes"
    metrics("orphan", 100, 1.0, "runs/gone/model")  # a first model that is not kept: the chain says so
    assert trained_for(tmp_path / "orphan", tmp_path) == "100 steps in 1.0 minutes (the first from runs/gone/model, not kept)"
    with pytest.raises(ValueError, match="no metrics.json"):
        trained_for(tmp_path / "nothing", tmp_path)


def test_evaluate_record_writes_the_exact_match_beside_the_model(tmp_path, capsys):
    import shutil

    from helpers.cli import main

    model = tmp_path / "title"
    shutil.copytree(Path(__file__).resolve().parent.parent / "models" / "title", model)
    (model / EVALUATIONS_FILE).unlink(missing_ok=True)
    (tmp_path / "inputs.txt").write_text("hello world\nmary had a little lamb\n")
    assert main(["evaluate", "--model", str(model), str(tmp_path / "inputs.txt"), "--record", "two lines"]) == 0
    report = json.loads(capsys.readouterr().out)
    [entry] = read_records(model)
    assert (entry["measure"], entry["data"], entry["total"]) == ("exact match", "two lines", 2)
    assert entry["correct"] == report["compared"] - report["wrong"] and "--record" in entry["command"]
