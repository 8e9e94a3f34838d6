#!/usr/bin/env bash
# The test command: unit tests, notebook pairs in sync, every notebook executed in smoke mode, and
# the Colab rehearsal (every notebook again, through its Colab branch, with Colab's package versions).
# Each stage prints its wall time and has a limit (a few times what it takes on 2 cores), so that a
# hang fails with its name instead of using up the whole CI run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
started_all=$SECONDS
stage() {  # NAME LIMIT_SECONDS COMMAND...
  local name="$1" limit="$2" started=$SECONDS status=0
  shift 2
  echo "== $name"
  timeout --kill-after=30 "$limit" "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "error: $name ran past its limit of $limit s" >&2
  fi
  echo "== $name: $((SECONDS - started)) s$([ "$status" -eq 0 ] || echo ", failed ($status)")"
  return "$status"
}
source "$root/tools/bootstrap.sh"
stage "web tools" 1200 bash "$root/tools/setup_web.sh"  # npm TensorFlow.js, Debian chromium, tfjs converter bridge
cd "$root"
output="${PORTING_OUTPUT:-$(mktemp -d)}"
stage "notebook pairs" 120 python tools/notebooks.py check
stage "unit tests" 2400 python -m pytest -q tests "$@"
stage "notebooks (smoke)" 1500 env PORTING_SMOKE=1 PORTING_OUTPUT="$output" \
  python tools/notebooks.py run --out "$output/notebooks"
# the training notebooks' other branch: load the shipped models instead of training
stage "notebooks 04 05 (smoke, shipped models)" 900 env PORTING_SMOKE=1 PORTING_LOAD_SHIPPED=1 \
  PORTING_OUTPUT="$output/shipped" python tools/notebooks.py run --out "$output/shipped/notebooks" --only 04 05
stage "Colab rehearsal" 2400 bash tools/colab_rehearsal.sh
echo "all tests passed in $((SECONDS - started_all)) s"
