"""Decoding speed, side by side: this checkout's decoders against those of an earlier commit.

    python tools/benchmark_decoding.py [--model models/urlparse] [--inputs ../shared/data/dev_urls.txt]
                                       [--baseline a2d82c2] [--repeats 2]

The baseline's ``helpers`` package is taken from git (``git archive``) into a temporary folder, and
each measurement runs in its own process, baseline and current taking turns (the best of
``--repeats`` kept), on the same model and inputs:

* **in-graph decoder**: the exported decoder (``InGraphDecoder.decode_ids``), batches of 256 in the
  order of the file;
* **in-graph decoder in groups** (where the tree has it): ``InGraphDecoder.decode_ids_in_groups``
  (the SavedModel's serving path), all lines in one call: rows sorted by length inside the graph and
  decoded in groups of 128 on two independent loops;
* **predict's decoding**: ``predict_records`` over all lines, the way ``python -m helpers predict``
  decodes, after a warm-up batch (start-up excluded). A tree whose ``predict_records`` builds a new
  decoder at every call, as a2d82c2's does, traces it again inside the timed call: its figure
  includes that tracing;
* **predict command**: ``python -m helpers predict --model M FILE``, wall time, start-up included.

Both sides must give the same outputs (checked). The default baseline, a2d82c2, is the state of the
decoders before ``helpers.step``. CPython's own function is measured too: the ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def worker(root: str, model: str, inputs_path: str, out: str) -> int:
    """Runs in a child process with ``root``'s helpers: measures and writes JSON to ``out``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, root)
    import tensorflow as tf

    from helpers.decoders import _check_inputs
    from helpers.export import InGraphDecoder
    from helpers.storage import load_model
    try:
        from helpers.prediction import predict_records
    except ImportError:  # before helpers.prediction, predict's loop lived in the command line module
        from helpers.cli import predict_records

    stored = load_model(model)
    try:  # TensorFlow's decoder, as predict --engine tensorflow runs it
        from helpers.prediction import greedy_decoding

        decoding = (stored.task, stored.model.config.max_input_length, greedy_decoding(stored.model))
    except ImportError:  # before the NumPy engine, predict_records took the stored model
        decoding = (stored,)
    raw = Path(inputs_path).read_bytes().split(b"\n")
    lines = [line for line in raw if line][: None]
    texts = [line.decode("utf-8") for line in lines]
    result = {"lines": len(lines)}

    graph = InGraphDecoder(stored.model, stored.task)
    batches = [texts[start:start + 256] for start in range(0, len(texts), 256)]
    graph.decode_ids(tf.constant(_check_inputs(batches[0][:8], stored.model.config.max_input_length)))
    started = time.perf_counter()
    for batch in batches:
        graph.decode_ids(tf.constant(_check_inputs(batch, stored.model.config.max_input_length)))
    result["in_graph_seconds"] = time.perf_counter() - started

    if hasattr(graph, "decode_ids_in_groups"):  # the in-graph decoder's sorted groups, all lines in one call
        from helpers.vectorization import decode

        all_ids = tf.constant(_check_inputs(texts, stored.model.config.max_input_length))
        graph.decode_ids_in_groups(all_ids[:8])
        started = time.perf_counter()
        grouped = graph.decode_ids_in_groups(all_ids)["ids"].numpy()
        result["in_groups_seconds"] = time.perf_counter() - started
        result["in_groups_outputs"] = [decode(row, strict=True) for row in grouped]

    list(predict_records(*decoding, lines[:8]))  # trace the decoder once
    started = time.perf_counter()
    records = list(predict_records(*decoding, lines))
    result["predict_seconds"] = time.perf_counter() - started
    result["outputs"] = [record["output"] for record in records]
    Path(out).write_text(json.dumps(result))
    return 0


def baseline_tree(commit: str, directory: Path) -> Path:
    """The helpers package of ``commit`` under ``directory`` (git archive)."""
    directory.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "helpers"], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"error: cannot take helpers/ from commit {commit}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory


def measure(root: Path, model: str, inputs: Path, scratch: Path) -> dict:
    out = scratch / f"result-{time.monotonic_ns()}.json"
    subprocess.run([sys.executable, __file__, "--worker", str(root), "--model", model, "--inputs", str(inputs),
                    "--out", str(out)], check=True, stderr=subprocess.DEVNULL, cwd=root)
    result = json.loads(out.read_text())
    environment = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "helpers", "predict", "--model", model, str(inputs)], check=True, cwd=root,
                   env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result["command_seconds"] = time.perf_counter() - started
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "urlparse"))
    parser.add_argument("--inputs", help="one input per line (default: ../shared/data/dev_urls.txt, else data/real_urls.txt)")
    parser.add_argument("--baseline", default="a2d82c2", help="the commit whose decoders are the baseline")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=5000, help="lines of the file to decode")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        return worker(arguments.worker, arguments.model, arguments.inputs, arguments.out)

    sys.path.insert(0, str(ROOT))
    from helpers.functions import get_function
    from helpers.lines import read_text_lines
    from helpers.locations import DEV_URLS_PATH, REAL_URLS_PATH
    from helpers.storage import load_model

    stored = load_model(arguments.model)
    function = get_function(stored.task)
    source = Path(arguments.inputs) if arguments.inputs else (DEV_URLS_PATH if DEV_URLS_PATH.is_file() else REAL_URLS_PATH)
    max_bytes = stored.model.config.max_input_length - 1
    lines = [line for line in read_text_lines(source) if line]
    usable = [line for line in lines if len(line.encode("utf-8")) <= max_bytes][: arguments.limit]
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        inputs = scratch / "inputs.txt"
        inputs.write_text("\n".join(usable) + "\n", encoding="utf-8")
        trees = {"baseline": baseline_tree(arguments.baseline, scratch / "baseline"), "current": ROOT}
        best: dict[str, dict] = {}
        for repeat in range(arguments.repeats):
            for name, root in trees.items():
                result = measure(root, str(Path(arguments.model).resolve()), inputs, scratch)
                grouped = f", in groups {result['in_groups_seconds']:.2f} s" if "in_groups_seconds" in result else ""
                print(f"run {repeat + 1} {name}: in-graph {result['in_graph_seconds']:.2f} s{grouped}, predict's decoding "
                      f"{result['predict_seconds']:.2f} s, predict command {result['command_seconds']:.2f} s", flush=True)
                kept = best.setdefault(name, result)
                for key in ("in_graph_seconds", "in_groups_seconds", "predict_seconds", "command_seconds"):
                    if key in result:
                        kept[key] = min(kept[key], result[key])
    started = time.perf_counter()
    for line in usable:
        function.output_text(line)
    python_rate = len(usable) / (time.perf_counter() - started)

    count = len(usable)
    same = sum(a == b for a, b in zip(best["baseline"]["outputs"], best["current"]["outputs"]))
    print(f"\n{count} lines of {source.name} (at most {max_bytes} bytes), model {arguments.model}, "
          f"{os.cpu_count()} CPU cores; baseline {arguments.baseline}; best of {arguments.repeats}")
    print(f"{'':36} {'baseline':>13} {'current':>13} {'ratio':>7}")
    for key, label in (("in_graph_seconds", "in-graph decoder (256, file order)"),
                       ("in_groups_seconds", "in-graph decoder in groups"), ("predict_seconds", "predict's decoding"),
                       ("command_seconds", "predict command (start-up)")):
        rates = {name: count / best[name][key] if key in best[name] else None for name in best}
        shown = {name: f"{rate:10.0f} /s" if rate else f"{'-':>13}" for name, rate in rates.items()}
        ratio = f"{rates['current'] / rates['baseline']:6.1f}x" if rates["baseline"] and rates["current"] else ""
        print(f"{label:36} {shown['baseline']} {shown['current']} {ratio}")
    baseline_in_graph = best["baseline"]["in_graph_seconds"]
    for key, label in (("in_groups_seconds", "in-graph decoder in groups"), ("predict_seconds", "predict's decoding")):
        if key in best["current"]:
            print(f"current {label} against the baseline's in-graph decoder: "
                  f"{baseline_in_graph / best['current'][key]:.1f}x")
    fastest = count / min(best["current"][key] for key in ("in_graph_seconds", "in_groups_seconds", "predict_seconds")
                           if key in best["current"])
    print(f"CPython {stored.task}: {python_rate:,.0f} /s ({python_rate / fastest:,.0f}x the fastest learned decoder)")
    print(f"same outputs: {same}/{count} (baseline and current predict)")
    grouped_same = count
    if "in_groups_outputs" in best["current"]:
        grouped_same = sum(a == b for a, b in zip(best["current"]["in_groups_outputs"], best["current"]["outputs"]))
        print(f"same outputs: {grouped_same}/{count} (in groups and predict)")
    return 0 if same == count and grouped_same == count else 1


if __name__ == "__main__":
    sys.exit(main())
