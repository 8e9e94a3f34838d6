"""One result per input line: what ``python -m helpers predict`` prints and what Spark stages return.

    predict_records(stored_model, lines) -> one dict per line, in order:
        input   the line as text
        output  the decoded text (compact JSON), or None
        ok      the output is a valid result of the function's output format
        score   the smallest probability among the emitted bytes (the model's confidence), or None
        error   why a line has no output (empty, not UTF-8, too long, no valid output) [when set]
        predicted_error  the exception type the model predicts the real function raises
                         (output ``{"error":"ValueError"}``); ``ok`` is then false       [when set]

No row is ever dropped: a line the model cannot take gets ``output`` None and an ``error``.
Validity needs no import of the real function, so predictions run wherever the model is.
"""

from __future__ import annotations

import functools
import json
from typing import Iterator

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


def predict_records(stored, lines: list[bytes]) -> Iterator[dict]:
    """One result dict per line (bytes), in order (see the module docstring)."""
    decoder = _decoder(stored.model)
    max_bytes = stored.model.config.max_input_length - 1
    for start in range(0, len(lines), CHUNK_LINES):
        chunk = lines[start:start + CHUNK_LINES]
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
        if usable:
            decoded = decoder([records[index]["input"] for index in usable])
            for position, index in enumerate(usable):
                output_record(stored.task, records[index], decoded.texts[position], decoded.scores[position])
        yield from records
