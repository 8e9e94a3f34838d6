"""The exported in-graph decoder must give exactly the outputs of helpers.decoders.GreedyDecoder."""

import random
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from helpers.decoders import GreedyDecoder
from helpers.export import InGraphDecoder, save_saved_model, save_web_model, step_decoder_weights
from helpers.functions import get_function
from helpers.model import Seq2SeqConfig, build_seq2seq
from helpers.storage import save_model
from helpers.vectorization import END_ID, encode_batch, ids_to_bytes, teacher_forcing_batch


def clear_cut_model(config: Seq2SeqConfig, seed: int, end_share: float = 0.08):
    """An untrained model with a scaled-up output kernel, so that argmax decisions are not near-ties
    (as in conftest.small_model), and END_ID's bias set so that END_ID wins about ``end_share`` of
    the decoder steps: rows then end at various lengths."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build_seq2seq(config)
    kernel, bias = model.output_layer.get_weights()
    model.output_layer.set_weights([kernel * 20.0, bias])
    if config.copy_mechanism:  # the END bias is tuned below on the softmax alone (gate ~ 1)
        gate_kernel, gate_bias = model.copy_gate.get_weights()
        model.copy_gate.set_weights([np.zeros_like(gate_kernel), gate_bias + 30.0])
    rng = np.random.default_rng(seed)
    inputs = teacher_forcing_batch(sample_inputs(32, seed=seed), sample_inputs(32, seed=seed + 1))[0]
    inputs["decoder_ids"] = rng.integers(3, 259, size=inputs["decoder_ids"].shape).astype(np.int32)
    logits = np.log(np.asarray(model.training_model(inputs)) + 1e-30).reshape(-1, config.vocabulary_size)
    margin = logits[:, END_ID] - np.delete(logits, END_ID, axis=1).max(axis=1)  # > 0: END wins
    bias[END_ID] += np.quantile(-margin, end_share)
    model.output_layer.set_weights([kernel * 20.0, bias])
    if config.copy_mechanism:  # then 5% copying: it moves every probability (and score), rarely an argmax
        model.copy_gate.set_weights([0.1 * gate_kernel, np.full_like(gate_bias, 3.0)])
    return model


def sample_inputs(count: int, seed: int = 5, max_bytes: int = 60) -> list[str]:
    generator = get_function("urlparse")
    rng = random.Random(seed)
    inputs = ["", "a", "http://example.com/", "HTTPS://[::1]:8080/p;q?r#s", "ünïcødé://ß"]
    while len(inputs) < count:
        text = generator.generate_input(rng)
        if len(text.encode("utf-8")) <= max_bytes:
            inputs.append(text)
    return inputs


def padded(array: np.ndarray, width: int) -> np.ndarray:
    return np.pad(array, ((0, 0), (0, width - array.shape[1])))


CONFIGS = [
    Seq2SeqConfig(units=32, embedding_dim=16, max_input_length=65, max_output_length=24),
    Seq2SeqConfig(units=24, embedding_dim=8, bidirectional_encoder=False, position_features=0,
                  attention_scale=True, max_input_length=65, max_output_length=30),
    Seq2SeqConfig(units=18, embedding_dim=12, position_features=4, attention_scale=True,
                  max_input_length=65, max_output_length=16),
    Seq2SeqConfig(units=32, embedding_dim=16, attend_to_embeddings=True, max_input_length=65, max_output_length=24),
    Seq2SeqConfig(units=32, embedding_dim=16, attend_to_embeddings=True, copy_mechanism=True, max_input_length=65,
                  max_output_length=24),
    Seq2SeqConfig(units=32, embedding_dim=16, encoder_layers=3, max_input_length=65, max_output_length=24),
]


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "unidirectional-no-positions-scaled", "odd-sizes", "attend-to-embeddings",
                                                 "copy-mechanism", "three-encoder-layers"])
def test_decode_ids_equals_greedy_decoder(config):
    inputs = sample_inputs(80)
    for end_share in (0.08, 0.2, 0.4):  # the smallest END_ID share that gives rows of various lengths
        model = clear_cut_model(config, seed=11, end_share=end_share)
        reference = GreedyDecoder(model)(inputs)
        if len({int(np.sum(row != 0)) for row in reference.ids}) > 3:
            break
    decoder = InGraphDecoder(model, "urlparse")
    encoder_ids = encode_batch(inputs, add_end=True, bucket=8, max_length=config.max_input_length)
    result = decoder.decode_ids(tf.constant(encoder_ids))
    ids = result["ids"].numpy()
    assert ids.shape[1] <= config.max_output_length
    width = max(ids.shape[1], reference.ids.shape[1])
    np.testing.assert_array_equal(padded(ids, width), padded(reference.ids, width))
    np.testing.assert_allclose(result["scores"].numpy(), reference.scores, rtol=1e-5, atol=1e-6)
    lengths = {int(np.sum(row != 0)) for row in ids}
    assert len(lengths) > 3, f"the test needs rows of various lengths, got {lengths}"
    grouped = InGraphDecoder(model, "urlparse", group_size=16).decode_ids_in_groups(tf.constant(encoder_ids))
    np.testing.assert_array_equal(grouped["ids"].numpy(), ids)  # 80 rows sorted by length, in 5 groups
    np.testing.assert_allclose(grouped["scores"].numpy(), result["scores"].numpy(), rtol=1e-5, atol=1e-6)
    attention = result["attention"].numpy()
    assert attention.shape == (len(inputs), ids.shape[1], encoder_ids.shape[1])
    reference_attention = GreedyDecoder(model)(inputs[:3], return_attention=True).attention
    for row in range(3):
        steps, length = reference_attention[row].shape
        np.testing.assert_allclose(attention[row, :steps, :length], reference_attention[row], atol=1e-5)


def test_groups_of_any_size_give_the_rows_in_the_order_given(small_model):
    """Groups smaller than, equal to and larger than the batch (the last group filled with copies of a row),
    and an empty batch."""
    inputs = sample_inputs(23, seed=9)
    encoder_ids = tf.constant(encode_batch(inputs, add_end=True, bucket=8, max_length=65))
    reference = InGraphDecoder(small_model, "protocol").decode_ids(encoder_ids)["ids"].numpy()
    for group_size in (1, 5, 23, 64):
        ids = InGraphDecoder(small_model, "protocol", group_size=group_size).decode_ids_in_groups(encoder_ids)["ids"]
        np.testing.assert_array_equal(ids.numpy(), reference)
    empty = InGraphDecoder(small_model, "protocol").decode_ids_in_groups(tf.zeros([0, 8], tf.int32))
    assert empty["ids"].shape[0] == 0 and empty["scores"].shape == (0,)


def test_loop_stops_when_every_row_has_ended(small_model):
    decoder = InGraphDecoder(small_model, "protocol")
    reference = GreedyDecoder(small_model)(["x"])
    ids = decoder.decode_ids(tf.constant(encode_batch(["x"], add_end=True)))["ids"].numpy()
    assert ids.shape[1] == reference.ids.shape[1]


def test_string_signature_in_a_fresh_process_with_saved_model_cli(tmp_path):
    """saved_model_cli (a separate process, no helpers code) gives the Python decoder's outputs."""
    small_model = clear_cut_model(CONFIGS[0], seed=3)
    inputs = sample_inputs(40, seed=8)
    reference = GreedyDecoder(small_model)(inputs)
    saved_model = save_saved_model(InGraphDecoder(small_model, "urlparse"), tmp_path / "saved_model")
    outputs = tmp_path / "outputs"
    np.save(tmp_path / "inputs.npy", np.array([text.encode("utf-8") for text in inputs], dtype=object))
    completed = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "run", "--dir", str(saved_model),
         "--tag_set", "serve", "--signature_def", "serving_default",
         "--inputs", f"inputs={tmp_path / 'inputs.npy'}", "--outdir", str(outputs)],
        capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    texts = np.load(outputs / "outputs.npy", allow_pickle=True)
    complete = np.load(outputs / "complete.npy")
    scores = np.load(outputs / "scores.npy")
    for index, row in enumerate(reference.ids):
        raw, ended = ids_to_bytes(row)
        assert (texts[index], bool(complete[index])) == (raw, ended), inputs[index]
    np.testing.assert_allclose(scores, reference.scores, rtol=1e-5, atol=1e-6)


def test_string_signature_refuses_too_long_inputs(small_model):
    decoder = InGraphDecoder(small_model, "protocol")
    too_long = "a" * small_model.config.max_input_length  # one byte more than the model takes
    with pytest.raises(tf.errors.InvalidArgumentError, match="limited to"):
        decoder.serve_strings(tf.constant([too_long]))


def test_export_command_writes_a_saved_model(small_model, tmp_path):
    save_model(small_model, tmp_path / "model", task="protocol")
    completed = subprocess.run(
        [sys.executable, "-m", "helpers", "export", "--model", str(tmp_path / "model"), "--out", str(tmp_path / "out"),
         "--no-tfjs"], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    loaded = tf.saved_model.load(str(tmp_path / "out" / "saved_model"))
    result = loaded.signatures["serving_default"](inputs=tf.constant(["http://a.b/"]))
    assert result["outputs"].shape == (1,)


def test_export_command_bad_model_directory_exits_2(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "helpers", "export", "--model", str(tmp_path / "missing"),
                                "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert completed.returncode == 2
    assert completed.stderr == f"error: model directory {tmp_path / 'missing'} does not exist\n"


def test_longest_input_padded_past_max_input_length(small_model):
    """max_input_length 65 pads to 72 ids: the position table must cover the padding too."""
    decoder = InGraphDecoder(small_model, "protocol")
    longest = "b" * (small_model.config.max_input_length - 1)
    result = decoder.serve_strings(tf.constant([longest, "a"]))
    reference = GreedyDecoder(small_model)([longest, "a"])
    raw, ended = ids_to_bytes(reference.ids[0])
    assert (result["outputs"].numpy()[0], bool(result["complete"].numpy()[0])) == (raw, ended)


def test_step_decoder_weights_tabulate_the_lstm_input_projections(small_model):
    """web/model.js StepDecoder reads gates = input_gates[id] + position_gates[t] + h @ recurrent:
    the tables must equal [embedding, position] @ kernel + bias."""
    decoder = InGraphDecoder(small_model, "protocol")
    tables = step_decoder_weights(decoder)
    arrays = decoder._arrays
    for prefix, embedding in [("encoder_0", "encoder_embedding"), ("decoder", "decoder_embedding")]:
        expected = np.concatenate([arrays[embedding][7], arrays["positions"][5]]) @ arrays[f"{prefix}_kernel"] + arrays[f"{prefix}_bias"]
        got = tables[f"{prefix}_input_gates"][7] + (tables[f"{prefix}_position_gates"][5]
                                                   if small_model.config.position_features else 0)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(tables[f"{prefix}_recurrent_kernel_transposed"], arrays[f"{prefix}_recurrent_kernel"].T)
    assert all(table.dtype == np.float32 and table.flags.c_contiguous for table in tables.values())


def test_web_model_is_written_without_the_converter(small_model, tmp_path, monkeypatch):
    """save_web_model needs no tensorflowjs: metadata.json, and step_weights.bin holds every array of
    step_decoder_weights at its manifest's offset, little-endian float32, row-major."""
    import json

    monkeypatch.setitem(sys.modules, "tensorflowjs", None)
    decoder = InGraphDecoder(small_model, "protocol")
    directory = save_web_model(decoder, tmp_path / "web_model")
    metadata = json.loads((directory / "metadata.json").read_text())
    manifest = json.loads((directory / metadata["step_weights"]).read_text())
    data = np.fromfile(directory / manifest["file"], dtype="<f4")
    tables = step_decoder_weights(decoder)
    assert [entry["name"] for entry in manifest["arrays"]] == list(tables)
    for entry in manifest["arrays"]:
        size = int(np.prod(entry["shape"]))
        np.testing.assert_array_equal(data[entry["offset"]:entry["offset"] + size].reshape(entry["shape"]), tables[entry["name"]])
    assert data.size == sum(table.size for table in tables.values())
    assert (metadata["task"], metadata["end_id"]) == ("protocol", END_ID)


def test_reverse_output_model_gives_its_output_in_order_from_every_decoder_and_the_saved_model(tmp_path):
    """A reverse_output model's decoder writes each output last byte first. With the weights of a plain
    model it writes the plain model's ids, so its outputs must be the plain model's outputs reversed
    byte for byte: from GreedyDecoder (ids, texts, attention rows), greedy_decode_numpy, and the
    SavedModel's id and string signatures (what Spark runs), whose metadata carries the flag."""
    import json
    from dataclasses import replace

    from helpers.decoders import greedy_decode_numpy

    plain = clear_cut_model(CONFIGS[0], seed=11, end_share=0.08)
    model = build_seq2seq(replace(CONFIGS[0], reverse_output=True))
    model.training_model.set_weights(plain.training_model.get_weights())
    inputs = sample_inputs(40, seed=8)
    written = GreedyDecoder(plain)(inputs, return_attention=True)
    expected = [(raw[::-1], ended) for raw, ended in map(ids_to_bytes, written.ids)]
    assert sum(len(raw) > 1 and raw != raw[::-1] for raw, _ in expected) > 10 and len({ended for _, ended in expected}) == 2

    def expected_text(raw, ended):
        try:
            return raw.decode("utf-8") if ended else None
        except UnicodeDecodeError:
            return None

    fast = GreedyDecoder(model)(inputs)
    assert [ids_to_bytes(row) for row in fast.ids] == expected
    assert fast.texts == [expected_text(*pair) for pair in expected]
    np.testing.assert_allclose(fast.scores, written.scores, rtol=1e-5, atol=1e-6)
    slow = greedy_decode_numpy(model, inputs)
    width = max(slow.ids.shape[1], fast.ids.shape[1])
    np.testing.assert_array_equal(padded(slow.ids, width), padded(fast.ids, width))
    assert slow.texts == fast.texts
    with_attention = GreedyDecoder(model)(inputs, return_attention=True)
    np.testing.assert_array_equal(with_attention.ids, fast.ids)
    for row, (raw, _) in enumerate(expected):
        weights, plain_weights = with_attention.attention[row], written.attention[row]
        length = len(fast.ids[row]) if END_ID not in fast.ids[row] else list(fast.ids[row]).index(END_ID)
        np.testing.assert_allclose(weights[:length], plain_weights[:length][::-1], atol=1e-6)
        np.testing.assert_allclose(weights[length:], plain_weights[length:], atol=1e-6)

    saved = tf.saved_model.load(str(save_saved_model(InGraphDecoder(model, "urlparse", group_size=16),
                                                     tmp_path / "saved_model")))
    served = saved.signatures["serving_default"](inputs=tf.constant(inputs))
    assert list(zip(served["outputs"].numpy().tolist(), served["complete"].numpy().tolist())) == expected
    np.testing.assert_allclose(served["scores"].numpy(), fast.scores, rtol=1e-5, atol=1e-6)
    encoder_ids = tf.constant(encode_batch(inputs, add_end=True, bucket=8))
    for signature in ("decode_ids", "decode_ids_in_groups", "decode_ids_for_tfjs"):
        ids = saved.signatures[signature](encoder_ids=encoder_ids)["ids"].numpy()
        width = max(ids.shape[1], fast.ids.shape[1])
        np.testing.assert_array_equal(padded(ids, width), padded(fast.ids, width), err_msg=signature)
    assert json.loads((tmp_path / "saved_model" / "assets" / "metadata.json").read_text())["reverse_output"] is True
