"""Files written from other files (requirement files from pyproject.toml, model cards from a model's
records): the `write` and `check` actions that tools/requirements.py and tools/model_cards.py share.

    check   exit status 1, one line per file, when a file differs from what `write` would write
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable


def differing(expected: dict[Path, str]) -> list[Path]:
    """The files whose text is not the expected one (a missing file included)."""
    return [path for path, text in expected.items() if not path.is_file() or path.read_text() != text]


def write_or_check(argv: list[str] | None, description: str, expected: Callable[[], dict[Path, str]],
                   root: Path, sources: str) -> int:
    """The command line of a tool whose files ``expected()`` gives (path -> text); ``sources`` names what
    they are written from, for the message of `check`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("action", choices=["write", "check"],
                        help=f"write: rewrite the files from {sources}; check: exit 1 when one differs")
    arguments = parser.parse_args(argv)
    files = expected()
    if arguments.action == "write":
        for path, text in files.items():
            path.write_text(text)
            print(f"wrote {path.relative_to(root)}")
        return 0
    stale = differing(files)
    for path in stale:
        print(f"{path.relative_to(root)} differs from {sources}: run python tools/{Path(sys.argv[0]).name} write",
              file=sys.stderr)
    return 1 if stale else 0
