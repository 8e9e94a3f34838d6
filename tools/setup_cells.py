"""The setup cell of every notebook, written once: ``write`` puts it into each ``notebooks/*.py``,
``check`` lists the notebooks whose setup cell differs (exit status 1).

Colab opens one notebook alone, so each must carry the cell that fetches the project; this file is
the cell's one source, and tests/test_notebook_outputs.py fails when a notebook's copy drifts.

    python tools/setup_cells.py write|check
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

SETUP_CELL = '''# %% [markdown]
# ## Setup
# One cell, the same in every notebook. In Colab it fetches the project and installs only what Colab
# lacks; on your own machine it just makes `helpers` importable. Use a GPU runtime in Colab if you
# have one: the LSTMs then run on cuDNN. Every time and figure stored here comes from 2 CPU cores.

# %%
import os, subprocess, sys
from pathlib import Path

REPOSITORY_URL = os.environ.get("PORTING_REPOSITORY", "https://github.com/porting-code/porting-code")
if "google.colab" in sys.modules:
    if not Path("/content/porting-code").exists():
        subprocess.run(["git", "clone", "--depth=1", REPOSITORY_URL, "/content/porting-code"], check=True)
    subprocess.run(["bash", "/content/porting-code/setup_colab.sh"], check=True)
    sys.path.insert(0, "/content/porting-code")
else:
    sys.path.insert(0, str(Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()))

from helpers.environment import describe

environment = describe()
'''

# from the "## Setup" markdown cell to the line that describes the environment, whatever it says now
SETUP_BLOCK = re.compile(r"# %% \[markdown\]\n# ## Setup\n.*?\nenvironment = describe\(\)\n", re.DOTALL)


def notebook_sources() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def setup_block(source: str) -> str | None:
    match = SETUP_BLOCK.search(source)
    return match.group(0) if match else None


def main(arguments: list[str]) -> int:
    if arguments not in (["write"], ["check"]):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    differing = []
    for path in notebook_sources():
        source = path.read_text()
        block = setup_block(source)
        if block is None:
            print(f"{path.name}: no setup cell (a '## Setup' markdown cell, then the code cell)", file=sys.stderr)
            return 1
        if block != SETUP_CELL:
            differing.append(path.name)
            if arguments == ["write"]:
                path.write_text(source.replace(block, SETUP_CELL, 1))
    verb = "rewrote" if arguments == ["write"] else "differ"
    print(f"{len(notebook_sources())} notebooks; setup cells {verb}: {', '.join(differing) or 'none'}")
    return 1 if differing and arguments == ["check"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
