"""RUN/printed.txt: a training command's log, each sitting under its own line, ended by SIGTERM with a
line that names the checkpoint it left."""

import json
import os
import signal
import sys

import pytest

from helpers.run_log import PRINTED_FILE, command_text, printed_to


def test_what_is_printed_goes_to_the_screen_and_under_the_command_in_the_log(tmp_path, capsys):
    with printed_to(tmp_path / "run", "porting train --out run", "porting train --resume run"):
        print("epoch 1: validation exact match 0.5")
        print("a warning", file=sys.stderr)
    out, err = capsys.readouterr()
    assert out == "epoch 1: validation exact match 0.5\n" and err == "a warning\n"
    lines = (tmp_path / "run" / PRINTED_FILE).read_text().splitlines()
    assert lines[0].startswith("# 20") and " commit " in lines[0] and lines[0].endswith(": porting train --out run")
    assert lines[1:] == ["epoch 1: validation exact match 0.5", "a warning"]
    assert sys.stdout is not None and not hasattr(sys.stdout, "log")  # the streams are given back


def test_sigterm_ends_the_command_with_a_line_naming_the_checkpoint_and_how_to_go_on(tmp_path):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.json").write_text(json.dumps({"epoch": 7, "files": []}))
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        with printed_to(tmp_path, "porting train --out x", "porting train --resume x"):
            print("epoch 8 started")
            os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.code == 143  # 128 + SIGTERM, as a shell reports it
    last = (tmp_path / PRINTED_FILE).read_text().splitlines()[-1]
    assert last.startswith("# stopped by SIGTERM at ")
    assert last.endswith("; the state of epoch 7 is in state/: porting train --resume x")
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_sitting_is_appended_and_the_command_quotes_what_needs_it(tmp_path):
    for sitting in ("first", "second"):
        with printed_to(tmp_path, sitting, "go on"):
            print(sitting)
    assert [line.split(": ")[-1] for line in (tmp_path / PRINTED_FILE).read_text().splitlines()] == [
        "first", "first", "second", "second"]
    assert command_text("python -m helpers", ["train", "--out", "my run"]) == "python -m helpers train --out 'my run'"
