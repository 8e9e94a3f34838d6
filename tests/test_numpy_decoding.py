"""helpers.numpy_decoding against its oracle, helpers.decoders.GreedyDecoder: the same texts and ids,
and scores to float32 rounding, for the shipped models and for small models of the other configs; the
weights it reads from model.weights.h5 are Seq2Seq.step_weights(); no row depends on the rows decoded
with it; TensorFlow is never imported; the command line writes the same records with either engine."""

import dataclasses
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.functions import get_function
from helpers.lines import read_text_lines
from helpers.locations import REAL_URLS_PATH
from helpers.model_config import Seq2SeqConfig
from helpers.numpy_decoding import (IMPLEMENTED_FIELDS, DecodingFailed, GroupDecoder, NotDecodable, NumpyDecoder,
                                    load_numpy_decoder, position_encoding, read_step_weights)
from helpers.storage import read_model_folder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(path.parent.name for path in (ROOT / "models").glob("*/model.weights.h5"))
SCORE_TOLERANCE = 2e-5  # float32 rounding: TensorFlow's exp, tanh, sigmoid and matrix products round otherwise
POSITION_TOLERANCE = 1e-4  # an ulp of a frequency, times the farthest position (position_encoding's docstring)
# Inputs beyond the generators': control characters, non-ASCII, spaces at the ends.
ODD_INPUTS = ["http://a.com/\x00\x7f?\x1b[0m", "\thttp://bücher.example/straße ", "http://例え.テスト/パス?q=値#断片",
              "HTTP://[::1]:80/\r", "a", ""]
# Small models of the settings the shipped ones do not cover (max_input_length 65: 64 bytes).
SMALL = dict(units=32, embedding_dim=16, max_input_length=65, max_output_length=24)
CONFIGS = {
    "plain": Seq2SeqConfig(**SMALL),
    "unidirectional-no-positions-scaled": Seq2SeqConfig(**{**SMALL, "units": 24, "embedding_dim": 8},
                                                        bidirectional_encoder=False, position_features=0,
                                                        attention_scale=True),
    "copy-attend-to-embeddings": Seq2SeqConfig(**SMALL, attend_to_embeddings=True, copy_mechanism=True),
    "two-layers-reversed-copy": Seq2SeqConfig(**SMALL, encoder_layers=2, reverse_output=True, copy_mechanism=True),
    "two-unidirectional-layers-odd-sizes": Seq2SeqConfig(**{**SMALL, "units": 18, "embedding_dim": 12},
                                                         bidirectional_encoder=False, encoder_layers=2,
                                                         position_features=4, attention_scale=True),
}


def generated_inputs(task: str, count: int, max_bytes: int, seed: int = 7) -> list[str]:
    """``count`` inputs of the task's own generator (the URLs of the urlparse one), each short enough."""
    function, rng, inputs = get_function(task), random.Random(seed), []
    while len(inputs) < count:
        text = function.generate_input(rng)
        if len(text.encode("utf-8")) <= max_bytes:
            inputs.append(text)
    return inputs


def assert_same_decoding(result, reference) -> None:
    assert result.texts == reference.texts
    assert result.ids.shape == reference.ids.shape
    np.testing.assert_array_equal(result.ids, reference.ids)
    np.testing.assert_allclose(result.scores, reference.scores, rtol=0, atol=SCORE_TOLERANCE)


@pytest.fixture(scope="module")
def small_models(tmp_path_factory):
    """{name: (Keras model, its saved folder)}: an untrained model of each of CONFIGS with clear-cut
    argmax decisions and rows of various lengths (tests/test_export.py's clear_cut_model)."""
    from helpers.decoders import GreedyDecoder
    from helpers.storage import save_model

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_export import clear_cut_model, sample_inputs

    models = {}
    for name, config in CONFIGS.items():
        for end_share in (0.08, 0.2, 0.4):  # the smallest END_ID share that gives rows of various lengths
            model = clear_cut_model(config, seed=11, end_share=end_share)
            if len({int(np.sum(row != 0)) for row in GreedyDecoder(model)(sample_inputs(40)).ids}) > 3:
                break
        directory = tmp_path_factory.mktemp(name)
        save_model(model, directory, task="urlparse")
        models[name] = (model, directory)
    return models


def model_folders(small_models) -> dict[str, Path]:
    return {**{name: ROOT / "models" / name for name in SHIPPED},
            **{name: directory for name, (_, directory) in small_models.items()}}


def test_the_weights_read_from_the_file_are_the_step_weights(small_models):
    """read_step_weights finds each named weight by its Keras layer's name, for every config here."""
    from helpers.storage import load_model

    assert {"urlparse", "hex"} <= set(SHIPPED)
    for name, directory in model_folders(small_models).items():
        _, config, weights_path = read_model_folder(directory)
        expected = {key: np.asarray(value) for key, value in load_model(directory).model.step_weights().items()}
        weights = read_step_weights(weights_path, config)
        assert set(weights) == set(expected), name
        for key in set(expected) - {"positions"}:
            np.testing.assert_array_equal(weights[key], expected[key], err_msg=f"{name}: {key}")


@pytest.mark.parametrize("length, features", [(400, 16), (264, 16), (64, 4), (30, 2), (10, 0)])
def test_the_position_table_is_tensorflows_to_float32_rounding(length, features):
    from helpers.step import position_encoding as tensorflow_table

    table = position_encoding(length, features)
    expected = np.asarray(tensorflow_table(length, features))
    assert table.dtype == np.float32 and table.shape == expected.shape == (length, features)
    assert np.abs(table - expected).max(initial=0.0) <= POSITION_TOLERANCE
    np.testing.assert_array_equal(table[:5], position_encoding(5, features))  # a row does not depend on the length


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_decode_as_the_greedy_decoder(name):
    """urlparse on real URLs, its generator's and odd inputs (more than one group: worker processes);
    each other shipped model on its generator's inputs."""
    from helpers.decoders import GreedyDecoder
    from helpers.storage import load_model

    task, decoder = load_numpy_decoder(ROOT / "models" / name)
    max_bytes = decoder.config.max_input_length - 1
    inputs = generated_inputs(task, 100, max_bytes) + [text for text in ODD_INPUTS if len(text.encode()) <= max_bytes]
    if name == "urlparse":
        inputs = read_text_lines(REAL_URLS_PATH)[:150] + inputs
    with decoder:
        result = decoder(inputs)
    assert_same_decoding(result, GreedyDecoder(load_model(ROOT / "models" / name).model)(inputs))
    assert sum(text is not None for text in result.texts) > len(inputs) // 2


@pytest.mark.parametrize("name", CONFIGS)
def test_small_models_of_other_configs_decode_as_the_greedy_decoder(name, small_models):
    from helpers.decoders import GreedyDecoder

    model, directory = small_models[name]
    inputs = generated_inputs("urlparse", 60, 64) + ODD_INPUTS
    reference = GreedyDecoder(model)(inputs)
    _, decoder = load_numpy_decoder(directory, processes=1)
    assert_same_decoding(decoder(inputs), reference)
    limited = GreedyDecoder(model)(inputs, max_output_length=5)  # rows stopped by the limit, not by END_ID
    assert_same_decoding(decoder(inputs, max_output_length=5), limited)


@pytest.fixture(scope="module")
def grouped_decoders(small_models):
    """(one process, groups of 128; worker processes, groups of 3) decoders of a small copy model."""
    _, directory = small_models["two-layers-reversed-copy"]
    _, config, weights_path = read_model_folder(directory)
    weights = read_step_weights(weights_path, config)
    alone, grouped = NumpyDecoder(config, weights, processes=1), NumpyDecoder(config, weights, processes=2, group_size=3)
    yield alone, grouped
    grouped.close()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=16), min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_no_row_depends_on_the_rows_decoded_with_it(grouped_decoders, texts, rng):
    """Decoding a list gives each row what decoding it alone gives, in any order and any grouping
    (groups of 3 in worker processes, sorted by length; or one at a time)."""
    alone, grouped = grouped_decoders
    shuffled = list(range(len(texts)))
    rng.shuffle(shuffled)
    together = grouped(texts)
    again = grouped([texts[index] for index in shuffled])
    for row, text in enumerate(texts):
        single = alone([text])
        for result, position in ((together, row), (again, shuffled.index(row))):
            assert result.texts[position] == single.texts[0]
            written = result.ids[position]
            assert written[single.ids.shape[1]:].sum() == 0
            np.testing.assert_array_equal(written[:single.ids.shape[1]], single.ids[0])
            assert result.scores[position] == pytest.approx(float(single.scores[0]), abs=1e-6)


def test_bad_inputs_are_the_greedy_decoders_value_errors(small_model, tmp_path):
    from helpers.decoders import GreedyDecoder
    from helpers.storage import save_model

    _, decoder = load_numpy_decoder(save_model(small_model, tmp_path, task="protocol"), processes=1)
    reference = GreedyDecoder(small_model)
    for inputs, limit in [("http://a.com", None), ([b"http://a.com"], None), (["ok", "x" * 65], None), (["a"], -1)]:
        with pytest.raises(ValueError) as expected:
            reference(inputs, max_output_length=limit)
        with pytest.raises(ValueError) as raised:
            decoder(inputs, max_output_length=limit)
        assert str(raised.value) == str(expected.value)
    empty = decoder([])
    assert empty.texts == [] and empty.ids.shape == (0, 0) and empty.scores.shape == (0,)


def test_every_config_field_is_implemented_or_refused(small_models, monkeypatch):
    """A new Seq2SeqConfig field must be implemented here (and listed), or a model that sets it away from
    its default is NotDecodable (and TensorFlow decodes it)."""
    import helpers.numpy_decoding

    assert IMPLEMENTED_FIELDS == {field.name for field in dataclasses.fields(Seq2SeqConfig)}
    _, config, weights_path = read_model_folder(small_models["two-layers-reversed-copy"][1])
    weights = read_step_weights(weights_path, config)
    monkeypatch.setattr(helpers.numpy_decoding, "IMPLEMENTED_FIELDS", IMPLEMENTED_FIELDS - {"reverse_output", "dropout"})
    with pytest.raises(NotDecodable, match="^the NumPy decoder does not implement reverse_output$"):
        GroupDecoder(config, weights)
    GroupDecoder(dataclasses.replace(config, reverse_output=False), weights)  # at its default, the field changes nothing


@pytest.mark.timeout(120)
def test_a_failing_or_killed_worker_is_one_line_and_no_hang(small_models, monkeypatch):
    _, config, weights_path = read_model_folder(small_models["plain"][1])
    weights = read_step_weights(weights_path, config)

    def failing(self, texts, limit):
        raise ArithmeticError("this group cannot be decoded")

    def killed(self, texts, limit):
        import os

        os._exit(3)

    for replacement, message in ((failing, "a decoding process failed: ArithmeticError: this group cannot be decoded"),
                                 (killed, "a decoding process stopped before it finished")):
        monkeypatch.setattr(GroupDecoder, "decode_texts", replacement)  # before the workers are forked
        with NumpyDecoder(config, weights, processes=2, group_size=2) as decoder:
            with pytest.raises(DecodingFailed) as raised:
                decoder(["a", "bb", "ccc", "dddd", "eeeee"])
        assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_the_predict_command_imports_neither_tensorflow_nor_keras(tmp_path):
    """``python -X importtime -m helpers predict`` (the default engine) in a fresh process: the outputs of
    GreedyDecoder's engine, and no tensorflow or keras module among those it imported."""
    urls = read_text_lines(REAL_URLS_PATH)[:3]
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "helpers", "predict", "--model",
                             str(ROOT / "models" / "urlparse"), "-"], input="\n".join(urls).encode() + b"\n",
                            capture_output=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.decode().splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "helpers.numpy_decoding" in imported and "numpy" in imported
    assert not {name for name in imported if name.split(".")[0] in ("tensorflow", "keras", "tf_keras")}
    assert [json.loads(line)["input"] for line in result.stdout.decode().splitlines()] == urls


def test_the_predict_command_gives_numpy_one_blas_thread(tmp_path):
    """The predict command's BLAS runs one thread (its forked workers inherit it): with more, each of the
    one-per-core workers spins its own threads against the others' on the same cores, many times slower.
    Set before anything imports numpy, in a fresh process, the command itself run in it."""
    pytest.importorskip("threadpoolctl")  # the child process reads the thread counts with it
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(read_text_lines(REAL_URLS_PATH)[:300]) + "\n")  # more than one group: the workers run
    script = ("import sys, threadpoolctl; from helpers.cli import main; status = main(sys.argv[1:]); "
              "print(status, max(pool['num_threads'] for pool in threadpoolctl.threadpool_info() if pool['user_api'] == 'blas'), "
              "file=sys.stderr)")
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", script, "predict", "--model", str(ROOT / "models" / "urlparse"), str(urls)],
                            capture_output=True, timeout=300, cwd=ROOT, env=environment)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert result.stderr.decode().split()[-2:] == ["0", "1"]


def run_cli(capsys, *arguments):
    from helpers.cli import main

    status = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_same_records(written, expected) -> None:
    """Records alike but for the score, which may differ in its last digit (float32 rounding)."""
    records, expected_records = ([json.loads(line) for line in text.splitlines()] for text in (written, expected))
    assert len(records) == len(expected_records)
    for record, expected_record in zip(records, expected_records):
        assert {**record, "score": None} == {**expected_record, "score": None}
        assert (record["score"] is None) == (expected_record["score"] is None)
        if record["score"] is not None:
            assert record["score"] == pytest.approx(expected_record["score"], abs=SCORE_TOLERANCE)


def test_predict_writes_the_same_records_with_either_engine(capsys, tmp_path):
    """Every line gets its one record, bad ones (empty, too long, not UTF-8) included, in order; with
    more lines than one group, NumPy's worker processes decode them."""
    lines = [url.encode() for url in read_text_lines(REAL_URLS_PATH)[:140]]
    lines[5:5] = [b"", b"x" * 300, b"\xff\xfe", "http://例え.テスト/?\x00".encode(), b"ok\r"]
    path = tmp_path / "inputs.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    model = ROOT / "models" / "urlparse"
    status, numpy_out, numpy_err = run_cli(capsys, "predict", "--model", model, path)
    assert status == 0 and numpy_err == ""
    status, tensorflow_out, _ = run_cli(capsys, "predict", "--model", model, path, "--engine", "tensorflow")
    assert status == 0
    assert_same_records(numpy_out, tensorflow_out)
    records = [json.loads(line) for line in numpy_out.splitlines()]
    assert len(records) == len(lines)
    for index, reason in [(5, "empty input"), (6, "the model takes at most 256"), (7, "not valid UTF-8")]:
        assert records[index]["output"] is None and reason in records[index]["error"]


def test_a_model_numpy_cannot_map_falls_back_to_tensorflow(capsys, tmp_path, small_models):
    """Weights stored without the layers' names (another Keras' layout, say): NotDecodable, and predict
    decodes with TensorFlow, saying so in one line."""
    directory = tmp_path / "model"
    shutil.copytree(small_models["plain"][1], directory)
    with h5py.File(directory / "model.weights.h5", "r+") as stored:
        for group in stored["layers"].values():
            del group["vars"].attrs["name"]
    with pytest.raises(NotDecodable, match="no variable vars/0 in a layer named"):
        load_numpy_decoder(directory)
    (tmp_path / "inputs.txt").write_text("http://a.com/\nftp://x\n")
    status, out, err = run_cli(capsys, "predict", "--model", directory, tmp_path / "inputs.txt")
    assert status == 0 and err.startswith("note: ") and err.endswith("; decoding with TensorFlow\n") and err.count("\n") == 1
    _, expected, _ = run_cli(capsys, "predict", "--model", directory, tmp_path / "inputs.txt", "--engine", "tensorflow")
    assert out == expected
