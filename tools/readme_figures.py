"""The README's figures, generated from their records: nobody copies a measured figure by hand.

    python tools/readme_figures.py write    # rewrite every generated block of README.md
    python tools/readme_figures.py check    # exit 1 if a block differs from its records, or if a figure
                                            # stands in the README outside the generated blocks

Three blocks, each between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``:
``models`` (each shipped model: its training from metrics.json, its measurements from evaluations.json,
helpers.records), ``notebooks`` (each stored notebook's run from its metadata) and ``ported`` (the
functions ``learn`` ported, models/ported/results.json). tests/test_readme_figures.py
runs ``check``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated: \2 -->)", re.DOTALL)
# a measured figure: a percentage, a speed or a duration. Outside the generated blocks the README
# names commands and explains; the figures come from records.
FIGURE = re.compile(r"\b\d[\d,]*(\.\d+)?\s?(%|URLs/s|ms per URL|ms/URL|minutes\b|min\b|µs)")


def percent(value: float) -> str:
    text = f"{100 * value:.2f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def model_folders() -> list[Path]:
    return sorted(path.parent for path in (ROOT / "models").glob("*/metrics.json"))


def models_block() -> str:
    from helpers.functions import REGISTRY
    from helpers.records import read_records, trained_for

    lines = []
    for folder in model_folders():
        metrics = json.loads((folder / "metrics.json").read_text())
        entry = REGISTRY.get(metrics.get("task"))
        lines.append(f"**`models/{folder.name}`**: {entry.description if entry else metrics.get('task')}. Trained "
                     f"{trained_for(folder, ROOT)} on {metrics['hardware']}, "
                     f"{metrics['date'][:10]} ([COMMAND.txt](models/{folder.name}/COMMAND.txt), "
                     f"[model card](models/{folder.name}/README.md)).")
        lines.append("")
        records = read_records(folder)
        if not records:
            lines += ["No evaluation recorded.", ""]
            continue
        lines += ["| measure | on | result | date |", "|---|---|---|---|"]
        for record in records:
            lines.append(f"| {record['measure']} | {record['data']} | {percent(record['value'])} "
                         f"({record['correct']:,} of {record['total']:,}) | {record['date'][:10]} |")
        lines.append("")
    return "\n".join(lines)


def notebooks_block() -> str:
    lines = ["| notebook | stored run | commit | on | wall time |", "|---|---|---|---|---|"]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        run = json.loads(path.read_text()).get("metadata", {}).get("porting_run", {})
        seconds = run.get("wall_seconds")
        wall = f"{seconds / 60:.1f} minutes" if seconds is not None else "not recorded"
        lines.append(f"| [{path.stem}](notebooks/{path.name}) | {run.get('date', 'not recorded')[:16].replace('T', ' ')} "
                     f"| {run.get('commit', 'not recorded')} | {run.get('hardware', 'not recorded')} | {wall} |")
    return "\n".join(lines) + "\n"


def ported_block() -> str:
    """The functions ported by ``learn`` (models/ported/results.json, written by tools/benchmark_learn.py)."""
    results = json.loads((ROOT / "models" / "ported" / "results.json").read_text())
    lines = ["| function | inputs | model the command chose | exact match on fresh inputs | raising inputs answered | steps | training |",
             "|---|---|---|---|---|---|---|"]
    for spec, row in results.items():
        model = row["model"]
        chosen = f"{model['units']} units{', copy' if model['copy_mechanism'] else ''}, batch {row['batch_size']}"
        raising = f"{row['fresh_raising_right']:,} of {row['fresh_raising']:,}" if row["fresh_raising"] else "none drawn"
        lines.append(f"| `{spec}` | {row['inputs']} | {chosen} | {percent(row['fresh_exact_match'])} of {row['fresh']:,} "
                     f"| {raising} | {row['steps']:,} | {row['training_minutes']} minutes |")
    return "\n".join(lines) + "\n"


GENERATORS = {"models": models_block, "notebooks": notebooks_block, "ported": ported_block}


def generated(text: str) -> str:
    """``text`` with every generated block written anew."""
    def replace(match):
        name = match.group(2)
        if name not in GENERATORS:
            raise ValueError(f"README.md has a generated block {name!r} that no generator writes")
        return match.group(1) + GENERATORS[name]() + match.group(4)

    return BLOCK.sub(replace, text)


def hand_written_figures(text: str) -> list[str]:
    """The lines outside generated blocks and code blocks that quote a measured figure."""
    outside = BLOCK.sub("", text)
    outside = re.sub(r"```.*?```", "", outside, flags=re.DOTALL)
    return [line.strip() for line in outside.splitlines() if FIGURE.search(line)]


def problems(text: str) -> list[str]:
    found = [f"README.md quotes a figure by hand (generate it from a record): {line[:120]}"
             for line in hand_written_figures(text)]
    names = {match.group(2) for match in BLOCK.finditer(text)}
    found += [f"README.md has no generated block {name!r}" for name in sorted(set(GENERATORS) - names)]
    if generated(text) != text:
        found.append("a generated block of README.md differs from its records (run: python tools/readme_figures.py write)")
    return found


def main(argv: list[str] | None = None) -> int:
    from generated_files import write_or_check

    status = write_or_check(argv, __doc__.splitlines()[0], lambda: {README: generated(README.read_text())}, ROOT,
                            "the models' records, the stored notebooks and models/ported/results.json")
    by_hand = hand_written_figures(README.read_text())
    for line in by_hand:
        print(f"README.md quotes a figure by hand (generate it from a record): {line[:120]}", file=sys.stderr)
    return status or (1 if by_hand else 0)


if __name__ == "__main__":
    sys.exit(main())
