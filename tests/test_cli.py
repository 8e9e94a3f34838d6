"""The command line: outputs checked against the real function, exit statuses, one-line errors that
say what is wrong, standard input wherever a file is read, an instant --help."""

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pyarrow.parquet as pq
import pytest

from helpers import __version__
from helpers.cli import RECIPE_MODEL_FLAGS, RECIPE_TRAINING_FLAGS, build_parser, flag, main
from helpers.storage import load_model, save_model

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_URLPARSE = ROOT / "models" / "urlparse"
# Inputs the shipped urlparse model gets right (checked against urlparse below), and one it gets wrong:
# the params ";p" of a short last path segment, which the model writes into the query.
RIGHT_URLS = ["http://example.com/", "https://www.python.org/doc/?q=1#top", "ftp://user@host.example:21/file.txt",
              "mailto:someone@example.org", "/relative/path;v=1?x=y"]
WRONG_URL = "https://user@Example.com:8080/a/b;p?q=1#top"
HEAVY_MODULES = {"tensorflow", "keras", "numpy", "pandas", "pyarrow", "pyspark", "sklearn", "matplotlib"}


@pytest.fixture(scope="module")
def model_dir(small_model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    save_model(small_model, directory, task="protocol")
    return directory


def run_cli(capsys, *arguments):
    status = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def urlparse_text(url: str) -> str:
    """What the urlparse model must answer: the six fields as compact JSON, or the error object."""
    try:
        return json.dumps(list(urlparse(url)), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return '{"error":"ValueError"}'


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


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
    status, out, _ = run_cli(capsys, "predict", "--model", model_dir, path)
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and len(records) == 2
    for record in records:
        valid = record["output"] is not None
        if valid:
            try:
                json.loads(record["output"])
            except json.JSONDecodeError:
                valid = False
        assert record["ok"] == valid


def test_module_entry_point_predicts_urlparse_from_standard_input(tmp_path):
    """`python -m helpers predict --model models/urlparse -` in a real process: one record per line,
    in order, each output equal to urlparse's, status 0."""
    result = subprocess.run([sys.executable, "-m", "helpers", "predict", "--model", str(SHIPPED_URLPARSE), "-"],
                            input="\n".join(RIGHT_URLS).encode() + b"\n", capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [record["input"] for record in records] == RIGHT_URLS
    assert [record["output"] for record in records] == [urlparse_text(url) for url in RIGHT_URLS]
    assert all(record["ok"] for record in records)


def test_a_predict_process_decodes_on_one_thread_per_lane_with_the_same_outputs(tmp_path):
    """With --engine tensorflow, the command sets TensorFlow's pools for decoding
    (helpers.decoders.use_threads_for_decoding) before its runtime starts, and its outputs are those of
    the decoder in this process, on the default pools."""
    from helpers.decoders import DECODING_LANES, GreedyDecoder
    from helpers.lines import read_text_lines
    from helpers.locations import REAL_URLS_PATH

    urls = read_text_lines(REAL_URLS_PATH)[:300]
    inputs = tmp_path / "urls.txt"
    inputs.write_text("\n".join(urls) + "\n", encoding="utf-8")
    script = ("import sys; from helpers.cli import main; "
              "status = main(['predict', '--model', sys.argv[1], sys.argv[2], '--engine', 'tensorflow']); "
              "import tensorflow as tf; threads = tf.config.threading; "
              "print(threads.get_inter_op_parallelism_threads(), threads.get_intra_op_parallelism_threads(), file=sys.stderr); "
              "sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", script, str(SHIPPED_URLPARSE), str(inputs)], capture_output=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr.decode()
    inter, intra = (int(number) for number in result.stderr.decode().split()[-2:])
    assert (inter, intra) == (DECODING_LANES, max(1, (os.cpu_count() or 1) // DECODING_LANES))
    outputs = [json.loads(line)["output"] for line in result.stdout.decode().splitlines()]
    assert outputs == GreedyDecoder(load_model(SHIPPED_URLPARSE).model)(urls).texts


@pytest.fixture(scope="module")
def urlparse_inputs(tmp_path_factory):
    path = tmp_path_factory.mktemp("inputs") / "urls.txt"
    path.write_text("\n".join([*RIGHT_URLS, WRONG_URL, ""]) + "\n")  # five right, one wrong, one empty line
    return path


def test_evaluate_scores_against_urlparse(capsys, urlparse_inputs):
    status, out, _ = run_cli(capsys, "evaluate", "--model", SHIPPED_URLPARSE, urlparse_inputs)
    report = json.loads(out)
    assert status == 0
    assert (report["lines"], report["compared"], report["rejected_by_model"]) == (7, 6, 1)
    assert report["wrong"] == 1 and report["exact_match"] == pytest.approx(5 / 6)
    assert [failure["input"] for failure in report["worst_failures"]] == [WRONG_URL]
    assert report["worst_failures"][0]["expected"] == urlparse_text(WRONG_URL)


def test_evaluate_min_exact_sets_the_exit_status(capsys, urlparse_inputs):
    status, out, err = run_cli(capsys, "evaluate", "--model", SHIPPED_URLPARSE, urlparse_inputs, "--min-exact", "0.9")
    assert status == 1
    assert json.loads(out)["exact_match"] == pytest.approx(5 / 6)  # the report is printed all the same
    assert one_line(err) == "error: exact match 0.8333 (5 of 6) is below --min-exact 0.9"
    status, _, err = run_cli(capsys, "evaluate", "--model", SHIPPED_URLPARSE, urlparse_inputs, "--min-exact", "0.8")
    assert status == 0 and err == ""


def test_evaluate_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO("\n".join(RIGHT_URLS).encode())))
    status, out, _ = run_cli(capsys, "evaluate", "--model", SHIPPED_URLPARSE, "-", "--min-exact", "1")
    report = json.loads(out)
    assert status == 0 and report["lines"] == len(RIGHT_URLS) and report["exact_match"] == 1.0


@pytest.mark.parametrize("arguments, message", [
    ([], "porting: the following arguments are required: command"),
    (["predict"], "porting predict: the following arguments are required: --model, file"),
    (["predict", "--model"], "porting predict: argument --model: expected one argument"),
    (["frobnicate"], "porting: argument command: invalid choice: 'frobnicate'"),
    (["train", "--task", "nope", "--out", "/tmp/x"], "unknown task 'nope'; registered: "),
    (["train", "--task", "protocol"], "train needs --out RUN (a new run's folder), or --resume RUN"),
    (["train", "--task", "protocol", "--out", "/tmp/x", "--epochs", "2", "--steps", "5"],
     "give --epochs or --steps, not both"),
    (["train", "--task", "protocol", "--out", "/tmp/x", "--steps", "0"], "argument --steps: '0' is not a positive"),
    (["train", "--task", "protocol", "--out", "/tmp/x", "--set", "colour=red"], "unknown setting 'colour=red'"),
    (["train", "--recipe", "nope", "--out", "/tmp/x"], "unknown recipe 'nope'; known: "),
    (["train", "--recipe", "protocol", "--out", "/tmp/x", "--units", "8", "--batch-size", "4"],
     "the recipe 'protocol' sets --batch-size, --units itself: leave them out"),
    (["train", "--resume", "/tmp/x", "--epochs", "3", "--fresh"],
     "train --resume RUN goes on with RUN's own settings: leave out --epochs, --fresh"),
    (["evaluate", "--model", "/tmp/m", "x.txt", "--min-exact", "2"], "argument --min-exact: '2' is not between 0 and 1"),
])
def test_bad_arguments_give_one_line_that_says_why_and_status_2(capsys, arguments, message):
    status, out, err = run_cli(capsys, *arguments)
    assert status == 2 and out == ""
    assert message in one_line(err)


@pytest.mark.parametrize("destination", [*RECIPE_TRAINING_FLAGS, *RECIPE_MODEL_FLAGS])
def test_each_flag_a_recipe_sets_is_an_error_that_names_it(capsys, destination):
    value = "0.5" if destination == "target" else "3"
    status, _, err = run_cli(capsys, "train", "--recipe", "protocol", "--out", "/tmp/x", flag(destination), value)
    assert status == 2
    assert one_line(err) == (f"error: the recipe 'protocol' sets {flag(destination)} itself: leave it out (--set "
                             f"NAME=VALUE changes a training setting of the recipe; --task NAME takes every setting "
                             f"from flags)")


def test_missing_model_is_status_2_and_named(capsys, tmp_path):
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("http://a.com\n")  # the input file exists: only the model is missing
    status, out, err = run_cli(capsys, "predict", "--model", tmp_path / "no-model", inputs)
    assert status == 2 and out == ""
    assert one_line(err) == f"error: model directory {tmp_path / 'no-model'} does not exist"


def test_missing_input_file_is_status_2_and_named(capsys, model_dir):
    status, out, err = run_cli(capsys, "predict", "--model", model_dir, "/no/such/file.txt")
    assert status == 2 and out == ""
    assert one_line(err) == "error: cannot read /no/such/file.txt: No such file or directory"


def test_a_failure_while_running_is_status_1(capsys, tmp_path):
    (tmp_path / "a-file").write_text("")
    status, _, err = run_cli(capsys, "make-sample-data", "--urls", ROOT / "data" / "real_urls.txt",
                             "--out", tmp_path / "a-file" / "sample.parquet")  # its folder is a file
    assert status == 1
    assert one_line(err).startswith("error: ") and "a-file" in err


def test_learn_reads_its_inputs_from_standard_input(capsys, monkeypatch, tmp_path):
    """The inputs come from stdin and stay with the run; too few of them stop learn before training."""
    inputs = [f"word{number}" for number in range(12)]
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO("\n".join(inputs).encode() + b"\n")))
    status, _, err = run_cli(capsys, "learn", "string:capwords", "--inputs", "-", "--out", tmp_path / "run")
    copy = tmp_path / "run" / "inputs-from-stdin.txt"
    assert status == 2
    assert one_line(err) == f"error: {copy} has 12 distinct inputs; at least 50 are needed to learn a function and check it"
    assert copy.read_text().splitlines() == inputs


def test_make_sample_data_reads_urls_from_standard_input(capsys, monkeypatch, tmp_path):
    urls = ["https://example.com/a?b=1", "http://example.org/", "/relative"]
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO("\n".join(urls).encode() + b"\n")))
    status, out, _ = run_cli(capsys, "make-sample-data", "--urls", "-", "--out", tmp_path / "sample.parquet")
    assert status == 0 and out.startswith("wrote 3 real URLs")
    assert sorted(pq.read_table(tmp_path / "sample.parquet").column("url").to_pylist()) == sorted(urls)


def test_train_steps_sets_the_budget_with_the_task_defaults(capsys, tmp_path):
    from dataclasses import replace

    from helpers.functions import REGISTRY
    from helpers.run_state import read_run_settings
    from helpers.sizing import sized_recipe

    status, out, _ = run_cli(capsys, "train", "--task", "protocol", "--out", tmp_path / "run", "--steps", "3",
                             "--steps-per-epoch", "2", "--batch-size", "8", "--units", "16", "--embedding-dim", "8",
                             "--validation-size", "8", "--max-output-length", "40")
    metrics = json.loads(out[out.index("{\n"):])  # the epochs' lines come first
    assert status == 0
    assert (metrics["epochs"], metrics["steps"]) == (2, 4)  # 3 steps, rounded up to whole epochs of 2
    training_config, model_config = read_run_settings(tmp_path / "run")  # the flags given, the sizing rule for the rest
    sized_model, sized_training = sized_recipe("protocol", REGISTRY["protocol"].max_input_bytes, 40, steps=3)
    assert training_config == replace(sized_training, epochs=2, learning_rate_decay_epochs=2, steps_per_epoch=2,
                                      batch_size=8, validation_size=8)
    assert model_config == replace(sized_model, units=16, embedding_dim=8, max_output_length=40)
    assert model_config.max_input_length == REGISTRY["protocol"].max_input_bytes + 1
    printed = (tmp_path / "run" / "printed.txt").read_text()  # all it printed, under the command that printed it
    assert printed.startswith("# ") and f"porting train --task protocol --out {tmp_path / 'run'} --steps 3" in printed.splitlines()[0]
    assert out in printed
    status, out, _ = run_cli(capsys, "train", "--resume", tmp_path / "run", "--steps", "6")
    assert status == 0 and json.loads(out[out.index("{\n"):])["epochs"] == 3
    sittings = [line for line in (tmp_path / "run" / "printed.txt").read_text().splitlines() if line.startswith("# ")]
    assert len(sittings) == 2 and sittings[1].endswith(f"porting train --resume {tmp_path / 'run'} --steps 6")


def test_ctrl_c_is_status_130_and_one_line(tmp_path):
    """A real SIGINT while the command reads standard input (the moment a user presses Ctrl-C)."""
    script = ("import signal, sys, time\n"
              # Python's own Ctrl-C handler, as in a terminal: a process started in the background of a
              # script (CI's, for one) inherits SIGINT ignored, and Python then installs none
              "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "from types import SimpleNamespace\n"
              "from helpers.cli import main\n"
              "def read(*arguments):\n"
              "    signal.raise_signal(signal.SIGINT)\n"
              "    time.sleep(60)\n"
              "sys.stdin = SimpleNamespace(buffer=SimpleNamespace(read=read))\n"
              f"sys.exit(main(['make-sample-data', '--urls', '-', '--out', {str(tmp_path / 'x.parquet')!r}]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 130
    assert result.stderr == "interrupted\n"


def test_help_imports_nothing_heavy():
    """--help of the command and of every subcommand, in a fresh process: no TensorFlow, no pandas."""
    script = ("import contextlib, io, sys\n"
              "from helpers.cli import build_parser, main\n"
              "parser = build_parser()\n"
              "commands = next(action for action in parser._actions if action.choices and action.dest == 'command')\n"
              "for arguments in [[]] + [[name] for name in commands.choices]:\n"
              "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
              "        main([*arguments, '--help'])\n"
              "print(len(commands.choices), ' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    count, modules = result.stdout.split(" ", 1)
    assert int(count) == 7
    assert not HEAVY_MODULES & set(modules.split())


def walk_parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from walk_parsers(child)


def test_every_option_and_command_has_help_text():
    parsers = list(walk_parsers(build_parser()))
    assert len(parsers) == 8  # the command and its seven subcommands
    for parser in parsers:
        for action in parser._actions:
            assert action.help and action.help.strip(), f"{parser.prog} {action.option_strings or action.dest}"
            if isinstance(action, argparse._SubParsersAction):
                assert {choice.dest for choice in action._choices_actions} == set(action.choices)
                assert all(choice.help for choice in action._choices_actions)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0 and capsys.readouterr().out == f"porting {__version__}\n"


def test_broken_pipe_is_not_an_error(model_dir):
    """`python -m helpers predict ... | head -1`: status 0 and nothing on standard error."""
    lines = b"\n".join([b"http://a.com"] * 3000) + b"\n"  # far more output than a pipe holds
    process = subprocess.Popen([sys.executable, "-m", "helpers", "predict", "--model", str(model_dir), "-"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdin.write(lines)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    status = process.wait(timeout=300)
    assert json.loads(first)["input"] == "http://a.com"
    assert status == 0 and process.stderr.read() == b""


def test_model_set_and_set_change_a_recipe_by_name():
    from helpers.cli import build_parser, training_settings
    from helpers.recipes import recipe

    recipe_model, recipe_training = recipe("hex")
    layers, curriculum = recipe_model.encoder_layers + 1, recipe_training.curriculum_steps + 600
    arguments = build_parser().parse_args(["train", "--recipe", "hex", "--out", "x", "--model-set", f"encoder_layers={layers}",
                                           "--set", f"curriculum_steps={curriculum}", "--steps", "40000"])
    training_config, model_config = training_settings(arguments)
    assert model_config.encoder_layers == layers
    assert model_config.units == recipe_model.units
    assert training_config.curriculum_steps == curriculum
    assert training_config.epochs * training_config.steps_per_epoch == 40000


def test_model_set_turns_on_reverse_output_and_a_model_folder_keeps_it(tmp_path):
    """``--model-set reverse_output=true`` (a misspelt value is a usage error, not a silent False);
    config.json and metadata.json carry the flag, and a config written before it existed loads as False."""
    from dataclasses import replace

    from helpers.cli import UsageError, training_settings
    from helpers.model import build_seq2seq

    def model_config(*settings):
        arguments = build_parser().parse_args(["train", "--recipe", "hex", "--out", "x", "--model-set", *settings])
        return training_settings(arguments)[1]

    assert model_config("reverse_output=true").reverse_output and not model_config("reverse_output=False").reverse_output
    with pytest.raises(UsageError, match="reverse_output: 'ture' is not a bool"):
        model_config("reverse_output=ture")
    config = replace(model_config("reverse_output=1"), units=8, embedding_dim=4)
    save_model(build_seq2seq(config), tmp_path / "model", task="hex")
    assert load_model(tmp_path / "model").model.config == config
    assert json.loads((tmp_path / "model" / "metadata.json").read_text())["reverse_output"] is True
    older = json.loads((tmp_path / "model" / "config.json").read_text())
    del older["model"]["reverse_output"]
    (tmp_path / "model" / "config.json").write_text(json.dumps(older))
    assert load_model(tmp_path / "model").model.config == replace(config, reverse_output=False)
