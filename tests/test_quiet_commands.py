"""A command's standard error holds what the user must read, not TensorFlow's native start-up lines
(absl's banner, the oneDNN note, CUDA probes), however TF_CPP_MIN_LOG_LEVEL is set by default; real
errors still reach it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.environment import NATIVE_LOG_LINE

ROOT = Path(__file__).resolve().parent.parent


def run_command(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "helpers", *arguments], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=environment, timeout=600)


def test_predict_writes_no_native_start_up_line_and_errors_still_show():
    done = run_command("predict", "--model", "models/title", "-", stdin="hello world\n")
    assert done.returncode == 0 and json.loads(done.stdout)["output"] == json.dumps("Hello World")
    assert [line for line in done.stderr.splitlines() if NATIVE_LOG_LINE.search(line) or "cuInit" in line] == []
    assert done.stderr == ""
    failed = run_command("predict", "--model", "models/none", "-", stdin="x\n")
    assert failed.returncode == 2 and failed.stderr.strip().splitlines() == [
        "error: model directory models/none does not exist"]
    assert NATIVE_LOG_LINE.search("I0000 00:00:1796582414.565685    2263 port.cc:153] oneDNN custom operations are on.")
