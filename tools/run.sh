#!/usr/bin/env bash
# The main job: every notebook top to bottom on the embedded data, on this machine's CPU (or GPU).
# Executed notebooks, trained models and logs go to $PORTING_OUTPUT (default ~/porting-code-output).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/tools/bootstrap.sh"
bash "$root/tools/setup_web.sh"  # notebook 06 converts to TensorFlow.js and tests the page in Chromium
cd "$root"
export PORTING_OUTPUT="${PORTING_OUTPUT:-$HOME/porting-code-output}"
python tools/notebooks.py run --out "$PORTING_OUTPUT/notebooks" "$@"
echo "executed notebooks, models and logs are in $PORTING_OUTPUT"
