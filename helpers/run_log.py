"""RUN/printed.txt: all that a training command printed, each sitting under a line that names it.

    # 2026-12-07T15:54Z commit b4e88f5: python -m helpers train --recipe urlparse --out runs/x --steps 62400
    ... what it printed (standard output and standard error) ...
    # stopped by SIGTERM at 18:05Z; the state of epoch 70 is in state/: python -m helpers train --resume runs/x
    # 2026-12-08T09:12Z commit 01af944: python -m helpers train --resume runs/x
    ...

A run that outlives a sitting appends a block per sitting, so the file is the whole run's log, ready to
be committed beside its model ("the command and all it printed"). Native TensorFlow lines written
straight to the process's file descriptors (CUDA probes) are not in it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator, TextIO

PRINTED_FILE = "printed.txt"


class Stopped(BaseException):
    """SIGTERM arrived: raised in the main thread, so that the command ends where it is (the last whole
    checkpoint stays on disk) and its log says so. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way swallows it."""


class _Tee:
    """A text stream that writes to ``stream`` and to ``log``."""

    def __init__(self, stream: TextIO, log: TextIO):
        self.stream, self.log = stream, log

    def write(self, text: str) -> int:
        self.log.write(text)
        self.log.flush()  # a kill at any moment keeps all that was printed before it
        return self.stream.write(text)

    def flush(self) -> None:
        self.log.flush()
        self.stream.flush()

    def __getattr__(self, name):  # isatty, fileno, encoding...: the terminal's
        return getattr(self.stream, name)


def _minute(now: datetime.datetime | None = None) -> str:
    return (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%MZ")


def last_checkpoint_epoch(run_directory: Path) -> int | None:
    """The epoch of the run's last whole checkpoint (``helpers.run_state``), or None without one."""
    from helpers.run_state import STATE_FILE, STATE_FOLDER

    try:
        return int(json.loads((run_directory / STATE_FOLDER / STATE_FILE).read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stopped_line(how: str, run_directory: Path, resume_command: str) -> str:
    epoch = last_checkpoint_epoch(run_directory)
    kept = f"the state of epoch {epoch} is in state/" if epoch else "no epoch was finished"
    return f"\n# stopped by {how} at {_minute()[11:]}; {kept}: {resume_command}\n"


def _raise_stopped(signal_number, frame):
    raise Stopped()


@contextlib.contextmanager
def printed_to(run_directory: str | Path, command: str, resume_command: str) -> Iterator[None]:
    """Appends to RUN/printed.txt a line naming ``command``, the code's commit and the time, then all
    that is printed until the block ends. SIGTERM (and Ctrl-C) end the command with a last line naming
    the checkpoint it left and ``resume_command``; SIGTERM then exits with status 143."""
    from helpers.environment import code_commit

    run_directory = Path(run_directory)
    run_directory.mkdir(parents=True, exist_ok=True)
    with open(run_directory / PRINTED_FILE, "a", encoding="utf-8") as log:
        log.write(f"# {_minute()} commit {code_commit() or 'unknown'}: {command}\n")
        log.flush()
        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Tee(sys.stdout, log), _Tee(sys.stderr, log)
        in_main_thread = threading.current_thread() is threading.main_thread()  # only it may set a handler
        previous_handler = signal.signal(signal.SIGTERM, _raise_stopped) if in_main_thread else None
        try:
            yield
        except Stopped:
            log.write(_stopped_line("SIGTERM", run_directory, resume_command))
            raise SystemExit(128 + signal.SIGTERM) from None
        except KeyboardInterrupt:
            log.write(_stopped_line("Ctrl-C", run_directory, resume_command))
            raise
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous_handler)
            sys.stdout, sys.stderr = streams


def command_text(prog: str, argv: list[str]) -> str:
    """The command line as a reader would type it again: ``python -m helpers train --resume runs/x``."""
    return f"{prog} {shlex.join(argv)}".strip()
