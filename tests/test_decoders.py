import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.decoders import GreedyDecoder, greedy_decode_numpy
from helpers.vectorization import END_ID, PAD_ID, START_ID, decode_batch, encode, encode_batch

INPUTS = ["http://example.com/", "ftp://x", "", "a", "mailto:someone@example.org", "/relative/path?q=1",
          "https://bücher.example/straße#frag", "x" * 64]


def test_fast_decoder_matches_the_numpy_decoder(small_model):
    slow = greedy_decode_numpy(small_model, INPUTS)
    fast = GreedyDecoder(small_model, batch_size=3)(INPUTS)
    width = max(slow.ids.shape[1], fast.ids.shape[1])
    pad = lambda ids: np.pad(ids, ((0, 0), (0, width - ids.shape[1])))  # noqa: E731
    np.testing.assert_array_equal(pad(slow.ids), pad(fast.ids))
    assert slow.texts == fast.texts
    np.testing.assert_allclose(slow.scores, fast.scores, rtol=1e-4)


def test_outputs_end_at_end_id_or_at_the_hard_limit(small_model):
    decoded = GreedyDecoder(small_model)(INPUTS, max_output_length=5)
    assert decoded.ids.shape[1] <= 5
    for row, text in zip(decoded.ids, decoded.texts):
        ended = END_ID in row.tolist()
        assert (text is not None) <= ended  # a text is only given for a finished row
        if ended:
            after = row[row.tolist().index(END_ID) + 1:]
            assert (after == PAD_ID).all()


def test_attention_weights_are_distributions_over_the_input(small_model):
    decoded = GreedyDecoder(small_model)(INPUTS[:3], return_attention=True)
    for text, weights in zip(INPUTS[:3], decoded.attention):
        assert weights.shape[1] == len(text.encode("utf-8")) + 1
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-4)


def test_bad_inputs_are_value_errors(small_model):
    decoder = GreedyDecoder(small_model)
    with pytest.raises(ValueError, match="max_length"):
        decoder(["x" * 65])
    with pytest.raises(ValueError, match="list of strings"):
        decoder("http://a.com")
    with pytest.raises(ValueError, match="not a str"):
        decoder([b"http://a.com"])


def test_copy_mechanism_decoders_agree_and_a_pure_copier_writes_only_input_bytes():
    import keras

    from helpers.model import Seq2SeqConfig, build_seq2seq

    keras.utils.set_random_seed(3)
    model = build_seq2seq(Seq2SeqConfig(units=32, embedding_dim=16, attend_to_embeddings=True, copy_mechanism=True,
                                        max_input_length=65, max_output_length=24))
    kernel, bias = model.copy_gate.get_weights()
    model.copy_gate.set_weights([np.zeros_like(kernel), np.full_like(bias, -30.0)])  # gate ~ 0: copy only
    texts = [text for text in INPUTS if text]
    slow = greedy_decode_numpy(model, texts)
    fast = GreedyDecoder(model, batch_size=3)(texts)
    assert slow.texts == fast.texts
    np.testing.assert_allclose(slow.scores, fast.scores, rtol=1e-4)
    probabilities = np.asarray(model.training_model(
        {"encoder_ids": np.array([[10, 11, END_ID]]), "decoder_ids": np.array([[1, 10]])}))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    for text, row in zip(texts, fast.ids):
        allowed = {byte + 3 for byte in text.encode("utf-8")} | {END_ID, PAD_ID}
        assert set(row.tolist()) <= allowed, text


def test_copy_distribution_is_the_same_over_a_whole_target_and_in_one_step():
    """helpers.step.copy_distribution has two ways to add attention up per byte id (a one-hot product
    for training, a scatter-add for a decoder step); they must agree, repeated byte ids included."""
    from helpers.step import copy_distribution

    rng = np.random.default_rng(4)
    encoder_ids = np.array([[5, 7, 5, 2, 0, 0], [9, 9, 9, 3, 4, 2]], dtype=np.int32)
    attention = rng.dirichlet(np.ones(6), size=(2, 3)).astype(np.float32)  # (batch, time_out, time_in)
    whole = np.asarray(copy_distribution(attention, encoder_ids, 12))
    for step in range(3):
        one = np.asarray(copy_distribution(attention[:, step:step + 1], encoder_ids, 12))
        np.testing.assert_allclose(one, whole[:, step:step + 1], rtol=1e-6, atol=1e-7)
    assert abs(whole[1, 0, 9] - attention[1, 0, :3].sum()) < 1e-6  # three positions hold byte id 9


@pytest.mark.parametrize("bidirectional", [True, False], ids=["bidirectional", "unidirectional"])
def test_stacked_encoder_decoders_agree_with_the_training_model(bidirectional):
    """encoder_layers > 1: helpers.step.encode runs the stacked LSTMs as the training model's Keras layers do."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_export import clear_cut_model

    from helpers.model import Seq2SeqConfig

    config = Seq2SeqConfig(units=32, embedding_dim=16, encoder_layers=2, bidirectional_encoder=bidirectional,
                           max_input_length=65, max_output_length=24)
    model = clear_cut_model(config, seed=11, end_share=0.2)
    assert len(model.upper_encoder_lstms) == 1 and "encoder_layer1_0_kernel" in model.step_weights()
    slow = greedy_decode_numpy(model, INPUTS)
    fast = GreedyDecoder(model, batch_size=3)(INPUTS)
    np.testing.assert_array_equal(fast.ids[:, :slow.ids.shape[1]], slow.ids)
    np.testing.assert_allclose(fast.scores, slow.scores, rtol=1e-5)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6), st.integers(0, 3))
def test_ids_written_last_byte_first_decode_to_the_text(texts, extra_steps):
    """What a reverse_output decoder writes (each text's UTF-8 bytes last first, END_ID, PAD; a row
    that never wrote END_ID as a whole) comes back in the output's order from ``step.in_output_order``,
    attention rows alike, and decodes to the text, for any Unicode (multi-byte characters included)."""
    from helpers.model_config import Seq2SeqConfig
    from helpers.step import in_output_order

    written = encode_batch(texts, add_end=True, reverse=True)
    written = np.pad(written, ((0, 0), (0, extra_steps)))
    unfinished = np.array(encode(texts[0])[::-1] + [PAD_ID, START_ID], np.int32)[None, :]  # no END_ID: all reversed
    attention = np.arange(written.size, dtype=np.float32).reshape(written.shape)[:, :, None] * np.ones(3, np.float32)
    ids, ordered = (np.asarray(value) for value in in_output_order(Seq2SeqConfig(reverse_output=True), written, attention))
    assert decode_batch(ids, strict=True) == texts
    np.testing.assert_array_equal(ids, np.pad(encode_batch(texts, add_end=True), ((0, 0), (0, extra_steps))))
    for row, text in enumerate(texts):
        length = len(text.encode("utf-8"))
        np.testing.assert_array_equal(ordered[row, :length], attention[row, :length][::-1])
        np.testing.assert_array_equal(ordered[row, length:], attention[row, length:])
    back = np.asarray(in_output_order(Seq2SeqConfig(reverse_output=True), unfinished)[0])
    assert back[0].tolist() == [START_ID, PAD_ID] + encode(texts[0])
    same, _ = in_output_order(Seq2SeqConfig(), written)  # other models' ids are left as they are
    assert same is written
