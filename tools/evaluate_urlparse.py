"""Every evaluation of a urlparse model, each command followed by what it printed, into one file.

    python tools/evaluate_urlparse.py --model models/urlparse --out models/urlparse/EVALUATIONS.txt

The commands: the rule suite (100 per rule, with generated URLs holding control characters), a second
draw of it (500 per rule, seed 7), dev_urls.txt where it sits beside the checkout, the real URLs of the
held-out sites, and 10,000 fresh generated URLs. Each ``--record`` writes its figures into the model's
evaluations.json, which the model card reads; the file written here keeps the commands and their output
(blocks that start with "$ ", as tools/model_cards.py reads them). For dev_urls.txt only the counts of
``python -m helpers evaluate`` are kept: its list of worst failures quotes evaluation URLs, which must not
enter the repository.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV_URLS = "../shared/data/dev_urls.txt"  # relative to the checkout, as the commands are written
HELD_OUT = "python -c \"from helpers.data import real_url_split; print(*real_url_split()[1], sep='\\n')\""


def commands(model: str) -> list[tuple[str, bool]]:
    """(shell command, keep only the counts) for each evaluation of ``model``, in the order they run."""
    evaluate = "python -m helpers evaluate --model " + model
    listed = [
        (f"python tools/evaluate_rules.py --model {model} --count 100 --control-count 1000 --record", False),
        (f"python tools/evaluate_rules.py --model {model} --count 500 --seed 7 --control-count 0", False),
    ]
    if (ROOT / DEV_URLS).exists():
        listed.append((f"{evaluate} {DEV_URLS} --record 'dev_urls.txt: 5,000 real URLs never trained on (../shared)'", True))
    listed += [
        (f"{HELD_OUT} | {evaluate} - --record 'real URLs of the sites held out by data.real_url_split (data/real_urls.txt)'", False),
        (f"python tools/evaluate_fresh.py --model {model} --count 10000 --record", False),
    ]
    return listed


def run(command: str, counts_only: bool) -> str:
    """What ``command`` printed on standard output; with ``counts_only``, its JSON without "worst_failures"."""
    finished = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True)
    if finished.returncode != 0:
        raise SystemExit(f"error: `{command}` exited with {finished.returncode}: {finished.stderr.strip().splitlines()[-1:]}")
    if not counts_only:
        return finished.stdout.rstrip("\n")
    report = json.loads(finished.stdout)
    report.pop("worst_failures", None)
    return json.dumps(report, indent=2) + "\n(its \"worst_failures\" list is left out here: it quotes dev_urls.txt)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a urlparse model directory, relative to the checkout")
    parser.add_argument("--out", required=True, help="the file to write (EVALUATIONS.txt in a model folder)")
    parser.add_argument("--about", default="", help="words for the header line: what the model is")
    arguments = parser.parse_args()
    from helpers.environment import code_commit, machine_description

    header = [f"# Evaluations of {arguments.model}{' (' + arguments.about + ')' if arguments.about else ''}, "
              f"{datetime.date.today()}, commit {code_commit()}, {machine_description()}",
              "# Each block: the command (after \"$ \") and what it printed; --record writes each figure into "
              f"{arguments.model}/evaluations.json.",
              "# Written by: python tools/evaluate_urlparse.py --model " + arguments.model + " --out " + arguments.out]
    blocks = []
    for command, counts_only in commands(arguments.model):
        print(f"$ {command}", file=sys.stderr, flush=True)
        blocks.append(f"$ {command}\n{run(command, counts_only)}")
    Path(arguments.out).write_text("\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n")
    print(f"wrote {arguments.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
