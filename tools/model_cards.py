"""Model cards: ``models/<name>/README.md`` for every shipped model folder, written from its records only.

    python tools/model_cards.py write   rewrite every card
    python tools/model_cards.py check   exit status 1, one line per card, when a card differs from
                                        what `write` would write (tests/test_packaging.py runs it)

A model folder is ``models/<name>/`` with ``config.json`` and ``metrics.json``; its card says what the
function is (the registry's description), how the model was made (``COMMAND.txt``), on what data, the
figures measured with their dates and hardware as recorded (``metrics.json``; ``evaluations.json``,
``helpers.records``; and the evaluations in ``COMMAND.txt`` and ``EVALUATIONS.txt``: ``evaluate``
reports, ``tools/evaluate_fresh.py`` reports, ``tools/evaluate_rules.py`` tables), the kinds of input it
fails on where a record measures them, its intended use, limits and licence. Nothing else goes in: a
card changes when a record does.

``models/ported/`` is left out: it holds no model itself, and its six ported models keep their figures
in ``models/ported/results.json`` and ``models/ported/README.md``, in another format.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from generated_files import differing, write_or_check

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
CARD_FILE = "README.md"
RECORD_FILES = ("COMMAND.txt", "EVALUATIONS.txt")  # free-form records: comments, commands, what they printed
PART_OF_A_MEASURE = ", "  # evaluations.json: "exact match, group 4" measures a part of the inputs
FAMILY_BELOW = 0.99  # a kind of input is listed as a failure family when the model gets less than this of it
WORST_SHOWN = 3  # wrong answers quoted per evaluate report
RULE_LINE = re.compile(r"^\s*(?P<percent>[\d.]+)%\s+(?P<correct>\d+)/(?P<total>\d+)\s+(?:JSON\s+\d+\s+)?(?P<name>.+?)\s*$")
COMMAND_LINE = re.compile(r"^(?:\$ )?python3? ")


@dataclass
class Group:
    label: str
    correct: int
    total: int

    @property
    def share(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Evaluation:
    """One recorded command that measured the model, and what it printed."""

    source: str  # the record file
    description: str  # the comment above the command
    commands: list[str]
    overall: list[Group] = field(default_factory=list)  # the headline figures
    families: list[Group] = field(default_factory=list)  # the parts of a split (rules, input groups)
    wrong_inputs: list[str] = field(default_factory=list)  # inputs an evaluate report names as wrong


def percent(share: float) -> str:
    return f"{100 * share:.2f}%"


def shown(text: str) -> str:
    """An input as a code span shows it: control characters as escapes."""
    return "".join(character if character >= " " else f"\\x{ord(character):02x}" for character in text)


def figure(group: Group) -> str:
    return f"{percent(group.share)} ({group.correct:,} of {group.total:,})"


def groups_of(report: dict, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Group, bool]]:
    """Every (path, group, part of a split) in an evaluate_fresh report: a dict with correct and total
    is a group; one whose siblings include "all" is a part of a split."""
    found = []
    for key, value in report.items():
        if not isinstance(value, dict):
            continue
        if {"correct", "total"} <= set(value):
            notes = [text for text in value.values() if isinstance(text, str)]  # e.g. "range": "0 <= n < 10**6"
            label = " / ".join((*path, key)) + (f" ({', '.join(notes)})" if notes else "")
            found.append(((*path, key), Group(label, value["correct"], value["total"]), key != "all" and "all" in report))
        else:
            found.extend(groups_of(value, (*path, key)))
    return found


def read_output(evaluation: Evaluation, output: list[str]) -> bool:
    """Fills ``evaluation`` from what its command printed; False when it is not a measurement."""
    text = "\n".join(output).strip()
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        report = None
    if isinstance(report, dict) and isinstance(report.get("exact_match"), (int, float)) and "compared" in report:
        evaluation.overall.append(Group("exact match", report["compared"] - report["wrong"], report["compared"]))
        evaluation.wrong_inputs = [failure["input"] for failure in report.get("worst_failures", [])[:WORST_SHOWN]]
        return True
    if isinstance(report, dict) and isinstance(report.get("exact_match"), dict):
        inputs = report.get("inputs", "fresh inputs")
        for path, group, part in groups_of(report):
            if path[0] == "exact_match":  # the groups of the report's own inputs
                group.label = f"{inputs}, {'group ' if path[-1] != 'all' else ''}{path[-1]}"
            (evaluation.families if part else evaluation.overall).append(group)
        return True
    # evaluate_rules.py's table: one line per rule, then the line over all rules (a line after it, on other
    # inputs, is not a rule)
    rules = [match for match in map(RULE_LINE.match, output) if match]
    if rules and RULE_LINE.match(output[0]):
        for match in rules[:-1]:
            name = " ".join(match["name"].split())
            evaluation.families.append(Group(f"rule {name}", int(match["correct"]), int(match["total"])))
        last = rules[-1]
        evaluation.overall.append(Group(" ".join(last["name"].split()), int(last["correct"]), int(last["total"])))
        return True
    return False


def read_record(path: Path) -> tuple[str, list[str], list[Evaluation]]:
    """(header comment, commands, evaluations) of one record file."""
    lines = path.read_text().splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# ").rstrip())
    commands = [line.removeprefix("$ ") for line in lines if COMMAND_LINE.match(line)]
    evaluations = []
    comment: list[str] = []
    index = len(header)
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            comment.append(line.lstrip("# ").rstrip())
            index += 1
            continue
        if not COMMAND_LINE.match(line):
            comment = [] if not line.strip() else comment
            index += 1
            continue
        block = []
        while index < len(lines) and COMMAND_LINE.match(lines[index]):
            block.append(lines[index].removeprefix("$ "))
            index += 1
        output = []
        while index < len(lines) and lines[index].strip() and not lines[index].startswith("#"):
            output.append(lines[index])
            index += 1
        evaluation = Evaluation(path.name, " ".join(comment).rstrip(":"), block)
        if read_output(evaluation, output):
            evaluations.append(evaluation)
        comment = []
    return " ".join(header), commands, evaluations


def measured(entry: dict) -> str:
    """One record of evaluations.json as a line: measure (data): figure."""
    return f"{entry['measure']} ({entry['data']}): {figure(Group('', entry['correct'], entry['total']))}"


def structured_records(folder: Path) -> tuple[list[str], list[str]]:
    """(lines for the measured figures, lines for the failure families) from ``evaluations.json``:
    the records grouped by the run that wrote them (command, date, machine, commit)."""
    from helpers.records import EVALUATIONS_FILE, read_records

    records = read_records(folder)
    if not records:
        return [], []
    figures = [f"Recorded in `{EVALUATIONS_FILE}`:", ""]
    runs: dict[tuple, list[dict]] = {}
    for entry in records:
        runs.setdefault((entry["command"], entry["date"], entry["hardware"], entry["commit"]), []).append(entry)
    for (command, date, hardware, commit), entries in runs.items():
        figures += [f"{date}, {hardware}, commit {commit}:", "", "```bash", command, "```", ""]
        figures += [f"- {measured(entry)}" for entry in entries] + [""]
    families = [f"- {measured(entry)} (`{EVALUATIONS_FILE}`, {entry['date']})" for entry in records
                if PART_OF_A_MEASURE in entry["measure"] and entry["correct"] / entry["total"] < FAMILY_BELOW]
    return figures, families


def training_data(task: str, training: dict) -> list[str]:
    size = training.get("validation_size")
    lines = [f"- Inputs drawn by the generator of the registry entry `{task}` (`helpers/functions`, at the commit "
             f"named above); {f'{size:,}' if size else 'an unrecorded number of'} generated inputs held out for "
             f"validation, which training never draws"
             + (f" unless the generator draws one more often than {training['common_input_share']} of the time."
                if "common_input_share" in training else ".")]
    if training.get("hard_input_share"):
        lines.append(f"- A share of {training['hard_input_share']} of the training inputs from the entry's generator of "
                     f"hard inputs (its rare rules).")
    if training.get("target_input_share"):
        lines.append(f"- A share of {training['target_input_share']} of the training inputs drawn as the entry's accuracy "
                     f"target is stated (its target_inputs).")
    if "real_input_share" not in training:
        lines.append("- Real inputs: not recorded (metrics.json's training_config has no real_input_share: the setting "
                     "is newer than this run, whose inputs all came from generators).")
    elif training["real_input_share"]:
        lines.append(f"- A share of {training['real_input_share']} of the training inputs from real URLs: "
                     f"{training.get('real_inputs') or 'the training side of data/real_urls.txt split by host'} "
                     f"(data/README.md).")
    else:
        lines.append("- No real inputs: every input came from the project's generators.")
    return lines


def licence(training: dict) -> str:
    text = "Apache-2.0, like the code (`LICENSE` at the repository root)."
    if training.get("real_input_share"):
        text += (" It was trained on real URLs from `data/real_urls.txt`, which are MIT and Apache-2.0 "
                 "(`data/README.md`; their notices are in `NOTICE`).")
    else:  # no real inputs (a run older than the setting drew none either)
        text += " Its training data came from the project's own generators: no third-party data."
    return text


def card(folder: Path) -> str:
    """The card of one model folder, from its records."""
    from helpers.functions import get_function
    from helpers.records import trained_for, trainings

    config = json.loads((folder / "config.json").read_text())
    metrics = json.loads((folder / "metrics.json").read_text())
    task, shape = config["task"], config["model"]
    training = metrics.get("training_config", {})
    description = get_function(task).description or f"the function registered as {task!r}"
    records = [(name, *read_record(folder / name)) for name in RECORD_FILES if (folder / name).is_file()]
    evaluations = [evaluation for *_, found in records for evaluation in found]
    max_input_bytes = shape["max_input_length"] - 1

    out = [f"# `models/{folder.name}`: {task}, learned from examples", "",
           f"<!-- Written by `python tools/model_cards.py write` from "
           f"{', '.join(['config.json', 'metrics.json', *(name for name in ('evaluations.json', *RECORD_FILES) if (folder / name).is_file())])}: "
           f"edit those, not this file. -->", "",
           f"**The function.** {description} (registry entry `{task}`, `helpers/functions`). The model answers each "
           f"input with the function's result as compact JSON, learnt from examples alone.", "",
           f"**Licence.** {licence(training)}", "",
           "## The model", "",
           f"- {'Bidirectional ' if shape.get('bidirectional_encoder') else ''}LSTM encoder"
           f" ({shape.get('encoder_layers', 1)} layer{'s' if shape.get('encoder_layers', 1) > 1 else ''}), LSTM decoder "
           f"with attention, {shape['units']} units, byte embeddings of {shape['embedding_dim']}, copy mechanism "
           f"{'on' if shape.get('copy_mechanism') else 'off'} (`config.json`).",
           f"- Inputs up to {max_input_bytes} UTF-8 bytes (`porting predict` refuses longer lines); outputs up to "
           f"{shape['max_output_length']} ids.", "",
           "## How it was made", ""]
    measuring = {command for evaluation in evaluations for command in evaluation.commands}
    for name, header, commands, _ in records:
        making = [command for command in commands if command not in measuring]
        if making:
            out += [f"`{name}`: {header}", "", "```bash", *making, "```", ""]
    if training:
        if len(trainings(folder, ROOT)) > 1:
            out += [f"Trained {trained_for(folder, ROOT)}. The last of them:", ""]
        out += [f"Training: {metrics.get('steps', '?'):,} steps of {training.get('batch_size', '?')} examples "
                f"({metrics.get('epochs', '?')} epochs), learning rate {training.get('learning_rate', '?')}, "
                f"{metrics.get('training_minutes', '?')} minutes (`metrics.json`).", ""]
    out += ["## Data", "", *training_data(task, training), ""]
    out += ["## Measured figures", "",
            f"As `metrics.json` records them: {metrics.get('date', 'date not recorded')}, "
            f"{metrics.get('hardware', 'hardware not recorded')}.", ""]
    for key in sorted(key for key in metrics if key.endswith("_exact_match")):
        size_key = key.removesuffix("exact_match") + "size"
        out.append(f"- `{key}`: {percent(metrics[key])}"
                   + (f" of {metrics[size_key]:,} inputs (`{size_key}`)" if metrics.get(size_key) else ""))
    out.append("")
    structured, structured_families = structured_records(folder)
    out += structured
    for name, header, commands, found in records:
        if found and any(command not in measuring for command in commands):
            out += [f"Recorded in `{name}` (dated in its header, quoted above):", ""]
        elif found:
            out += [f"`{name}`: {header}", ""]
        for evaluation in found:
            out += [f"{evaluation.description or 'An evaluation'}:", "", "```bash", *evaluation.commands, "```", ""]
            out += [f"- {group.label}: {figure(group)}" for group in evaluation.overall] + [""]
    out += ["## Known failure families", ""]
    families = [f"- {group.label}: {figure(group)} (`{evaluation.source}`)" for evaluation in evaluations
                for group in evaluation.families if group.share < FAMILY_BELOW] + structured_families
    wrong = [(evaluation, text) for evaluation in evaluations for text in evaluation.wrong_inputs]
    if not families and not wrong:
        from helpers.records import read_records

        measured_apart = (any(evaluation.families for evaluation in evaluations)
                          or any(PART_OF_A_MEASURE in entry["measure"] for entry in read_records(folder)))
        out += [f"None below {percent(FAMILY_BELOW)}: every kind of input a record measures apart (above) is at "
                f"{percent(FAMILY_BELOW)} or more." if measured_apart else
                "None recorded: no record breaks the errors down by kind of input.", ""]
    if families:
        out += [f"Kinds of input the model gets less than {percent(FAMILY_BELOW)} of, as measured:", "", *families, ""]
    if wrong:
        out += [f"Wrong answers an evaluation names (at most {WORST_SHOWN} each, most confident first):", ""]
        out += [f"- `` {shown(text)} `` (`{evaluation.source}`)" for evaluation, text in wrong]
        out.append("")
    out += ["## Intended use and limits", "",
            f"- For: studying how a network learns `{task}` from examples, with its errors measured against the "
            f"real function; running the learned function where Python is not (a SavedModel, Spark, a web page: "
            f"`porting export`).",
            "- Not for: replacing the real function, which is exact. Trust an output as far as the figures and "
            "failure families above go, and check each record's `ok` and `score` (`porting predict`).",
            f"- Inputs unlike those measured above have no figure. Inputs over {max_input_bytes} UTF-8 bytes are "
            f"refused; outputs stop at {shape['max_output_length']} ids.", ""]
    return "\n".join(out)


def model_folders(models: Path = MODELS) -> list[Path]:
    return sorted(folder for folder in models.iterdir()
                  if folder.is_dir() and (folder / "config.json").is_file() and (folder / "metrics.json").is_file())


def stale_cards(models: Path = MODELS) -> list[Path]:
    """The cards that differ from what `write` would write (a missing card included)."""
    return differing({folder / CARD_FILE: card(folder) for folder in model_folders(models)})


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))  # helpers, from this checkout
    left_out = [folder.name for folder in sorted(MODELS.iterdir()) if folder.is_dir() and folder not in model_folders()]
    print(f"left out (no config.json and metrics.json): {', '.join(left_out) or 'nothing'}", file=sys.stderr)
    return write_or_check(argv, __doc__.splitlines()[0],
                          lambda: {folder / CARD_FILE: card(folder) for folder in model_folders()}, ROOT,
                          "the model's records")


if __name__ == "__main__":
    sys.exit(main())
