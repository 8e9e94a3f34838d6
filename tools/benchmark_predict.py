"""The whole ``predict`` command's speed, start-up included, side by side with an earlier commit's.

    python tools/benchmark_predict.py [--model models/urlparse] [--count 50000] [--baseline a2d82c2]
                                      [--repeats 2] [--out FILE.json]

What a user of the command waits for: ``python -m helpers predict --model M FILE`` from a new process
to its last line, on ``--count`` URLs: every line of data/real_urls.txt, topped up with URLs of the
training generator (a fixed seed) when more are asked for. The baseline's ``helpers`` package is taken
from git (``git archive``); baseline and current run in turns, each in its own process, the best of
``--repeats`` kept. Each side is timed twice:

* **start-up**: the command on a file of one URL (Python, TensorFlow, the model, the decoder's first
  call);
* **whole command**: the command on all the URLs. URLs/s is count / whole command; "after start-up"
  is count / (whole command - start-up).

Both sides must write the same outputs (checked), and CPython's own function is timed on the same
URLs (`output_text`: its answer as JSON, or the error object where it raises): the ceiling. ``--out`` writes the figures as JSON, with the date, machine and commit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark_decoding import baseline_tree  # the baseline commit's helpers package, from git

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATOR_SEED = 50_000  # the generated URLs that top up the real ones


def benchmark_urls(count: int, max_bytes: int) -> list[str]:
    """``count`` URLs: data/real_urls.txt's lines first, then generated ones (one line each: no CR or
    LF), each at most ``max_bytes`` long."""
    from helpers.lines import read_text_lines
    from helpers.locations import REAL_URLS_PATH
    from helpers.url_generator import random_url

    urls = [line for line in read_text_lines(REAL_URLS_PATH) if line and len(line.encode("utf-8")) <= max_bytes][:count]
    rng = random.Random(GENERATOR_SEED)
    while len(urls) < count:
        url = random_url(rng, max_bytes)
        if "\n" not in url and "\r" not in url:
            urls.append(url)
    return urls


def timed_predict(root: Path, model: str, inputs: Path, outputs: Path) -> float:
    """Seconds that ``python -m helpers predict`` of the tree at ``root`` takes from start to exit."""
    environment = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    with open(outputs, "wb") as written:
        subprocess.run([sys.executable, "-m", "helpers", "predict", "--model", model, str(inputs)], check=True,
                       cwd=root, env=environment, stdout=written, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/urlparse", help="a saved model directory (default: the shipped urlparse)")
    parser.add_argument("--count", type=int, default=50_000, help="URLs to decode")
    parser.add_argument("--baseline", default="a2d82c2", help="the commit whose predict command is the baseline")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", help="write the figures here (JSON)")
    arguments = parser.parse_args()
    if arguments.count < 1 or arguments.repeats < 1:
        parser.error("--count and --repeats must be at least 1")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from helpers.environment import code_commit, machine_description
    from helpers.functions import get_function
    from helpers.storage import load_model

    model_path = Path(arguments.model) if Path(arguments.model).exists() else ROOT / arguments.model
    stored = load_model(model_path)
    model = str(model_path.resolve())
    urls = benchmark_urls(arguments.count, stored.model.config.max_input_length - 1)
    best: dict[str, dict[str, float]] = {}
    outputs: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        inputs, one = scratch / "inputs.txt", scratch / "one.txt"
        inputs.write_text("\n".join(urls) + "\n", encoding="utf-8")
        one.write_text(urls[0] + "\n", encoding="utf-8")
        trees = {"baseline": baseline_tree(arguments.baseline, scratch / "baseline"), "current": ROOT}
        for repeat in range(arguments.repeats):
            for name, root in trees.items():
                start_up = timed_predict(root, model, one, scratch / "one.jsonl")
                whole = timed_predict(root, model, inputs, scratch / f"{name}.jsonl")
                print(f"run {repeat + 1} {name}: start-up {start_up:.2f} s, whole command {whole:.2f} s", flush=True)
                kept = best.setdefault(name, {"start_up_seconds": start_up, "whole_seconds": whole})
                kept["start_up_seconds"] = min(kept["start_up_seconds"], start_up)
                kept["whole_seconds"] = min(kept["whole_seconds"], whole)
                outputs[name] = [json.loads(line)["output"] for line in (scratch / f"{name}.jsonl").read_text().splitlines()]
    function = get_function(stored.task)
    started = time.perf_counter()
    for url in urls:
        function.output_text(url)  # as the model answers: the fields, or the error object where urlparse raises
    python_rate = len(urls) / (time.perf_counter() - started)

    count = len(urls)
    same = sum(a == b for a, b in zip(outputs["baseline"], outputs["current"]))
    for figures in best.values():
        figures["urls_per_second"] = count / figures["whole_seconds"]
        figures["urls_per_second_after_start_up"] = count / max(1e-9, figures["whole_seconds"] - figures["start_up_seconds"])
    ratio = best["current"]["urls_per_second"] / best["baseline"]["urls_per_second"]
    print(f"\n{count:,} URLs (data/real_urls.txt, then generated), model {arguments.model}, {machine_description()}; "
          f"baseline {arguments.baseline}, current {code_commit()}; best of {arguments.repeats}, each in a new process")
    print(f"{'':32} {'baseline':>12} {'current':>12} {'ratio':>7}")
    rows = (("start-up (one URL), s", "start_up_seconds", "{:12.2f}"), ("whole command, s", "whole_seconds", "{:12.2f}"),
            ("whole command, URLs/s", "urls_per_second", "{:12,.0f}"),
            ("after start-up, URLs/s", "urls_per_second_after_start_up", "{:12,.0f}"))
    for label, key, shape in rows:
        baseline, current = best["baseline"][key], best["current"][key]
        relation = baseline / current if key.endswith("seconds") else current / baseline
        print(f"{label:32} {shape.format(baseline)} {shape.format(current)} {relation:6.2f}x")
    print(f"CPython {function.name}: {python_rate:,.0f} URLs/s, {python_rate / best['current']['urls_per_second']:,.0f}x "
          f"the current whole command")
    print(f"same outputs: {same}/{count}")
    if arguments.out:
        report = {"count": count, "model": arguments.model, "baseline_commit": arguments.baseline,
                  "current_commit": code_commit(), "hardware": machine_description(), "repeats": arguments.repeats,
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "baseline": best["baseline"],
                  "current": best["current"], "ratio_whole_command": ratio, "python_urls_per_second": python_rate,
                  "same_outputs": same, "command": " ".join(["python", *sys.argv])}
        Path(arguments.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0 if same == count else 1


if __name__ == "__main__":
    sys.exit(main())
