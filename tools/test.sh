#!/usr/bin/env bash
# The test command: unit tests, notebook pairs in sync, every notebook executed in smoke mode, and
# the Colab rehearsal (every notebook again, through its Colab branch, with Colab's package versions).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/tools/bootstrap.sh"
bash "$root/tools/setup_web.sh"  # npm TensorFlow.js, Debian chromium, tfjs converter bridge
cd "$root"
output="${PORTING_OUTPUT:-$(mktemp -d)}"
python tools/notebooks.py check
python -m pytest -q tests "$@"
PORTING_SMOKE=1 PORTING_OUTPUT="$output" python tools/notebooks.py run --out "$output/notebooks"
# the training notebooks' other branch: load the shipped models instead of training
PORTING_SMOKE=1 PORTING_LOAD_SHIPPED=1 PORTING_OUTPUT="$output/shipped" python tools/notebooks.py run \
  --out "$output/shipped/notebooks" --only 04 05
bash tools/colab_rehearsal.sh
