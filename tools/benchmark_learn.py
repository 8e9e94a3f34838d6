"""Ports standard-library functions with ``python -m helpers learn`` and measures each on fresh inputs.

    python tools/benchmark_learn.py --out DIR [--minutes 10] [--only html:escape ...] [--count 2000]
    python tools/benchmark_learn.py --out DIR --ship models/ported   # copy the finished models out

For each function: the ``learn`` command itself (a subprocess, its output in DIR/NAME/learn.log),
then exact match on ``--count`` fresh inputs drawn from the generator with another seed (inputs
that the training file holds are skipped for the one ported from a file). Prints one table row per
function and writes DIR/results.json.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATORS = "tools/port_inputs.py"
# (function, generator, how): "generator" draws inputs endlessly; "file" writes FILE_LINES draws to a
# file first and ports from --inputs
FUNCTIONS = [
    ("html:escape", "html_text", "generator"),  # escaping
    ("string:capwords", "capwords_text", "generator"),  # string rewriting
    ("posixpath:normpath", "messy_path", "generator"),  # path handling
    ("shlex:split", "shell_line", "generator"),  # splitting, with ValueError as an output
    ("email.utils:parseaddr", "address_header", "file"),  # splitting, from a file of inputs
    ("urllib.parse:parse_qsl", "query_string", "generator"),  # splitting and unescaping
]
FILE_LINES = 20_000
FILE_SEED = 5
FRESH_SEED = 20_261_202


def fresh_inputs(generate, count: int, exclude: set[str]) -> list[str]:
    rng = random.Random(FRESH_SEED)
    inputs = []
    while len(inputs) < count:
        text = generate(rng)
        if text not in exclude:
            inputs.append(text)
    return inputs


NOISE = ("I0000", "W0000", "E0000", "WARNING: All log messages")  # TensorFlow's C++ log lines


def ship(out: Path, destination: Path, results: dict) -> None:
    """Copies each finished run's model to DESTINATION/NAME with a COMMAND.txt: the learn command,
    everything it printed (TensorFlow's C++ log lines left out) and the fresh-input measurement."""
    import shutil

    for spec, row in results.items():
        name = spec.replace(":", "_").replace(".", "_")
        run_dir = out / spec.replace(":", "_")
        target = destination / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(run_dir / "run" / "model", target)
        log = [line for line in (run_dir / "learn.log").read_text().splitlines() if not line.startswith(NOISE)]
        metrics = json.loads((target / "metrics.json").read_text())
        generator = dict((function, name) for function, name, _ in FUNCTIONS)[spec]
        source = (f"--inputs inputs.txt (20,000 lines drawn from tools/port_inputs.py:{generator}, seed {FILE_SEED})"
                  if row["inputs"] == "file" else f"--generator tools/port_inputs.py:{generator}")
        (target / "COMMAND.txt").write_text("\n".join([
            f"# {spec}, ported by tools/benchmark_learn.py on {metrics['date']} ({metrics['hardware']}):",
            f"python -m helpers learn {spec} {source} --out RUN --minutes {metrics['training_config']['max_minutes']:g}",
            "", "# what it printed", *log, "",
            f"# exact match on {row['fresh']} fresh inputs (generator seed {FRESH_SEED}; "
            + ("none of the training file's lines" if row["inputs"] == "file" else "drawn afresh, not excluded from training")
            + "): "
            f"{row['fresh_exact_match']:.2%}; inputs on which the function raises: {row['fresh_raising']}, "
            f"answered right {row['fresh_raising_right']}",
            *[f"#   wrong: {text!r} expected {expected} got {got}" for text, expected, got in row["wrong_examples"]],
        ]) + "\n")
        print(f"shipped {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--count", type=int, default=2000, help="fresh inputs per function")
    parser.add_argument("--only", nargs="*", help="function names (MODULE:FUNCTION) to run")
    parser.add_argument("--ship", help="copy the finished models, each with a COMMAND.txt, into this folder")
    arguments = parser.parse_args()
    if arguments.ship:
        ship(Path(arguments.out), Path(arguments.ship), json.loads((Path(arguments.out) / "results.json").read_text()))
        return 0

    from helpers.decoders import GreedyDecoder
    from helpers.functions import predicted_error
    from helpers.porting import import_callable, ported_function
    from helpers.storage import load_model

    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    for spec, generator_name, how in FUNCTIONS:
        if arguments.only and spec not in arguments.only:
            continue
        run_dir = out / spec.replace(":", "_")
        run_dir.mkdir(parents=True, exist_ok=True)
        generate = import_callable(f"{GENERATORS}:{generator_name}")
        command = [sys.executable, "-m", "helpers", "learn", spec, "--out", str(run_dir / "run"),
                   "--minutes", str(arguments.minutes)]
        exclude: set[str] = set()
        if how == "file":
            rng = random.Random(FILE_SEED)
            lines = [generate(rng) for _ in range(FILE_LINES)]
            (run_dir / "inputs.txt").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            exclude = set(lines)
            command += ["--inputs", str(run_dir / "inputs.txt")]
        else:
            command += ["--generator", f"{GENERATORS}:{generator_name}"]
        print("$", " ".join(command[1:]), flush=True)
        started = time.monotonic()
        with open(run_dir / "learn.log", "w") as log:
            status = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode
        wall = (time.monotonic() - started) / 60
        if status:
            print(f"{spec}: learn exited {status}; see {run_dir / 'learn.log'}")
            continue
        stored = load_model(run_dir / "run" / "model")
        function = ported_function(spec)
        inputs = fresh_inputs(generate, arguments.count, exclude)
        targets = [function.output_text(text) for text in inputs]
        decoded = GreedyDecoder(stored.model)(inputs)
        right = [got == expected for got, expected in zip(decoded.texts, targets)]
        raised = [predicted_error(json.loads(target)) is not None for target in targets]
        metrics = json.loads((run_dir / "run" / "model" / "metrics.json").read_text())
        wrong = [(text, expected, got) for text, expected, got, ok in zip(inputs, targets, decoded.texts, right) if not ok]
        results[spec] = {
            "inputs": how, "fresh": len(inputs), "fresh_exact_match": sum(right) / len(inputs),
            "fresh_raising": sum(raised), "fresh_raising_right": sum(r for r, e in zip(right, raised) if e),
            "validation_exact_match": metrics["validation_exact_match"], "training_minutes": metrics["training_minutes"],
            "steps": metrics["steps"], "wall_minutes": round(wall, 1),
            "model": {key: metrics["model_config"][key] for key in ("units", "copy_mechanism", "max_input_length", "max_output_length")},
            "batch_size": metrics["training_config"]["batch_size"], "wrong_examples": wrong[:5],
        }
        results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        row = results[spec]
        print(f"{spec}: fresh exact match {row['fresh_exact_match']:.2%} of {len(inputs)} "
              f"(raising inputs {row['fresh_raising_right']}/{row['fresh_raising']} right), validation "
              f"{row['validation_exact_match']:.2%}, {row['training_minutes']} min, {row['steps']} steps, wall {wall:.1f} min",
              flush=True)
        for text, expected, got in wrong[:3]:
            print(f"    {text!r}: expected {expected} got {got}")
    print("\n| function | inputs | fresh exact match | raising inputs right | validation | minutes | steps |")
    print("|---|---|---|---|---|---|---|")
    for spec, row in results.items():
        print(f"| `{spec}` | {row['inputs']} | {row['fresh_exact_match']:.2%} of {row['fresh']} | "
              f"{row['fresh_raising_right']}/{row['fresh_raising']} | {row['validation_exact_match']:.2%} | "
              f"{row['training_minutes']} | {row['steps']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
