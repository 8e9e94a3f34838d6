"""Where the code runs: Colab or not, GPU or not, smoke mode or a real run, where outputs go.

Every notebook's setup cell ends with ``environment = describe()``; the rest of the notebook reads
its settings from there instead of probing the machine again.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from helpers.locations import REPOSITORY_ROOT

# Before TensorFlow starts (the notebooks import this module first): no C++ log lines, CUDA probes or
# oneDNN notes, in the reader's outputs. Set TF_CPP_MIN_LOG_LEVEL yourself to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SMOKE_VARIABLE = "PORTING_SMOKE"  # "1": shrink data and training so a notebook runs in about a minute
OUTPUT_VARIABLE = "PORTING_OUTPUT"  # where models, logs and executed notebooks go
LOAD_SHIPPED_VARIABLE = "PORTING_LOAD_SHIPPED"  # "1": training notebooks load models/ instead of training
DRIVE_VARIABLE = "PORTING_DRIVE"  # "1": the training notebooks' Drive cell mounts Google Drive (Colab)


def in_colab() -> bool:
    return "google.colab" in sys.modules or importlib.util.find_spec("google.colab") is not None


def smoke_mode() -> bool:
    """True when CI (or a hurried reader) asks for the tiny version of every notebook."""
    return os.environ.get(SMOKE_VARIABLE, "0").strip().lower() in {"1", "true", "yes"}


def load_shipped() -> bool:
    """True when the training notebooks should load the shipped models instead of training them."""
    return os.environ.get(LOAD_SHIPPED_VARIABLE, "0").strip().lower() in {"1", "true", "yes"}


def output_root() -> Path:
    """Outputs live outside the source tree: $PORTING_OUTPUT, else Google Drive when mounted in
    Colab (so a disconnect keeps checkpoints), else /content in Colab, else ~/porting-code-output."""
    if os.environ.get(OUTPUT_VARIABLE):
        root = Path(os.environ[OUTPUT_VARIABLE]).expanduser()
    elif in_colab() and Path("/content/drive/MyDrive").is_dir():
        root = Path("/content/drive/MyDrive/porting-code-output")
    elif in_colab():
        root = Path("/content/porting-code-output")
    else:
        root = Path.home() / "porting-code-output"
    root.mkdir(parents=True, exist_ok=True)
    return root


# TensorFlow's start-up lines (CUDA probes on a machine without a GPU, the oneDNN note) come from the C++
# runtime before its logging starts, so TF_CPP_MIN_LOG_LEVEL no longer silences them (TensorFlow 2.20+).
NATIVE_LOG_LINE = re.compile(r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] |"
                             r"WARNING: All log messages before absl::InitializeLog\(\) is called)")


@contextlib.contextmanager
def standard_error_filtered(noise: re.Pattern, wait: bool = True):
    """While the block runs, what is written to standard error (file descriptor 2, which a Jupyter
    kernel forwards into the notebook) passes through a filter that drops the lines ``noise`` matches,
    this process's and its children's alike. A child started inside the block (Spark's JVM) keeps the
    filtered stream for its whole life; ``wait`` (for a block that starts no such child) returns only
    once every line of the block has passed."""
    sys.stderr.flush()
    saved = os.dup(2)
    forward_to = os.dup(saved)
    read_end, write_end = os.pipe()

    def forward():
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:
                if not noise.match(line.decode("utf-8", "replace")):
                    os.write(forward_to, line)
        os.close(forward_to)

    thread = threading.Thread(target=forward, name="standard-error-filter", daemon=True)
    thread.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe now ends when the children that hold it exit
        os.close(saved)
        if wait:
            thread.join(timeout=10)


def native_start_up_lines_filtered():
    """TensorFlow's native start-up lines (``NATIVE_LOG_LINE``) dropped while it starts; nothing is
    filtered when the user set TF_CPP_MIN_LOG_LEVEL below 2 to see them."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") not in {"2", "3"}:
        return contextlib.nullcontext()
    return standard_error_filtered(NATIVE_LOG_LINE)


def gpu_names() -> list[str]:
    """The visible GPUs, each set to grow its memory as needed (TensorFlow otherwise takes all of it at
    the first op, and a second process on the same GPU, a parallel fit or a Spark worker, gets none)."""
    with native_start_up_lines_filtered():
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")  # no retracing notes in the reader's outputs
        gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # TensorFlow already started on it: its setting stays as it was
            pass
    return [device.name for device in gpus]


@dataclass
class Environment:
    colab: bool  # running inside Google Colab
    smoke: bool  # shrink everything (CI)
    gpus: list[str]  # visible GPUs; Keras uses cuDNN for the LSTMs when there is one
    output: Path  # root for models, logs, executed notebooks
    repository: Path  # the checkout that holds helpers/ and data/
    load_shipped: bool = False  # the training notebooks' default: load models/ instead of training
    drive_requested: bool = False  # the training notebooks' default for their Drive cell (PORTING_DRIVE=1)

    def __str__(self) -> str:
        # no paths: a stored notebook shows this line to every reader, whose machine is not ours
        device = "GPU: " + ", ".join(self.gpus) if self.gpus else "no GPU: the LSTMs run on the CPU"
        notes = (["sizes shrunk to a quick check"] if self.smoke else []) + (
            ["the shipped models are loaded instead of trained"] if self.load_shipped else [])
        return "; ".join([f"{'Colab' if self.colab else 'local'} runtime, {device}", *notes])


def warning_line(message, category, filename, lineno, line=None) -> str:
    """A warning as one line, its category and message: the path of the library file that raised it
    says nothing to a reader and would name the machine that ran a stored notebook."""
    return f"{category.__name__}: {message}\n"


def describe() -> Environment:
    """Detect the environment once, print it, and return it; from then on warnings print as one line
    without a file path (``warning_line``)."""
    import warnings

    warnings.formatwarning = warning_line
    environment = Environment(colab=in_colab(), smoke=smoke_mode(), gpus=gpu_names(), output=output_root(),
                              repository=REPOSITORY_ROOT, load_shipped=load_shipped(),
                              drive_requested=os.environ.get(DRIVE_VARIABLE, "0").strip() == "1")
    print(environment)
    return environment


def mount_drive() -> bool:
    """In Colab, mount Google Drive so that checkpoints survive a disconnect. Elsewhere: False."""
    if not in_colab():
        return False
    from google.colab import drive  # type: ignore[import-not-found]

    drive.mount("/content/drive")
    return True


def machine_description() -> str:
    """"2 CPU cores (AMD EPYC 7B13), x86_64, Linux, no GPU, Python 3.11.7": what every record of a
    measurement (a model's metrics and evaluations, a stored notebook's run) says it ran on. Asks
    nvidia-smi, not TensorFlow, so it costs no TensorFlow import."""
    import platform
    import shutil
    import subprocess

    cpu = "model unknown"
    try:
        cpu = next((line.partition(":")[2].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpus = []
    if shutil.which("nvidia-smi"):
        listed = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True)
        gpus = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    return (f"{os.cpu_count()} CPU cores ({cpu}), {platform.machine()}, {platform.system()}, "
            f"{', '.join(gpus) if gpus else 'no GPU'}, Python {platform.python_version()}")


def code_commit() -> str | None:
    """The checkout's commit ("4ae6813", with "+uncommitted changes" when a tracked file other than a
    stored notebook differs from it), or None outside a git checkout: which code a record came from."""
    import subprocess

    try:
        commit = subprocess.run(["git", "-C", str(REPOSITORY_ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(REPOSITORY_ROOT), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return None
    changed = [line for line in status if not line.endswith(".ipynb")]  # notebooks a --store run wrote do not count
    return (commit + ("+uncommitted changes" if changed else "")) or None
