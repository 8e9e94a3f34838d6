"""Command line: ``porting`` (installed with the package) or ``python -m helpers``.

    porting predict  --model DIR FILE [--engine E]    one JSON object per input line, in order
    porting evaluate --model DIR FILE [--min-exact X] [--engine E]   exact match against the real function
    porting train (--recipe NAME | --task NAME | --resume RUN) [--out RUN] [--steps N] ...
    porting learn MODULE:FUNCTION (--inputs FILE | --generator MODULE:GENERATOR) --out RUN
    porting export --model DIR --out OUT  OUT/saved_model (in-graph decoder) and OUT/tfjs
    porting make-sample-data              rebuild data/cc-index-sample.parquet from data/real_urls.txt
    porting commoncrawl-sample --crawl CC-MAIN-YYYY-WW --rows N --out FILE.parquet

FILE is split on "\\n" only (lines are not stripped); "-" reads standard input wherever a file is
read. Exit status: 0 done; 1 a failure while running (a network or disk error, exact match below
--min-exact); 2 a usage error or bad input (arguments, files, model folders); 130 interrupted
(Ctrl-C). Every error is one line on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from helpers.run_log import command_text, printed_to

RUNTIME_FAILURE = 1
USAGE_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a command stopped by Ctrl-C
TASK_STEPS = 10_000  # train --task: the step budget when --epochs, --steps and --minutes are not given
TASK_SIZING_SAMPLE = 1000  # train --task: examples drawn to find the longest output, for the sizing rule
STDIN = "-"
STDIN_INPUTS_FILE = "inputs-from-stdin.txt"  # learn --inputs -: the run keeps what it read, so it can resume
ENGINES = ("numpy", "tensorflow")  # predict and evaluate --engine: helpers.numpy_decoding or helpers.decoders

# train flags that a recipe sets itself: with --recipe each is a usage error that names it.
# (argparse destination, TrainingConfig or Seq2SeqConfig field)
RECIPE_TRAINING_FLAGS = {
    "epochs": "epochs", "steps_per_epoch": "steps_per_epoch", "batch_size": "batch_size",
    "learning_rate": "learning_rate", "decay_epochs": "learning_rate_decay_epochs", "target": "target_exact_match",
    "validation_size": "validation_size",
}
RECIPE_MODEL_FLAGS = {"units": "units", "embedding_dim": "embedding_dim", "max_output_length": "max_output_length"}


class UsageError(Exception):
    """Bad arguments or unusable input: reported on one line, exit status 2."""


class RuntimeFailure(Exception):
    """A failure while running (network, disk, a result below what was asked): one line, exit status 1."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message over several lines; we want one
        raise UsageError(f"{self.prog}: {message}")


def flag(destination: str) -> str:
    return "--" + destination.replace("_", "-")


def positive_integer(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1")
    return value


def read_lines(path: str) -> list[bytes]:
    """The lines of FILE (``helpers.lines``: split on "\\n" only, "-" for standard input); a file that
    cannot be read is a usage error."""
    from helpers.lines import read_lines as read

    try:
        return read(path)
    except ValueError as error:
        raise UsageError(str(error)) from error


def copy_of_standard_input(destination: Path) -> str:
    """Standard input written to ``destination``, for the library functions that read a file by name."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(sys.stdin.buffer.read())
    return str(destination)


def start_tensorflow() -> None:
    """Imports TensorFlow with its native start-up lines (CUDA probes, the oneDNN note) kept off
    standard error, so that an error stays one line; TF_CPP_MIN_LOG_LEVEL below 2 shows them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from helpers.environment import native_start_up_lines_filtered

    with native_start_up_lines_filtered():
        import tensorflow  # noqa: F401


def _load_for_decoding(model_dir: str):
    """The stored model, in a process set up to decode and nothing else (predict, evaluate)."""
    start_tensorflow()
    from helpers.decoders import use_threads_for_decoding
    from helpers.storage import load_model

    use_threads_for_decoding()

    try:
        return load_model(model_dir)
    except ValueError as error:
        raise UsageError(str(error)) from error


@contextlib.contextmanager
def decoding(arguments):
    """(task, max_input_length, submit) of --model for predict and evaluate (helpers.prediction's
    predict_records): NumPy's decoder (helpers.numpy_decoding, no TensorFlow) unless --engine tensorflow,
    or unless the model is one it does not decode, which TensorFlow then decodes, with a note on
    standard error. NumPy's worker processes stop at the end."""
    if arguments.engine == "numpy":
        from helpers.numpy_decoding import DecodingFailed, NotDecodable, load_numpy_decoder

        try:
            task, decoder = load_numpy_decoder(arguments.model)
        except NotDecodable as error:
            print(f"note: {error}; decoding with TensorFlow", file=sys.stderr)
        except ValueError as error:
            raise UsageError(str(error)) from error
        else:
            with decoder:
                try:
                    yield task, decoder.config.max_input_length, decoder.submit
                except DecodingFailed as error:
                    raise RuntimeFailure(str(error)) from error
            return
    from helpers.prediction import greedy_decoding

    stored = _load_for_decoding(arguments.model)
    yield stored.task, stored.model.config.max_input_length, greedy_decoding(stored.model)


def _print_metrics(metrics: dict) -> None:
    print(json.dumps({key: value for key, value in metrics.items() if not key.endswith("_config")}, indent=2))


def one_blas_thread(arguments) -> None:
    """For the NumPy engine, before anything imports numpy: OpenBLAS and MKL read their thread counts
    when numpy is first imported (later changes do nothing), and forked workers keep them. One thread
    each, since the decoder already runs one process per core; more threads per process would spin
    against each other on the same cores."""
    if arguments.engine == "numpy":
        for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")


def command_predict(arguments) -> int:
    one_blas_thread(arguments)  # first: the imports below import numpy
    from helpers.prediction import predict_records

    with decoding(arguments) as model:  # the model first: a missing model is reported before stdin is read
        lines = read_lines(arguments.file)
        out = sys.stdout
        for record in predict_records(*model, lines):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def command_evaluate(arguments) -> int:
    one_blas_thread(arguments)  # first: the imports below import numpy
    from helpers.evaluation import evaluate_records
    from helpers.functions import get_function
    from helpers.prediction import predict_records

    with decoding(arguments) as model:
        task = model[0]
        lines = read_lines(arguments.file)
        try:
            function = get_function(task)  # a ported function is imported here: it may be gone
        except ValueError as error:
            raise UsageError(f"cannot evaluate {arguments.model}: {error}") from error
        report = evaluate_records(function, list(predict_records(*model, lines)))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if arguments.record is not None and report["compared"]:
        from helpers.records import record

        command = ["python", "-m", "helpers", "evaluate", "--model", arguments.model, arguments.file, "--record", arguments.record]
        record(arguments.model, "exact match", arguments.record, report["compared"] - report["wrong"], report["compared"],
               command=command)
    if arguments.min_exact is not None:
        if report["exact_match"] is None:
            raise RuntimeFailure(f"no line of {arguments.file} could be compared, so exact match is not at least "
                                 f"--min-exact {arguments.min_exact}")
        if report["exact_match"] < arguments.min_exact:
            raise RuntimeFailure(f"exact match {report['exact_match']:.4f} ({report['compared'] - report['wrong']} of "
                                 f"{report['compared']}) is below --min-exact {arguments.min_exact}")
    return 0


def given_flags(arguments, destinations) -> list[str]:
    return [flag(destination) for destination in destinations if getattr(arguments, destination) is not None]


def epochs_for_steps(steps: int, steps_per_epoch: int) -> int:
    return -(-steps // steps_per_epoch)  # rounded up to whole epochs


def training_settings(arguments):
    """(TrainingConfig, Seq2SeqConfig) of a new run: a recipe's, or the sizing rule's with the flags over it."""
    from dataclasses import replace

    from helpers.functions import REGISTRY
    from helpers.recipes import RECIPES, recipe
    from helpers.training_config import parse_settings

    if arguments.recipe is not None:
        if arguments.recipe not in RECIPES:
            raise UsageError(f"unknown recipe {arguments.recipe!r}; known: {', '.join(sorted(RECIPES))}")
        model_config, training_config = recipe(arguments.recipe)
    else:
        if arguments.task not in REGISTRY:
            raise UsageError(f"unknown task {arguments.task!r}; registered: {', '.join(sorted(REGISTRY))}")
        model_config, training_config = task_settings(arguments, REGISTRY[arguments.task])
    try:
        model_config = replace(model_config, **parse_settings(arguments.model_set or [], model_config))
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from error
    if arguments.seed is not None:
        training_config = replace(training_config, seed=arguments.seed)
    if arguments.minutes is not None:
        training_config = replace(training_config, max_minutes=arguments.minutes)
    try:
        training_config = replace(training_config, **parse_settings(arguments.set or [], training_config))
    except ValueError as error:
        raise UsageError(str(error)) from error
    if arguments.steps is not None:
        training_config = replace(training_config, epochs=epochs_for_steps(arguments.steps, training_config.steps_per_epoch))
    return training_config, model_config


def task_settings(arguments, function):
    """(Seq2SeqConfig, TrainingConfig) of ``train --task``: the one sizing rule (``helpers.sizing``) for the
    function's inputs and outputs, the budget (--steps, else --minutes, else TASK_STEPS), then the flags given."""
    import random
    from dataclasses import replace

    from helpers.sizing import sized_recipe

    _, targets = function.examples(random.Random(arguments.seed or 1), TASK_SIZING_SAMPLE)
    longest_output = max(len(target.encode("utf-8")) for target in targets)
    by_time = arguments.minutes is not None and arguments.steps is None and arguments.epochs is None
    model_config, training_config = sized_recipe(
        function.name, function.max_input_bytes, longest_output, minutes=arguments.minutes if by_time else None,
        steps=None if by_time else (arguments.steps or TASK_STEPS))
    model_config = replace(model_config, **{field: getattr(arguments, destination)
                                            for destination, field in RECIPE_MODEL_FLAGS.items()
                                            if getattr(arguments, destination) is not None})
    chosen = {field: getattr(arguments, destination) for destination, field in RECIPE_TRAINING_FLAGS.items()
              if getattr(arguments, destination) is not None}
    if not by_time and "steps_per_epoch" in chosen and "epochs" not in chosen:  # the same budget in other epochs
        chosen["epochs"] = epochs_for_steps(arguments.steps or TASK_STEPS, chosen["steps_per_epoch"])
    if not by_time and "epochs" in chosen and "learning_rate_decay_epochs" not in chosen:
        chosen["learning_rate_decay_epochs"] = chosen["epochs"]  # the cosine over the budget, as the rule sets it
    return model_config, replace(training_config, **chosen)


def check_flags(arguments) -> None:
    """Usage errors of train that need no import: flags a recipe sets, flags --resume would ignore."""
    if arguments.recipe is not None:
        overridden = given_flags(arguments, [*RECIPE_TRAINING_FLAGS, *RECIPE_MODEL_FLAGS])
        if overridden:
            raise UsageError(f"the recipe {arguments.recipe!r} sets {', '.join(overridden)} itself: leave "
                             f"{'it' if len(overridden) == 1 else 'them'} out (--set NAME=VALUE changes a training "
                             f"setting of the recipe; --task NAME takes every setting from flags)")
    if arguments.resume is not None:
        ignored = given_flags(arguments, ["out", "minutes", "seed", "set", "model_set", *RECIPE_TRAINING_FLAGS, *RECIPE_MODEL_FLAGS])
        ignored += ["--fresh"] if arguments.fresh else []
        if ignored:
            raise UsageError(f"train --resume RUN goes on with RUN's own settings: leave out {', '.join(ignored)} "
                             f"(--steps N gives it a new budget)")
    elif arguments.out is None:
        raise UsageError("train needs --out RUN (a new run's folder), or --resume RUN")
    if arguments.task is not None and arguments.epochs is not None and arguments.steps is not None:
        raise UsageError("give --epochs or --steps, not both")


def command_train(arguments) -> int:
    """Trains, or goes on with, the run in RUN; all it prints also goes to RUN/printed.txt (helpers.run_log)."""
    check_flags(arguments)
    start_tensorflow()
    from helpers.run_state import read_run_settings
    from helpers.training import resume, train

    run_directory = arguments.resume if arguments.resume is not None else arguments.out
    resume_command = command_text(arguments.prog, ["train", "--resume", run_directory])
    if arguments.resume is not None:
        try:
            training_config, _ = read_run_settings(arguments.resume)  # not a run folder: one line, nothing written
            epochs = None if arguments.steps is None else epochs_for_steps(arguments.steps, training_config.steps_per_epoch)
            with printed_to(run_directory, arguments.command_line, resume_command):
                result = resume(arguments.resume, epochs=epochs, verbose=2)
                _print_metrics(result.metrics)
        except ValueError as error:  # a damaged state: one line
            raise UsageError(str(error)) from error
        return 0
    training_config, model_config = training_settings(arguments)
    try:
        with printed_to(run_directory, arguments.command_line, resume_command):
            result = train(training_config, model_config, arguments.out, verbose=2, fresh=arguments.fresh)
            _print_metrics(result.metrics)
    except ValueError as error:  # a damaged resume state, a setting out of range: one line
        raise UsageError(str(error)) from error
    return 0


def command_learn(arguments) -> int:
    """Learns a function in OUT (or goes on there); all it prints also goes to OUT/printed.txt."""
    start_tensorflow()
    from helpers.porting import PortConfig, learn, plan

    inputs = arguments.inputs
    if inputs == STDIN:
        inputs = copy_of_standard_input(Path(arguments.out) / STDIN_INPUTS_FILE)
    chosen = {name: getattr(arguments, name) for name in ("minutes", "steps", "seed") if getattr(arguments, name) is not None}
    config = PortConfig(function=arguments.function, inputs=inputs, generator=arguments.generator, **chosen)
    try:
        port = plan(config)  # every check on the function and its inputs, before training starts
        with printed_to(arguments.out, arguments.command_line, arguments.command_line):  # learn OUT resumes
            metrics = learn(config, arguments.out, verbose=2, port=port, fresh=arguments.fresh)
            print(f"validation exact match {metrics['validation_exact_match']:.4f} on {metrics['validation_size']} "
                  f"held-out inputs after {metrics['training_minutes']} minutes ({metrics['steps']} steps)")
            print(f"model: {Path(arguments.out) / 'model'} (porting predict / evaluate / export --model ...)")
    except ValueError as error:  # a bad function or input file, a damaged resume state: one line
        raise UsageError(str(error)) from error
    return 0


def command_make_sample_data(arguments) -> int:
    from helpers.data import read_sample, write_sample

    chosen = {"path": arguments.out} if arguments.out is not None else {}
    try:
        if arguments.urls == STDIN:
            with tempfile.TemporaryDirectory() as folder:
                path = write_sample(**chosen, urls=copy_of_standard_input(Path(folder) / "urls.txt"))
        else:
            path = write_sample(**chosen, urls=arguments.urls)
    except ValueError as error:
        raise UsageError(str(error)) from error
    print(f"wrote {len(read_sample(path, columns=['url'])):,} real URLs to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def command_commoncrawl_sample(arguments) -> int:
    from helpers.commoncrawl import CommonCrawlError, SamplerConfig, write_commoncrawl_sample

    chosen = {name: getattr(arguments, name) for name in
              ("parts", "row_groups_per_part", "seed", "requests_per_second", "base_url")
              if getattr(arguments, name) is not None}
    try:
        config = SamplerConfig(crawl=arguments.crawl, rows=arguments.rows, **chosen)
        write_commoncrawl_sample(config, arguments.out, log=lambda line: print(line, file=sys.stderr))
    except (ValueError, CommonCrawlError) as error:
        # CommonCrawlError mixes a wrong crawl name or base URL (a 403 or 404: bad input, status 2) with network
        # failures (status 1 would suit them); it keeps status 2 until the sampler tells the two apart.
        raise UsageError(str(error)) from error
    return 0


def command_export(arguments) -> int:
    if not Path(arguments.model).is_dir():
        raise UsageError(f"model directory {arguments.model} does not exist")
    start_tensorflow()
    from helpers.export import export

    try:
        written = export(arguments.model, arguments.out, tfjs=not arguments.no_tfjs)
    except ValueError as error:
        raise UsageError(str(error)) from error
    print(json.dumps({name: str(path) for name, path in written.items()}, indent=2))
    return 0


def add_train_parser(commands) -> None:
    train = commands.add_parser(
        "train", help="train a model of a registered function (resumes if OUT holds the same run)",
        description="With --task, the settings not given come from the sizing rule (helpers/sizing.py) for the "
                    f"function's inputs and outputs, and a budget of {TASK_STEPS:,} steps unless --steps, --epochs "
                    "or --minutes says otherwise. With --recipe, the recipe sets them: giving one of its flags is an "
                    "error; --set and --model-set change its settings by name.")
    what = train.add_mutually_exclusive_group(required=True)
    what.add_argument("--recipe", help="a named recipe from helpers.recipes (model and training settings)")
    what.add_argument("--task", help="registered function name, e.g. protocol, urlparse, hex (settings from flags)")
    what.add_argument("--resume", metavar="RUN", help="go on with the run in RUN with its own settings (RUN/run.json), "
                                                       "exactly as if it had not stopped")
    train.add_argument("--out", help="the run's folder (run.json, state/, model/, logs/, history.json); a folder "
                                     "that holds a run of the same settings goes on from its last epoch")
    train.add_argument("--steps", type=positive_integer,
                       help="the budget in training steps (rounded up to whole epochs); with --resume, a new budget")
    train.add_argument("--set", nargs="+", metavar="NAME=VALUE",
                       help="change TrainingConfig fields, e.g. learning_rate_decay_epochs=65")
    train.add_argument("--model-set", nargs="+", metavar="NAME=VALUE",
                       help="change Seq2SeqConfig fields, e.g. encoder_layers=2")
    train.add_argument("--minutes", type=float, help="training time budget in minutes (the run stops at the end "
                                                     "of the epoch that passes it)")
    train.add_argument("--epochs", type=positive_integer, help=f"--task: epochs at most (default: {TASK_STEPS:,} steps' worth)")
    train.add_argument("--steps-per-epoch", type=positive_integer,
                       help="--task: training steps between two validations and checkpoints")
    train.add_argument("--batch-size", type=positive_integer, help="--task: examples per training step")
    train.add_argument("--learning-rate", type=float, help="--task: Adam's learning rate at the start")
    train.add_argument("--decay-epochs", type=positive_integer,
                       help="--task: cosine learning-rate decay over this many epochs (default: a constant rate)")
    train.add_argument("--target", type=share, help="--task: stop once validation exact match reaches this (0..1)")
    train.add_argument("--units", type=positive_integer, help="--task: width of the LSTMs")
    train.add_argument("--embedding-dim", type=positive_integer, help="--task: size of each byte's embedding")
    train.add_argument("--max-output-length", type=positive_integer,
                       help="--task: longest output the decoders write, in ids")
    train.add_argument("--validation-size", type=positive_integer,
                       help="--task: held-out generated inputs decoded after every epoch")
    add_seed_and_fresh(train, "seed of the initial weights and of the training stream")
    train.set_defaults(run=command_train)


def add_seed_and_fresh(parser, seed_help: str) -> None:
    """The two options every training command has (train, learn)."""
    parser.add_argument("--seed", type=int, help=seed_help)
    parser.add_argument("--fresh", action="store_true", help="start afresh: delete OUT's resume state instead of resuming")


def add_learn_parser(commands) -> None:
    learn = commands.add_parser("learn", help="port any function of one string: size, train and save a model")
    learn.add_argument("function", help="MODULE:FUNCTION or path/to/file.py:FUNCTION, a callable taking one str")
    source = learn.add_mutually_exclusive_group(required=True)
    source.add_argument("--inputs", help=f'example inputs, one per line (split on "\\n" only; "-" reads standard '
                                         f'input and keeps a copy in OUT/{STDIN_INPUTS_FILE})')
    source.add_argument("--generator", help="MODULE:GENERATOR, a callable random.Random -> one input str")
    learn.add_argument("--out", required=True, help="run directory; the model goes to OUT/model (resumes if OUT exists)")
    budget = learn.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="training time budget (default: helpers.porting.PortConfig's)")
    budget.add_argument("--steps", type=positive_integer,
                        help="a budget in training steps instead: the same model on any machine")
    add_seed_and_fresh(learn, "seed of the split of the inputs, the training stream and validation")
    learn.set_defaults(run=command_learn)


def add_data_parsers(commands) -> None:
    sample_data = commands.add_parser("make-sample-data", help="rebuild the embedded sample from data/real_urls.txt")
    sample_data.add_argument("--out", help="parquet file to write (default: data/cc-index-sample.parquet in a checkout)")
    sample_data.add_argument("--urls", help='the URL list, one per line ("-" for standard input; default: '
                                            'data/real_urls.txt in a checkout)')
    sample_data.set_defaults(run=command_make_sample_data)

    commoncrawl = commands.add_parser("commoncrawl-sample", help="sample Common Crawl's URL index over HTTPS")
    commoncrawl.add_argument("--crawl", required=True, help="crawl id, e.g. CC-MAIN-2024-33")
    commoncrawl.add_argument("--rows", type=positive_integer, required=True, help="rows in the sample")
    commoncrawl.add_argument("--out", required=True, help="parquet file to write")
    defaults = "(default: helpers.commoncrawl.SamplerConfig's)"
    commoncrawl.add_argument("--parts", type=positive_integer, help=f"random index parts to draw from {defaults}")
    commoncrawl.add_argument("--row-groups-per-part", type=positive_integer,
                             help=f"random row groups read from each part {defaults}")
    commoncrawl.add_argument("--seed", type=int, help=f"which parts, row groups and rows are drawn {defaults}")
    commoncrawl.add_argument("--requests-per-second", type=float, help=f"pace of the requests {defaults}")
    commoncrawl.add_argument("--base-url", help=f"HTTPS mirror of the commoncrawl bucket {defaults}")
    commoncrawl.set_defaults(run=command_commoncrawl_sample)


def add_decoding_arguments(parser) -> None:
    """The arguments predict and evaluate share: the model, FILE, the engine that decodes."""
    parser.add_argument("--model", required=True, help="a trained model directory")
    parser.add_argument("file", help='inputs, one per line ("-" for standard input)')
    parser.add_argument("--engine", choices=ENGINES, default="numpy",
                        help="what decodes: numpy (the default, no TensorFlow) or tensorflow (helpers.decoders.GreedyDecoder)")


def build_parser(prog: str = "porting") -> argparse.ArgumentParser:
    """The whole command line. Building it imports nothing heavy, so ``--help`` is instant."""
    from helpers import __version__

    parser = OneLineParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser,
                                     help="what to do (each has its own --help)")

    predict = commands.add_parser(
        "predict", help="decode each line of FILE with a trained model",
        description="Writes one JSON object per line of FILE, in order. The model is decoded with NumPy, without "
                    "TensorFlow (helpers/numpy_decoding.py: one worker process per core), unless --engine tensorflow "
                    "asks for TensorFlow's decoder; a model NumPy does not decode falls back to TensorFlow with a "
                    "note on standard error. Both engines write the same outputs; a score may differ in its last "
                    "digit (float32 rounding).")
    add_decoding_arguments(predict)
    predict.set_defaults(run=command_predict)

    evaluate = commands.add_parser("evaluate", help="exact match of a model against the real function")
    add_decoding_arguments(evaluate)
    evaluate.add_argument("--record", metavar="DATA",
                          help="write the exact match into the model's evaluations.json as measured on DATA "
                               "(a description of FILE, e.g. 'dev_urls.txt: 5,000 real URLs')")
    evaluate.add_argument("--min-exact", type=share, metavar="X",
                          help="exit with status 1 when exact match is below X (0..1), after printing the report")
    evaluate.set_defaults(run=command_evaluate)

    add_train_parser(commands)
    add_learn_parser(commands)

    export = commands.add_parser("export", help="SavedModel with the greedy loop in the graph, and TensorFlow.js")
    export.add_argument("--model", required=True, help="a trained model directory")
    export.add_argument("--out", required=True, help="writes OUT/saved_model and OUT/tfjs")
    export.add_argument("--no-tfjs", action="store_true", help="write the SavedModel only (no converter needed)")
    export.set_defaults(run=command_export)

    add_data_parsers(commands)
    return parser


def main(argv: list[str] | None = None, prog: str = "porting") -> int:
    """Runs one command; returns its exit status (the console command ``porting`` exits with it)."""
    try:
        arguments = build_parser(prog).parse_args(argv)
        arguments.prog = prog
        arguments.command_line = command_text(prog, sys.argv[1:] if argv is None else argv)  # what printed.txt names
        return arguments.run(arguments)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        try:  # nothing more reaches the closed pipe, not even the flush at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except (RuntimeFailure, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return RUNTIME_FAILURE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
