"""One result per input line: what ``python -m helpers predict`` prints and what Spark stages return.

    predict_records(task, max_input_length, submit, lines) -> one dict per line, in order:
        input   the line as text
        output  the decoded text (compact JSON), or None
        ok      the output is a valid result of the function's output format
        score   the smallest probability among the emitted bytes (the model's confidence), or None
        error   why a line has no output (empty, not UTF-8, too long, no valid output) [when set]
        predicted_error  the exception type the model predicts the real function raises
                         (output ``{"error":"ValueError"}``); ``ok`` is then false       [when set]

No row is ever dropped: a line the model cannot take gets ``output`` None and an ``error``.
Validity needs no import of the real function, so predictions run wherever the model is.

``submit`` is the decoder: ``submit(texts)`` returns a job whose ``result()`` is their ``Decoded``.
Either engine serves: ``greedy_decoding(model)`` (TensorFlow, ``helpers.decoders.GreedyDecoder``) or
``NumpyDecoder.submit`` (``helpers.numpy_decoding``, whose worker processes decode the next chunk while
this process finishes the records of the last one).
"""

from __future__ import annotations

import functools
import json
from typing import Callable, Iterator

from helpers.functions import REGISTRY, predicted_error

CHUNK_LINES = 16_384  # lines handed to the decoder at once: it sorts them by length, so the more lines, the less
#                       batches pad (measured: EXPERIMENTS.md, "Figures that code comments used to quote")


def output_is_valid(task: str, text: str | None) -> bool:
    """Is ``text`` a well-formed output of ``task`` (compact JSON, and the registry entry's own
    check where it has one)? A predicted error object is not a valid result."""
    if text is None:
        return False
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return False
    if predicted_error(value) is not None:
        return False
    entry = REGISTRY.get(task)
    if entry is not None and entry.output_check is not None:
        return bool(entry.output_check(value))
    return True


def input_problem(raw: bytes, max_bytes: int) -> str | None:
    """Why the model cannot take this input line, or None when it can."""
    if not raw:
        return "empty input"
    if len(raw) > max_bytes:
        return f"input is {len(raw)} UTF-8 bytes, the model takes at most {max_bytes}"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not valid UTF-8 ({error.reason} at byte {error.start})"
    return None


def output_record(task: str, record: dict, text: str | None, score: float) -> dict:
    """Fills ``record`` with a decoded ``text`` and its ``score``: output, ok, and error or
    predicted_error."""
    record["output"] = text
    record["score"] = round(float(score), 6)
    record["ok"] = output_is_valid(task, text)
    if text is None:
        record["error"] = "the model did not finish a valid UTF-8 output"
        return record
    if not record["ok"]:
        try:
            raised = predicted_error(json.loads(text))
        except json.JSONDecodeError:
            raised = None
        if raised is not None:
            record["predicted_error"] = raised
        else:
            record["error"] = f"output is not a valid {task} result"
    return record


@functools.lru_cache(maxsize=4)
def _decoder(model):
    """One GreedyDecoder per model, so that later calls reuse its traced graph."""
    from helpers.decoders import GreedyDecoder

    return GreedyDecoder(model)


class DecodedLater:
    """A decoding by a decoder that works in this process, done when its result is asked for."""

    def __init__(self, decoder, texts: list[str]):
        self.decoder, self.texts = decoder, texts

    def result(self):
        return self.decoder(self.texts)


def greedy_decoding(model) -> Callable[[list[str]], DecodedLater]:
    """``submit`` for ``predict_records`` with TensorFlow: the model's GreedyDecoder."""
    return functools.partial(DecodedLater, _decoder(model))


def predict_records(task: str, max_input_length: int, submit: Callable, lines: list[bytes]) -> Iterator[dict]:
    """One result dict per line (bytes), in order (see the module docstring). Each chunk of lines is
    submitted before the records of the chunk before it are finished, so that a decoder that works in
    other processes decodes meanwhile."""
    pending = None
    for start in range(0, len(lines), CHUNK_LINES):
        submitted = _submitted(lines[start:start + CHUNK_LINES], max_input_length - 1, submit)
        if pending is not None:
            yield from _finished(task, *pending)
        pending = submitted
    if pending is not None:
        yield from _finished(task, *pending)


def _submitted(chunk: list[bytes], max_bytes: int, submit: Callable) -> tuple[list[dict], list[int], object]:
    """(records, the indices of the usable lines, their decoding job or None) of one chunk: each line's
    record, with its error where the model cannot take it; the usable lines submitted."""
    records: list[dict] = []
    usable: list[int] = []
    for raw in chunk:
        record: dict = {"input": raw.decode("utf-8", errors="replace"), "output": None, "ok": False, "score": None}
        problem = input_problem(raw, max_bytes)
        if problem is None:
            usable.append(len(records))
        else:
            record["error"] = problem
        records.append(record)
    return records, usable, submit([records[index]["input"] for index in usable]) if usable else None


def _finished(task: str, records: list[dict], usable: list[int], job) -> list[dict]:
    """The records of one chunk with the decoded outputs filled in."""
    if job is not None:
        decoded = job.result()
        for position, index in enumerate(usable):
            output_record(task, records[index], decoded.texts[position], decoded.scores[position])
    return records
