"""Decoding speed on the same inputs: the numpy decoder, the in-graph decoder, and the real function.

    python tools/benchmark_decoders.py --model models/urlparse [--inputs FILE] [--batch 256]

Prints inputs per second for each, and their ratios. The real function (CPython's urlparse for the
urlparse model) is the ceiling: a learned function is not meant to be faster than the code it
ports, but to run where that code cannot.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main() -> int:
    from helpers.decoders import GreedyDecoder, greedy_decode_numpy
    from helpers.evaluation import load_lines
    from helpers.functions import get_function
    from helpers.storage import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--inputs", help="one input per line (default: generated inputs)")
    parser.add_argument("--batch", type=int, default=256, help="inputs per batch, for both decoders")
    parser.add_argument("--repeats", type=int, default=3, help="in-graph decoder timing repeats (best kept)")
    arguments = parser.parse_args()

    stored = load_model(arguments.model)
    function = get_function(stored.task)
    if arguments.inputs:
        inputs = [line for line in load_lines(arguments.inputs)
                  if line and len(line.encode("utf-8")) <= function.max_input_bytes][: arguments.batch]
    else:
        inputs = function.examples(random.Random(0), arguments.batch)[0]
    print(f"{len(inputs)} inputs of task {stored.task}, batch {arguments.batch}")

    started = time.perf_counter()
    expected = [function.output_text(text) for text in inputs]
    python_seconds = time.perf_counter() - started

    decoder = GreedyDecoder(stored.model, batch_size=arguments.batch)
    decoder(inputs)  # trace once
    graph_seconds = float("inf")
    for _ in range(arguments.repeats):
        started = time.perf_counter()
        fast = decoder(inputs)
        graph_seconds = min(graph_seconds, time.perf_counter() - started)

    started = time.perf_counter()
    slow = greedy_decode_numpy(stored.model, inputs)
    numpy_seconds = time.perf_counter() - started

    rates = {
        "numpy decoder (full pass per output byte)": per_second(len(inputs), numpy_seconds),
        "in-graph decoder (encoder once, tf.while_loop)": per_second(len(inputs), graph_seconds),
        f"CPython {stored.task} (the ceiling)": per_second(len(inputs), python_seconds),
    }
    for name, rate in rates.items():
        print(f"{rate:14.1f} inputs/s  {name}")
    numpy_rate, graph_rate, python_rate = rates.values()
    print(f"in-graph / numpy: {graph_rate / numpy_rate:.1f}x;  CPython / in-graph: {python_rate / graph_rate:.1f}x")
    agree = sum(a == b for a, b in zip(fast.texts, slow.texts))
    correct = sum(a == b for a, b in zip(fast.texts, expected))
    print(f"decoders agree on {agree}/{len(inputs)}; in-graph exact match {correct}/{len(inputs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
