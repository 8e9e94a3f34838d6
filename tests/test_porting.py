"""python -m helpers learn: naming a function, reading its inputs, targets with errors, the checks,
and one short run end to end."""

import json
import random

import pytest

from helpers.cli import main
from helpers.evaluation import evaluate_records
from helpers.functions import error_output, predicted_error
from helpers.porting import (MAX_INPUT_BYTES, PortConfig, import_callable, plan, ported_function, read_inputs,
                             recorded_spec)
from helpers.prediction import output_record

FUNCTIONS = '''
import random


def swap(text):
    """'ab-cd' -> 'cd-ab'; raises ValueError without a '-'."""
    left, dash, right = text.partition("-")
    if not dash:
        raise ValueError("no dash")
    return right + "-" + left


def always_fails(text):
    raise KeyError(text)


def not_json(text):
    return {len(text)} if text.startswith("b") else text


def pairs(rng):
    word = lambda: "".join(rng.choice("abcdef") for _ in range(rng.randint(1, 4)))
    return word() + ("-" if rng.random() < 0.8 else "") + word()


def not_a_string(rng):
    return 42


constant = 3
'''


@pytest.fixture
def module_file(tmp_path):
    path = tmp_path / "my_functions.py"
    path.write_text(FUNCTIONS)
    return path


def test_functions_are_named_by_module_or_by_file(module_file):
    import html
    import posixpath

    assert import_callable("html:escape") is html.escape
    assert import_callable("os.path:join") is posixpath.join
    assert import_callable("builtins:str.title")("ab cd") == "Ab Cd"
    assert import_callable(f"{module_file}:swap")("ab-cd") == "cd-ab"
    assert recorded_spec("html:escape") == "html:escape"
    assert recorded_spec(f"{module_file.name}:swap").startswith("/")  # a file path is made absolute


@pytest.mark.parametrize("spec, message", [
    ("html.escape", "expected MODULE:FUNCTION"),
    ("html:", "expected MODULE:FUNCTION"),
    ("no_such_module_xyz:f", "cannot import module"),
    ("html:no_such_function", "has no attribute"),
    ("string:ascii_letters", "not callable"),
    ("/no/such/file.py:f", "no file"),
])
def test_bad_function_names_are_value_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        import_callable(spec)


def test_errors_are_outputs_and_evaluate_counts_them_right_only_when_the_function_raised(module_file):
    function = ported_function(f"{module_file}:swap")
    assert function.output_text("ab-cd") == '"cd-ab"'
    assert function.output_text("abcd") == error_output(ValueError()) == '{"error":"ValueError"}'
    assert predicted_error(json.loads(function.output_text("abcd"))) == "ValueError"
    records = [
        output_record(function.name, {"input": "abcd"}, '{"error":"ValueError"}', 0.9),  # right: it raises
        output_record(function.name, {"input": "ab-cd"}, '{"error":"ValueError"}', 0.9),  # wrong: it does not
        output_record(function.name, {"input": "ab-cd"}, '"cd-ab"', 0.9),  # right
        output_record(function.name, {"input": "abcd"}, '"cd-ab"', 0.9),  # wrong: it raises
    ]
    assert records[0]["ok"] is False and records[0]["predicted_error"] == "ValueError" and "error" not in records[0]
    assert records[2]["ok"] is True
    report = evaluate_records(function, records)
    assert report["compared"] == 4 and report["exact_match"] == 0.5


def test_a_result_json_cannot_hold_names_the_input(module_file, tmp_path):
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("".join(f"a{index}\n" for index in range(60)) + "bad\n")
    with pytest.raises(ValueError, match="not JSON-serialisable for the input 'bad'"):
        plan(PortConfig(function=f"{module_file}:not_json", inputs=str(inputs)))


def write_lines(path, lines):
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return str(path)


@pytest.mark.parametrize("case, message", [
    ("empty", "is empty"),
    ("not_utf8", "not UTF-8: line 3"),
    ("few", "has 20 distinct inputs; at least 50"),
    ("long", f"2 of 62 inputs .* are longer than {MAX_INPUT_BYTES} UTF-8 bytes"),
    ("blank_line", "1 of 61 inputs .* are empty"),
    ("raises", "raised on every one"),
    ("both", "exactly one of"),
])
def test_bad_inputs_are_value_errors(case, message, module_file, tmp_path):
    good = [f"w{index}-x".encode() for index in range(60)]
    path = tmp_path / "inputs.txt"
    config = PortConfig(function=f"{module_file}:swap", inputs=str(path))
    if case == "empty":
        path.write_bytes(b"")
    elif case == "not_utf8":
        write_lines(path, good[:2] + [b"\xff\xfe"] + good)
    elif case == "few":
        write_lines(path, [f"w{index % 20}-x".encode() for index in range(200)])
    elif case == "long":
        write_lines(path, good + [b"a-" + b"b" * MAX_INPUT_BYTES] * 2)
    elif case == "blank_line":
        write_lines(path, good + [b""])
    elif case == "raises":
        write_lines(path, good)
        config = PortConfig(function=f"{module_file}:always_fails", inputs=str(path))
    elif case == "both":
        write_lines(path, good)
        config = PortConfig(function=f"{module_file}:swap", inputs=str(path), generator=f"{module_file}:pairs")
    with pytest.raises(ValueError, match=message):
        plan(config)


def test_bad_generators_are_value_errors(module_file):
    with pytest.raises(ValueError, match="returned a int, not a str"):
        plan(PortConfig(function=f"{module_file}:swap", generator=f"{module_file}:not_a_string"))


def test_read_inputs_splits_on_newline_only(tmp_path):
    path = tmp_path / "inputs.txt"
    path.write_bytes(b"a\r\n b \n\tc")
    assert read_inputs(path) == ["a\r", " b ", "\tc"]


def test_a_file_is_split_without_leakage(module_file, tmp_path):
    rng = random.Random(0)
    lines = [import_callable(f"{module_file}:pairs")(rng) for _ in range(3000)]
    path = tmp_path / "inputs.txt"
    path.write_text("".join(line + "\n" for line in lines))
    port = plan(PortConfig(function=f"{module_file}:swap", inputs=str(path)))
    validation = set(port.validation[0])
    assert validation and port.training_inputs + len(validation) == len(set(lines))
    draws = {port.function.generate_input(rng) for _ in range(5000)}
    assert not draws & validation  # training never draws a held-out input
    assert port.model_config.max_input_length == max(len(line.encode()) for line in lines) + 1
    errors = sum(predicted_error(json.loads(target)) is not None for target in port.validation[1])
    assert 0 < errors < len(validation)  # inputs without '-' are in the set, as error objects
    assert port.training_config.max_minutes == 10.0 and port.training_config.learning_rate_decay_minutes == 10.0
    by_steps = plan(PortConfig(function=f"{module_file}:swap", inputs=str(path), steps=1000)).training_config
    steps = by_steps.epochs * by_steps.steps_per_epoch  # a step budget: whole epochs, the cosine over them
    assert by_steps.max_minutes is None and 1000 <= steps < 1000 + by_steps.steps_per_epoch
    assert by_steps.learning_rate_decay_epochs == by_steps.epochs and by_steps.learning_rate_decay_minutes is None


def test_learn_runs_end_to_end_and_evaluate_calls_the_function(module_file, tmp_path, capsys, monkeypatch, fake_clock):
    monkeypatch.chdir(tmp_path)  # the module is found in the current folder, as with python -m helpers
    fake_clock.seconds_per_read = 1.0  # the training clock: --minutes 0.05 ends after a few steps on any machine
    rng = random.Random(1)
    generate = import_callable(f"{module_file}:pairs")
    inputs = write_lines(tmp_path / "inputs.txt", [generate(rng).encode() for _ in range(400)])
    status = main(["learn", "my_functions:swap", "--inputs", inputs, "--out", str(tmp_path / "run"),
                   "--minutes", "0.05"])
    out = capsys.readouterr().out
    assert status == 0
    assert "held out for validation" in out and "validation exact match" in out
    assert out in (tmp_path / "run" / "printed.txt").read_text()  # under the line that names the command
    config = json.loads((tmp_path / "run" / "model" / "config.json").read_text())
    assert config["task"] == "my_functions:swap"
    metrics = json.loads((tmp_path / "run" / "model" / "metrics.json").read_text())
    assert metrics["function"] == "my_functions:swap" and metrics["training_inputs"] > 0
    assert main(["evaluate", "--model", str(tmp_path / "run" / "model"), inputs]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["task"] == "my_functions:swap" and report["compared"] == report["lines"]
    (tmp_path / "my_functions.py").rename(tmp_path / "moved.py")  # the function's module is gone: one line, 2
    import sys

    sys.modules.pop("my_functions", None)
    assert main(["evaluate", "--model", str(tmp_path / "run" / "model"), inputs]) == 2
    assert "cannot import module 'my_functions'" in capsys.readouterr().err
    assert main(["predict", "--model", str(tmp_path / "run" / "model"), inputs]) == 0  # predict needs no import
    predicted = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(predicted) == 400
    assert main(["export", "--model", str(tmp_path / "run" / "model"), "--out", str(tmp_path / "export"), "--no-tfjs"]) == 0
    import tensorflow as tf

    serving = tf.saved_model.load(str(tmp_path / "export" / "saved_model")).signatures["serving_default"]
    texts = [record["input"] for record in predicted[:20]]
    result = serving(inputs=tf.constant([text.encode() for text in texts]))
    exported = [raw.decode("utf-8", errors="replace") if complete else None
                for raw, complete in zip(result["outputs"].numpy(), result["complete"].numpy())]
    assert exported == [record["output"] for record in predicted[:20]]  # the SavedModel decodes as predict does


@pytest.mark.parametrize("arguments, message", [
    (["learn", "html:escape", "--out", "x"], "error: porting learn: one of the arguments --inputs --generator is required"),
    (["learn", "no_module_xyz:f", "--generator", "tools/port_inputs.py:html_text", "--out", "x"],
     "error: cannot import module 'no_module_xyz': ModuleNotFoundError: No module named 'no_module_xyz'"),
    (["learn", "html:escape", "--inputs", "/no/such/file", "--out", "x"],
     "error: cannot read /no/such/file: No such file or directory"),
    (["learn", "html:escape", "--generator", "tools/port_inputs.py:html_text", "--out", "x", "--minutes", "0"],
     "error: --minutes must be positive, got 0.0"),
    (["learn", "html:escape", "--generator", "tools/port_inputs.py:html_text", "--out", "x", "--steps", "0"],
     "error: porting learn: argument --steps: '0' is not a positive whole number"),
])
def test_learn_bad_arguments_give_one_line_that_says_why_and_status_2(capsys, arguments, message):
    status = main(arguments)
    assert status == 2
    assert capsys.readouterr().err == message + "\n"
