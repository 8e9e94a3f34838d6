"""Is the data pipeline fast enough? URLs per second produced vs consumed by training, on this machine.

    python tools/benchmark_vectorization.py                        # both sides, urlparse, batch 128
    python tools/benchmark_vectorization.py --training-steps 0     # the pipeline only (no TensorFlow)

Producer: ``helpers.data.url_training_batches`` over the training split of the embedded sample (the
real function computes each target, then length bucketing and padding), one Python thread.
Consumer: ``train_on_batch`` of an untrained urlparse-sized model on batches from the same stream,
timed after warm-up steps (the first steps trace the graph for each new shape).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from helpers.data import SAMPLE_PATH, measure_throughput, read_sample, split_urls, url_training_batches  # noqa: E402
from helpers.functions import get_function  # noqa: E402


def training_urls_per_second(stream, batch_size: int, steps: int, warmup_steps: int, units: int) -> float:
    """URLs per second consumed by ``train_on_batch`` of an untrained model (after ``warmup_steps``)."""
    import keras

    from helpers.model import LOSSES, Seq2SeqConfig, build_seq2seq

    function = get_function("urlparse")
    model = build_seq2seq(Seq2SeqConfig(units=units, embedding_dim=64, max_input_length=function.max_input_bytes + 1,
                                        max_output_length=400))
    model.training_model.compile(optimizer=keras.optimizers.Adam(3e-3, global_clipnorm=1.0), loss=LOSSES["masked"])
    batches = list(itertools.islice(stream, warmup_steps + steps))
    for features, targets in batches[:warmup_steps]:
        model.training_model.train_on_batch(features, targets)
    started = time.perf_counter()
    for features, targets in batches[warmup_steps:]:
        model.training_model.train_on_batch(features, targets)
    return steps * batch_size / (time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="urlparse", help="registered function whose targets are computed")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to draw batches from the pipeline")
    parser.add_argument("--training-steps", type=int, default=10, help="timed train_on_batch steps; 0 skips training")
    parser.add_argument("--warmup-steps", type=int, default=5, help="untimed steps first (graph tracing)")
    parser.add_argument("--units", type=int, default=128, help="LSTM units of the timed model (urlparse: 128)")
    arguments = parser.parse_args(argv)

    urls = read_sample(SAMPLE_PATH, columns=["url"])["url"].tolist()
    training, _ = split_urls(urls, 0.1)
    function = get_function(arguments.task)
    stream = url_training_batches(training, function, batch_size=arguments.batch_size)
    next(stream)  # the first pool sorts batch_size * 16 URLs: not part of the steady state
    produced = measure_throughput(stream, arguments.seconds)
    report = {"task": arguments.task, "batch_size": arguments.batch_size, "cpu_cores": os.cpu_count(),
              "pipeline_urls_per_second": produced["urls_per_second"], "pipeline_seconds": produced["seconds"]}
    print(f"pipeline: {produced['urls_per_second']:,.0f} URLs/s "
          f"({produced['batches']} batches of {arguments.batch_size} in {produced['seconds']} s)", flush=True)
    if arguments.training_steps > 0:
        consumed = training_urls_per_second(stream, arguments.batch_size, arguments.training_steps,
                                            arguments.warmup_steps, arguments.units)
        report["training_urls_per_second"] = round(consumed, 1)
        report["headroom"] = round(produced["urls_per_second"] / consumed, 1)
        print(f"training: {consumed:,.0f} URLs/s ({arguments.training_steps} train_on_batch steps, "
              f"{arguments.units} units)")
        print(f"the pipeline produces {report['headroom']}x what training consumes"
              + ("" if report["headroom"] > 1 else ": TRAINING WOULD WAIT FOR DATA"))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
