"""Command line: ``python -m helpers {predict,evaluate,train} ...``.

    python -m helpers predict  --model DIR FILE     one JSON object per input line, in order
    python -m helpers evaluate --model DIR FILE     exact match against the real function
    python -m helpers train --recipe NAME --out DIR train (or resume) a model with a named recipe
    python -m helpers learn MODULE:FUNCTION (--inputs FILE | --generator MODULE:GENERATOR) --out DIR
                                                    port any function of one string (helpers.porting)
    python -m helpers export --model DIR --out OUT  OUT/saved_model (in-graph decoder) and OUT/tfjs
    python -m helpers make-sample-data              rebuild data/cc-index-sample.parquet from data/real_urls.txt
    python -m helpers commoncrawl-sample --crawl CC-MAIN-YYYY-WW --rows N --out FILE.parquet

FILE is split on "\\n" only (lines are not stripped; "-" reads standard input). Bad arguments print
one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

USAGE_ERROR = 2


class UsageError(Exception):
    """Bad arguments or unusable files: reported on one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message over several lines; we want one
        raise UsageError(f"{self.prog}: {message}")


def read_lines(path: str) -> list[bytes]:
    """The lines of FILE as bytes, split on b"\\n" only. A final "\\n" does not start another line."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from error
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _load(model_dir: str):
    from helpers.storage import load_model

    try:
        return load_model(model_dir)
    except ValueError as error:
        raise UsageError(str(error)) from error


def command_predict(arguments) -> int:
    _quiet_tensorflow()
    from helpers.prediction import predict_records

    lines = read_lines(arguments.file)
    stored = _load(arguments.model)
    out = sys.stdout
    for record in predict_records(stored, lines):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def command_evaluate(arguments) -> int:
    _quiet_tensorflow()
    from helpers.functions import get_function
    from helpers.evaluation import evaluate_records
    from helpers.prediction import predict_records

    lines = read_lines(arguments.file)
    stored = _load(arguments.model)
    try:
        function = get_function(stored.task)  # a ported function is imported here: it may be gone
    except ValueError as error:
        raise UsageError(f"cannot evaluate {arguments.model}: {error}") from error
    records = list(predict_records(stored, lines))
    report = evaluate_records(function, records)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def command_train(arguments) -> int:
    _quiet_tensorflow()
    from dataclasses import replace

    from helpers.functions import REGISTRY
    from helpers.model import Seq2SeqConfig
    from helpers.recipes import RECIPES, recipe
    from helpers.training import TrainingConfig, resume, train
    from helpers.training_config import parse_settings

    if arguments.resume:
        if arguments.out is not None:
            raise UsageError("train --resume RUN goes on in RUN: leave out --out")
        try:
            training_config, _ = read_run_settings_or_usage_error(arguments.resume)
            epochs = None if arguments.steps is None else -(-arguments.steps // training_config.steps_per_epoch)
            result = resume(arguments.resume, epochs=epochs, verbose=2)
        except ValueError as error:
            raise UsageError(str(error)) from error
        print(json.dumps({key: value for key, value in result.metrics.items() if not key.endswith("_config")}, indent=2))
        return 0
    if arguments.out is None:
        raise UsageError("train needs --out RUN (a new run's folder), or --resume RUN")
    if arguments.recipe:
        if arguments.recipe not in RECIPES:
            raise UsageError(f"unknown recipe {arguments.recipe!r}; known: {', '.join(sorted(RECIPES))}")
        model_config, training_config = recipe(arguments.recipe)
        if arguments.minutes is not None:
            training_config = replace(training_config, max_minutes=arguments.minutes)
        if arguments.steps is not None:
            training_config = replace(training_config, epochs=-(-arguments.steps // training_config.steps_per_epoch))
        try:
            training_config = replace(training_config, **parse_settings(arguments.set, training_config))
        except ValueError as error:
            raise UsageError(str(error)) from error
    else:
        if arguments.task not in REGISTRY:
            raise UsageError(f"unknown task {arguments.task!r}; registered: {', '.join(sorted(REGISTRY))}")
        function = REGISTRY[arguments.task]
        model_config = Seq2SeqConfig(
            units=arguments.units, embedding_dim=arguments.embedding_dim,
            max_input_length=function.max_input_bytes + 1, max_output_length=arguments.max_output_length,
        )
        training_config = TrainingConfig(
            task=arguments.task, batch_size=arguments.batch_size, steps_per_epoch=arguments.steps_per_epoch,
            epochs=arguments.epochs, max_minutes=arguments.minutes, learning_rate=arguments.learning_rate,
            learning_rate_decay_epochs=arguments.decay_epochs, target_exact_match=arguments.target,
            validation_size=arguments.validation_size, seed=arguments.seed,
        )
    try:
        result = train(training_config, model_config, arguments.out, verbose=2, fresh=arguments.fresh)
    except ValueError as error:  # a damaged resume state, a setting out of range: one line
        raise UsageError(str(error)) from error
    print(json.dumps({key: value for key, value in result.metrics.items() if not key.endswith("_config")}, indent=2))
    return 0


def read_run_settings_or_usage_error(directory: str):
    from helpers.run_state import read_run_settings

    try:
        return read_run_settings(directory)
    except ValueError as error:
        raise UsageError(str(error)) from error


def command_learn(arguments) -> int:
    _quiet_tensorflow()
    from helpers.porting import PortConfig, learn, plan

    config = PortConfig(function=arguments.function, inputs=arguments.inputs, generator=arguments.generator,
                        minutes=arguments.minutes if arguments.minutes is not None else 10.0, steps=arguments.steps,
                        seed=arguments.seed)
    try:
        port = plan(config)  # every check on the function and its inputs, before training starts
    except ValueError as error:
        raise UsageError(str(error)) from error
    try:
        metrics = learn(config, arguments.out, verbose=2, port=port, fresh=arguments.fresh)
    except ValueError as error:  # a damaged resume state: one line
        raise UsageError(str(error)) from error
    print(f"validation exact match {metrics['validation_exact_match']:.4f} on {metrics['validation_size']} held-out "
          f"inputs after {metrics['training_minutes']} minutes ({metrics['steps']} steps)")
    print(f"model: {Path(arguments.out) / 'model'} (python -m helpers predict / evaluate / export --model ...)")
    return 0


def command_make_sample_data(arguments) -> int:
    from helpers.data import read_sample, write_sample

    try:
        path = write_sample(arguments.out, urls=arguments.urls)
    except ValueError as error:
        raise UsageError(str(error)) from error
    print(f"wrote {len(read_sample(path, columns=['url'])):,} real URLs to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def command_commoncrawl_sample(arguments) -> int:
    from helpers.commoncrawl import CommonCrawlError, SamplerConfig, write_commoncrawl_sample

    try:
        config = SamplerConfig(
            crawl=arguments.crawl, rows=arguments.rows, parts=arguments.parts, seed=arguments.seed,
            base_url=arguments.base_url, requests_per_second=arguments.requests_per_second,
            row_groups_per_part=arguments.row_groups_per_part,
        )
        write_commoncrawl_sample(config, arguments.out, log=lambda line: print(line, file=sys.stderr))
    except (ValueError, CommonCrawlError) as error:
        raise UsageError(str(error)) from error
    return 0


def command_export(arguments) -> int:
    if not Path(arguments.model).is_dir():
        raise UsageError(f"model directory {arguments.model} does not exist")
    _quiet_tensorflow()
    from helpers.export import export

    try:
        written = export(arguments.model, arguments.out, tfjs=not arguments.no_tfjs)
    except ValueError as error:
        raise UsageError(str(error)) from error
    print(json.dumps({name: str(path) for name, path in written.items()}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m helpers", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    predict = commands.add_parser("predict", help="decode each line of FILE with a trained model")
    predict.add_argument("--model", required=True, help="a trained model directory")
    predict.add_argument("file", help='inputs, one per line ("-" for standard input)')
    predict.set_defaults(run=command_predict)

    evaluate = commands.add_parser("evaluate", help="exact match of a model against the real function")
    evaluate.add_argument("--model", required=True, help="a trained model directory")
    evaluate.add_argument("file", help='inputs, one per line ("-" for standard input)')
    evaluate.set_defaults(run=command_evaluate)

    train = commands.add_parser("train", help="train a model of a registered function (resumes if OUT exists)")
    what = train.add_mutually_exclusive_group(required=True)
    what.add_argument("--recipe", help="a named recipe from helpers.recipes (model and training settings)")
    what.add_argument("--task", help="registered function name, e.g. protocol, urlparse, hex (settings from flags)")
    what.add_argument("--resume", metavar="RUN", help="go on with the run in RUN with its own settings (RUN/run.json), "
                                                       "exactly as if it had not stopped")
    train.add_argument("--out", help="the run's folder (run.json, state/, model/, logs/, history.json); a folder "
                                     "that holds a run of the same settings goes on from its last epoch")
    train.add_argument("--steps", type=int, default=None,
                       help="the budget in training steps (rounded up to whole epochs); with --resume, a new budget")
    train.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                       help="with --recipe: change TrainingConfig fields of the recipe, e.g. learning_rate_decay_epochs=65")
    train.add_argument("--minutes", type=float, default=None, help="training time budget")
    train.add_argument("--epochs", type=int, default=100)
    train.add_argument("--steps-per-epoch", type=int, default=100)
    train.add_argument("--batch-size", type=int, default=128)
    train.add_argument("--learning-rate", type=float, default=3e-3)
    train.add_argument("--decay-epochs", type=int, default=None, help="cosine learning-rate decay over this many epochs")
    train.add_argument("--target", type=float, default=None, help="stop once validation exact match reaches this")
    train.add_argument("--units", type=int, default=128)
    train.add_argument("--embedding-dim", type=int, default=64)
    train.add_argument("--max-output-length", type=int, default=400)
    train.add_argument("--validation-size", type=int, default=1000)
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--fresh", action="store_true", help="start afresh: delete OUT's resume state instead of resuming")
    train.set_defaults(run=command_train)

    learn = commands.add_parser("learn", help="port any function of one string: size, train and save a model")
    learn.add_argument("function", help="MODULE:FUNCTION or path/to/file.py:FUNCTION, a callable taking one str")
    source = learn.add_mutually_exclusive_group(required=True)
    source.add_argument("--inputs", help='example inputs, one per line (split on "\\n" only)')
    source.add_argument("--generator", help="MODULE:GENERATOR, a callable random.Random -> one input str")
    learn.add_argument("--out", required=True, help="run directory; the model goes to OUT/model (resumes if OUT exists)")
    budget = learn.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, default=None, help="training time budget (default 10)")
    budget.add_argument("--steps", type=int, default=None,
                        help="a budget in training steps instead: the same model on any machine")
    learn.add_argument("--seed", type=int, default=1)
    learn.add_argument("--fresh", action="store_true", help="start afresh: delete OUT's resume state instead of resuming")
    learn.set_defaults(run=command_learn)

    export = commands.add_parser("export", help="SavedModel with the greedy loop in the graph, and TensorFlow.js")
    export.add_argument("--model", required=True, help="a trained model directory")
    export.add_argument("--out", required=True, help="writes OUT/saved_model and OUT/tfjs")
    export.add_argument("--no-tfjs", action="store_true", help="write the SavedModel only (no converter needed)")
    export.set_defaults(run=command_export)

    from helpers.data import REAL_URLS_PATH, SAMPLE_PATH

    sample_data = commands.add_parser("make-sample-data", help="rebuild the embedded sample from data/real_urls.txt")
    sample_data.add_argument("--out", default=str(SAMPLE_PATH), help="parquet file to write")
    sample_data.add_argument("--urls", default=str(REAL_URLS_PATH), help="the URL list, one per line")
    sample_data.set_defaults(run=command_make_sample_data)

    from helpers.commoncrawl import BASE_URL

    commoncrawl = commands.add_parser("commoncrawl-sample", help="sample Common Crawl's URL index over HTTPS")
    commoncrawl.add_argument("--crawl", required=True, help="crawl id, e.g. CC-MAIN-2024-33")
    commoncrawl.add_argument("--rows", type=int, required=True, help="rows in the sample")
    commoncrawl.add_argument("--out", required=True, help="parquet file to write")
    commoncrawl.add_argument("--parts", type=int, default=4, help="random index parts to draw from")
    commoncrawl.add_argument("--row-groups-per-part", type=int, default=1)
    commoncrawl.add_argument("--seed", type=int, default=0)
    commoncrawl.add_argument("--requests-per-second", type=float, default=2.0)
    commoncrawl.add_argument("--base-url", default=BASE_URL, help="HTTPS mirror of the commoncrawl bucket")
    commoncrawl.set_defaults(run=command_commoncrawl_sample)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        arguments = build_parser().parse_args(argv)
        return arguments.run(arguments)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        return 0
