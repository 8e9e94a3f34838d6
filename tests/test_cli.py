import json
import subprocess
import sys

import pytest

from helpers.cli import main
from helpers.storage import load_model, save_model


@pytest.fixture(scope="module")
def model_dir(small_model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    save_model(small_model, directory, task="protocol")
    return directory


def run_cli(capsys, *arguments):
    status = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_saved_model_loads_with_the_same_outputs(small_model, model_dir):
    from helpers.decoders import GreedyDecoder

    loaded = load_model(model_dir)
    assert loaded.task == "protocol"
    inputs = ["http://a.com", "x"]
    assert GreedyDecoder(loaded.model)(inputs).texts == GreedyDecoder(small_model)(inputs).texts


def test_predict_writes_one_object_per_line_in_order(capsys, model_dir, tmp_path):
    lines = [b"http://example.com/", b"", b"  spaced  ", b"\xff\xfe", b"x" * 65, b"ftp://a\r"]
    path = tmp_path / "inputs.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    status, out, _ = run_cli(capsys, "predict", "--model", model_dir, path)
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == len(lines)
    assert [r["input"] for r in records] == [line.decode("utf-8", errors="replace") for line in lines]
    assert records[2]["input"] == "  spaced  " and records[5]["input"] == "ftp://a\r"  # not stripped
    for index, reason in [(1, "empty"), (3, "UTF-8"), (4, "at most 64")]:
        assert records[index]["ok"] is False and records[index]["output"] is None
        assert reason in records[index]["error"]
    for record in records:
        assert set(record) >= {"input", "output", "ok", "score"}


def test_predict_ok_means_valid_output_format(capsys, model_dir, tmp_path):
    path = tmp_path / "inputs.txt"
    path.write_text("http://a.com\nhttps://b.org/x\n")
    _, out, _ = run_cli(capsys, "predict", "--model", model_dir, path)
    for record in map(json.loads, out.splitlines()):
        valid = record["output"] is not None
        if valid:
            try:
                json.loads(record["output"])
            except json.JSONDecodeError:
                valid = False
        assert record["ok"] == valid


def test_evaluate_compares_with_the_real_function(capsys, model_dir, tmp_path):
    path = tmp_path / "inputs.txt"
    path.write_text("http://a.com\n\nhttps://b.org/x\n")
    status, out, _ = run_cli(capsys, "evaluate", "--model", model_dir, path)
    report = json.loads(out)
    assert status == 0 and report["lines"] == 3 and report["compared"] == 2 and report["rejected_by_model"] == 1
    assert 0.0 <= report["exact_match"] <= 1.0


@pytest.mark.parametrize("arguments", [
    [], ["predict"], ["predict", "--model"], ["frobnicate"], ["predict", "--model", "/no/such/dir", "x.txt"],
    ["train", "--task", "nope", "--out", "/tmp/x"],
])
def test_bad_arguments_give_one_line_and_status_2(capsys, arguments, tmp_path):
    status, out, err = run_cli(capsys, *arguments)
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err


def test_missing_input_file_is_status_2(capsys, model_dir):
    status, _, err = run_cli(capsys, "predict", "--model", model_dir, "/no/such/file.txt")
    assert status == 2 and "cannot read" in err


def test_module_entry_point_runs(model_dir, tmp_path):
    """`python -m helpers` works as a real process (stdin input)."""
    result = subprocess.run([sys.executable, "-m", "helpers", "predict", "--model", str(model_dir), "-"],
                            input=b"http://a.com\n", capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode().splitlines()[0])["input"] == "http://a.com"
