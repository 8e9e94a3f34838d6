"""The one reader of input files: one input per line, split on "\\n" only.

Lines are not stripped (a tab or a carriage return inside a URL is part of the input), and a final
"\\n" does not start another line. ``-`` reads standard input.
"""

from __future__ import annotations

import sys
from pathlib import Path


def read_lines(path: str | Path) -> list[bytes]:
    """The lines of ``path`` as bytes (``-``: standard input); ``ValueError`` when it cannot be read."""
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from error
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def read_text_lines(path: str | Path) -> list[str]:
    """The lines of ``path`` as text; ``ValueError`` naming the first line that is not UTF-8."""
    texts = []
    for number, raw in enumerate(read_lines(path), start=1):
        try:
            texts.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ValueError(f"{path} is not UTF-8: line {number}, byte {error.start}: {error.reason}") from error
    return texts
