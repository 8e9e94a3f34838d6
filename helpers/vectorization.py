"""Text <-> integer ids over UTF-8 bytes.

Every string becomes the sequence of its UTF-8 bytes, each shifted up by ``BYTE_OFFSET`` so that the
low ids stay free for three reserved tokens:

    PAD_ID   = 0   padding to the right of a shorter row (Keras masks it with ``mask_zero=True``)
    START_ID = 1   first input of the decoder ("begin writing the output")
    END_ID   = 2   last target of the decoder ("the output is complete")

So the vocabulary has 3 + 256 = 259 ids, whatever the language of the text: a byte-level model never
meets an unknown character.

Every decoder (``helpers.decoders``, ``helpers.numpy_decoding``) checks its inputs with
``checked_inputs`` and returns a ``Decoded``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

PAD_ID = 0
START_ID = 1
END_ID = 2
BYTE_OFFSET = 3
VOCABULARY_SIZE = BYTE_OFFSET + 256


def encode(text: str) -> list[int]:
    """One string -> its ids (no start or end id). ``encode("hé") == [107, 198, 172]``."""
    if not isinstance(text, str):
        raise ValueError(f"encode expects a str, got {type(text).__name__}")
    return [byte + BYTE_OFFSET for byte in text.encode("utf-8")]


def round_up(length: int, bucket: int) -> int:
    """Smallest multiple of ``bucket`` that is >= ``length`` (and >= ``bucket``)."""
    if bucket < 1:
        raise ValueError(f"bucket must be >= 1, got {bucket}")
    return max(bucket, -(-length // bucket) * bucket)


def encode_batch(
    texts: Sequence[str],
    *,
    add_start: bool = False,
    add_end: bool = False,
    bucket: int = 1,
    max_length: int | None = None,
    reverse: bool = False,
) -> np.ndarray:
    """Strings -> int32 array of shape (batch, time), right-padded with ``PAD_ID``.

    ``reverse``: each row's UTF-8 bytes last first (before the start and end ids), what the decoder of a
    ``reverse_output`` model writes; ``helpers.step.in_output_order`` turns such ids back.

    ``time`` is the longest row of this batch (start/end ids included), rounded up to a multiple of
    ``bucket`` so that few distinct shapes reach the model (fewer graph retraces). A row longer than
    ``max_length`` raises ``ValueError``: silently cutting an input would change its meaning.
    """
    rows = []
    for index, text in enumerate(texts):
        ids = encode(text)
        if reverse:
            ids.reverse()
        if add_start:
            ids = [START_ID] + ids
        if add_end:
            ids = ids + [END_ID]
        if max_length is not None and len(ids) > max_length:
            raise ValueError(
                f"row {index} is {len(ids)} ids long (UTF-8 bytes plus special ids), "
                f"more than max_length={max_length}: {text[:60]!r}..."
            )
        rows.append(ids)
    if not rows:
        return np.zeros((0, bucket), dtype=np.int32)
    width = round_up(max(len(row) for row in rows), bucket)
    batch = np.full((len(rows), width), PAD_ID, dtype=np.int32)
    for index, ids in enumerate(rows):
        batch[index, : len(ids)] = ids
    return batch


@dataclass
class Decoded:
    """Decoder results for a batch of n inputs."""

    texts: list[str | None]  # decoded strings; None when no END_ID or invalid UTF-8
    ids: np.ndarray  # (n, time_out) int32 emitted ids in the output's order (step.in_output_order), PAD after END_ID
    scores: np.ndarray  # (n,) float32: the smallest probability among the emitted ids (confidence)
    attention: list[np.ndarray] | None = None  # per input (its output length, its input length + 1), if asked


def checked_inputs(inputs, max_input_length: int) -> tuple[list[str], list[int]]:
    """A decoder's inputs as a list and their UTF-8 lengths; ValueError for a lone str, a non-str item
    or an input longer than the model takes (checked for all before any work)."""
    if isinstance(inputs, str):
        raise ValueError("expected a list of strings, got one string (wrap it in a list)")
    inputs = list(inputs)
    for index, text in enumerate(inputs):
        if not isinstance(text, str):
            raise ValueError(f"input {index} is a {type(text).__name__}, not a str")
    lengths = [len(text.encode("utf-8")) for text in inputs]
    longest = max(lengths, default=0)
    if longest + 1 > max_input_length:
        index = lengths.index(longest)
        raise ValueError(f"row {index} is {longest + 1} ids long (UTF-8 bytes plus special ids), more than "
                         f"max_length={max_input_length}: {inputs[index][:60]!r}...")
    return inputs, lengths


def ids_to_bytes(ids: Iterable[int]) -> tuple[bytes, bool]:
    """Ids of one row -> (the bytes before the first END_ID, whether an END_ID was seen).

    PAD and START ids are skipped.
    """
    out = bytearray()
    for token in ids:
        token = int(token)
        if token == END_ID:
            return bytes(out), True
        if token >= BYTE_OFFSET:
            out.append(token - BYTE_OFFSET)
    return bytes(out), False


def decode(ids: Iterable[int], *, strict: bool = False) -> str | None:
    """Ids of one row -> string, stopping at the first END_ID.

    With ``strict=False`` invalid UTF-8 becomes U+FFFD. With ``strict=True`` the result is ``None``
    when the row never reaches END_ID or its bytes are not valid UTF-8 (a flagged, not a silent,
    failure).
    """
    raw, ended = ids_to_bytes(ids)
    if strict:
        if not ended:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw.decode("utf-8", errors="replace")


def decode_batch(outputs: np.ndarray, *, strict: bool = False) -> list[str | None]:
    """Model outputs -> strings.

    ``outputs`` is either ids of shape (batch, time) or one-hot / probabilities of shape
    (batch, time, vocabulary), which are reduced with argmax first.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim == 3:
        outputs = outputs.argmax(axis=-1)
    if outputs.ndim != 2:
        raise ValueError(f"expected ids (batch, time) or probabilities (batch, time, vocab), got shape {outputs.shape}")
    return [decode(row, strict=strict) for row in outputs]


def teacher_forcing_batch(
    inputs: Sequence[str], targets: Sequence[str], *, bucket: int = 16, max_input_length: int | None = None,
    max_output_length: int | None = None, reverse_output: bool = False,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(inputs, targets) -> ({"encoder_ids", "decoder_ids"}, decoder_targets) for teacher forcing.

    encoder_ids:     (batch, time_in)   input bytes, then END_ID
    decoder_ids:     (batch, time_out)  START_ID, then target bytes   (what the decoder reads)
    decoder_targets: (batch, time_out)  target bytes, then END_ID     (what it must write)

    ``reverse_output`` (``Seq2SeqConfig.reverse_output``): the target bytes last first, then END_ID.
    """
    if len(inputs) != len(targets):
        raise ValueError(f"{len(inputs)} inputs but {len(targets)} targets")
    encoder_ids = encode_batch(inputs, add_end=True, bucket=bucket, max_length=max_input_length)
    decoder_targets = encode_batch(targets, add_end=True, bucket=bucket, max_length=max_output_length,
                                   reverse=reverse_output)
    decoder_ids = np.zeros_like(decoder_targets)
    decoder_ids[:, 0] = START_ID
    decoder_ids[:, 1:] = decoder_targets[:, :-1]
    # The END_ID of the target must not be read back as the next decoder input: it becomes padding.
    decoder_ids[decoder_ids == END_ID] = PAD_ID
    return {"encoder_ids": encoder_ids, "decoder_ids": decoder_ids}, decoder_targets


def batches_by_length(pairs: Sequence[tuple[str, str]], batch_size: int,
                      rng: random.Random | None = None) -> list[list[tuple[str, str]]]:
    """Length bucketing, the one rule every stream uses: (input, target) pairs sorted by the target's
    length in bytes (a stable sort), cut into batches of ``batch_size`` (the last may be smaller), the
    batches shuffled by ``rng`` when given. A batch then pads its pairs to nearly the same length."""
    ordered = sorted(pairs, key=lambda pair: len(pair[1].encode("utf-8")))
    batches = [ordered[start:start + batch_size] for start in range(0, len(ordered), batch_size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches
