"""Speed of the exported decoder: URLs per second of the SavedModel in Python, milliseconds per URL
in headless Chromium for each engine of web/model.js (step: the decoder in plain JavaScript, the
page's default; graph: TensorFlow.js, wasm backend), on the same inputs.

    python tools/benchmark_export.py --model DIR [--count 200] [--engines step,graph]

Inputs: the real URLs of ../shared/data/dev_urls.txt when present, else generated ones; those longer
than the model takes are skipped. Needs tools/setup_web.sh.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tensorflow as tf  # noqa: E402

from helpers.export import export  # noqa: E402
from helpers.functions import get_function  # noqa: E402
from helpers.lines import read_text_lines  # noqa: E402
from helpers.locations import DEV_URLS_PATH  # noqa: E402
from helpers.storage import load_model  # noqa: E402
from helpers.web import build_site, measure_in_browser  # noqa: E402

PYTHON_BATCH = 256  # rows per SavedModel call


def benchmark_inputs(task: str, max_bytes: int, count: int) -> list[str]:
    lines = read_text_lines(DEV_URLS_PATH) if DEV_URLS_PATH.is_file() else []
    inputs = [line for line in lines if 0 < len(line.encode("utf-8")) <= max_bytes][:count]
    rng, generator = random.Random(0), get_function(task)
    while len(inputs) < count:
        text = generator.generate_input(rng)
        if len(text.encode("utf-8")) <= max_bytes:
            inputs.append(text)
    return inputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--engines", default="step,graph", help="web/model.js engines to time, comma-separated")
    arguments = parser.parse_args()
    stored = load_model(arguments.model)
    inputs = benchmark_inputs(stored.task, stored.model.config.max_input_length - 1, arguments.count)
    mean_bytes = sum(len(text.encode("utf-8")) for text in inputs) / len(inputs)
    config = stored.model.config
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (a shared machine inflates wall-clock times)")
    print(f"{len(inputs)} inputs, {mean_bytes:.1f} bytes on average; model: units {config.units}, embedding "
          f"{config.embedding_dim}, positions {config.position_features}, max_output_length {config.max_output_length}")
    with tempfile.TemporaryDirectory() as out:
        written = export(arguments.model, out)
        serving = tf.saved_model.load(str(written["saved_model"])).signatures["serving_default"]
        serving(inputs=tf.constant(inputs[:8]))  # trace and warm up
        started = time.perf_counter()
        for start in range(0, len(inputs), PYTHON_BATCH):
            serving(inputs=tf.constant(inputs[start:start + PYTHON_BATCH]))
        seconds = time.perf_counter() - started
        print(f"SavedModel (Python, batches of {PYTHON_BATCH}): {len(inputs) / seconds:.0f} URLs/s")
        site = build_site(written["tfjs"], Path(out) / "site")
        for engine in arguments.engines.split(","):
            measured = measure_in_browser(site, inputs, batch_size=32, engine=engine)
            steps = sum(len(result["ids"]) for result in measured["results"]) / len(inputs)
            print(f"browser ({measured['backend']}, one by one): {measured['milliseconds_one_by_one']:.1f} ms/URL "
                  f"(CPU of the page thread {measured['cpu_milliseconds_one_by_one']:.1f} ms/URL; "
                  f"{steps:.1f} output ids on average)")
            print(f"browser ({measured['backend']}, batches of 32): {measured['milliseconds_batched']:.1f} ms/URL "
                  f"(CPU {measured['cpu_milliseconds_batched']:.1f} ms/URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
