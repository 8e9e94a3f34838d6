import numpy as np
import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.vectorization import (
    END_ID, PAD_ID, START_ID, VOCABULARY_SIZE, decode, decode_batch, encode, encode_batch, round_up,
    teacher_forcing_batch,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_identity_through_one_hot(texts):
    """The article's identity check: encode, to_categorical, decode gives back the input."""
    # bucket=4: keras.utils.to_categorical drops a trailing axis of size 1, so a batch of width 1
    # would come back as (batch, vocabulary); real batches are never that narrow.
    ids = encode_batch(texts, add_end=True, bucket=4)
    one_hot = keras.utils.to_categorical(ids, num_classes=VOCABULARY_SIZE)
    assert one_hot.shape == (len(texts), ids.shape[1], VOCABULARY_SIZE)
    assert decode_batch(one_hot) == texts
    assert decode_batch(ids, strict=True) == texts


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6), st.integers(1, 16))
def test_batch_is_padded_to_its_own_longest_row_rounded_to_bucket(texts, bucket):
    ids = encode_batch(texts, add_end=True, bucket=bucket)
    longest = max(len(text.encode("utf-8")) + 1 for text in texts)
    assert ids.shape == (len(texts), round_up(longest, bucket))
    assert ids.shape[1] % bucket == 0 and ids.shape[1] - longest < bucket
    assert ids.dtype == np.int32
    for row, text in zip(ids, texts):
        length = len(text.encode("utf-8"))
        assert row[length] == END_ID and (row[length + 1:] == PAD_ID).all()


def test_encode_uses_utf8_bytes_shifted_past_special_ids():
    assert encode("hé") == [ord("h") + 3, 0xC3 + 3, 0xA9 + 3]
    assert min(encode("\x00")) == 3 > max(PAD_ID, START_ID, END_ID)


def test_strict_decode_flags_unfinished_and_invalid_utf8():
    assert decode([ord("a") + 3, END_ID], strict=True) == "a"
    assert decode([ord("a") + 3], strict=True) is None  # never ended
    assert decode([0xFF + 3, END_ID], strict=True) is None  # invalid UTF-8
    assert decode([0xFF + 3, END_ID]) == "\ufffd"


def test_too_long_row_is_a_value_error():
    with pytest.raises(ValueError, match="max_length"):
        encode_batch(["abcdef"], add_end=True, max_length=4)


def test_non_string_is_a_value_error():
    with pytest.raises(ValueError):
        encode(b"bytes")  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=0, max_size=20), st.text(min_size=0, max_size=20)), min_size=1, max_size=5))
def test_teacher_forcing_shifts_targets_by_one(pairs):
    inputs, targets = [p[0] for p in pairs], [p[1] for p in pairs]
    features, decoder_targets = teacher_forcing_batch(inputs, targets, bucket=4)
    decoder_ids = features["decoder_ids"]
    assert decoder_ids.shape == decoder_targets.shape
    assert (decoder_ids[:, 0] == START_ID).all()
    assert (decoder_ids[:, 1:][decoder_targets[:, :-1] != END_ID] == decoder_targets[:, :-1][decoder_targets[:, :-1] != END_ID]).all()
    assert not (decoder_ids == END_ID).any()
    # the decoder reads exactly as many ids as it must write
    assert ((decoder_ids != PAD_ID).sum(1) == (decoder_targets != PAD_ID).sum(1)).all()
    assert decode_batch(decoder_targets, strict=True) == targets


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), min_size=1, max_size=5))
def test_reverse_output_targets_are_the_target_bytes_last_first(pairs):
    """A reverse_output model is taught each target's UTF-8 bytes last first (a character's bytes too),
    then END_ID: by ``teacher_forcing_batch`` and by the training and validation streams
    (``streams.pairs_batch``), which read the flag from the model's config; the decoder reads START_ID
    and the same bytes, one step behind."""
    from helpers.model_config import Seq2SeqConfig
    from helpers.streams import pairs_batch

    inputs, targets = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
    config = Seq2SeqConfig(reverse_output=True)
    for features, decoder_targets in (teacher_forcing_batch(inputs, targets, bucket=4, reverse_output=True),
                                      pairs_batch(pairs, 4, config)):
        np.testing.assert_array_equal(features["encoder_ids"], encode_batch(inputs, add_end=True, bucket=4))
        for target, row, read in zip(targets, decoder_targets, features["decoder_ids"]):
            expected = encode(target)[::-1] + [END_ID]
            assert row.tolist() == expected + [PAD_ID] * (len(row) - len(expected))
            assert read.tolist() == [START_ID] + expected[:-1] + [PAD_ID] * (len(row) - len(expected))
    plain = teacher_forcing_batch(inputs, targets, bucket=4)[1]
    assert decode_batch(plain, strict=True) == targets  # without the flag: as before
