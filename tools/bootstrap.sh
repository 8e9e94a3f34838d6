#!/usr/bin/env bash
# Creates ./.venv with everything the project needs, once; later calls only check it is current.
# Needs nothing but Python 3.11+ with venv. Sourced by tools/run.sh and tools/test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PORTING_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv"
  "$python" -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
wanted="$(cat "$root"/requirements*.txt "$root/tools/colab_constraints.txt" | sha256sum | cut -d' ' -f1)"  # requirements-dev.txt's -c file too
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "installing requirements into $venv (about a minute the first time)"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r "$root/requirements-dev.txt"
  echo "$wanted" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"  # no C++ log lines (CUDA probes, oneDNN notes) in outputs
