#!/usr/bin/env bash
# The Colab rehearsal: every notebook in smoke mode through its Colab branch.
#   - a kernel in an environment with Colab's package versions (tools/colab_runtime.txt: TensorFlow
#     2.20.0, Keras 3.13.2, PySpark 4.0.4), made once in .venv-colab;
#   - a stand-in google.colab module imported when the kernel starts (tools/colab_standin), whose
#     drive.mount mounts a local folder;
#   - the setup cell clones the project from PORTING_REPOSITORY (this checkout's committed HEAD) into
#     /content/porting-code and runs setup_colab.sh there; there is no ../shared beside it;
#   - outputs go where Colab puts them (/content/porting-code-output, or Drive when mounted).
# Fails if a notebook fails, or if setup_colab.sh changed a version Colab preinstalls.
# /content is created for the run and removed after it; the script refuses to touch one it did not make.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv="${PORTING_COLAB_VENV:-$root/.venv-colab}"
python="${PYTHON:-python3}"
stamp="$venv/.runtime.sha256"
wanted="$(sha256sum tools/colab_runtime.txt | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "creating $venv with Colab's package versions (a few minutes the first time)"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r tools/colab_runtime.txt
  echo "$wanted" > "$stamp"
fi
versions() { "$venv/bin/python" -m pip list --format=freeze 2>/dev/null | grep -i -E '^(tensorflow|keras|pyspark|numpy|pandas|pyarrow|scikit-learn)=='; }
before="$(versions)"

if [ -e /content ] && [ ! -f /content/.porting-rehearsal ]; then
  echo "error: /content exists and was not made by this rehearsal; not touching it" >&2
  exit 2
fi
work="$(mktemp -d)"
mkdir -p /content && touch /content/.porting-rehearsal
trap 'rm -rf /content "$work"' EXIT
mkdir -p "$work/ipython/profile_default/startup" "$work/drive"
echo "import google.colab  # the stand-in: the notebooks take their Colab branch" \
  > "$work/ipython/profile_default/startup/00-colab.py"
"$venv/bin/python" -m ipykernel install --prefix "$work/jupyter" --name colab-rehearsal >/dev/null 2>&1

export PATH="$venv/bin:$PATH"  # `python3` in the notebooks and in setup_colab.sh is Colab's
export PYTHONPATH="$root/tools/colab_standin"
export IPYTHONDIR="$work/ipython" JUPYTER_PATH="$work/jupyter/share/jupyter"
export PORTING_REPOSITORY="file://$root" PORTING_SMOKE=1 PORTING_DRIVE=1 PORTING_STANDIN_DRIVE="$work/drive"
unset PORTING_OUTPUT PORTING_LOAD_SHIPPED
"$venv/bin/python" - <<'PY'
import tensorflow, keras, pyspark
print("Colab rehearsal with TensorFlow", tensorflow.__version__, "| Keras", keras.__version__, "| PySpark", pyspark.__version__)
PY
status=0
"$root/.venv/bin/python" tools/notebooks.py run --kernel colab-rehearsal --out "${PORTING_REHEARSAL_OUT:-$work/notebooks}" "$@" || status=$?
ls /content/porting-code/.git >/dev/null  # the setup cell cloned the project
if [ $# -eq 0 ] || [[ " $* " == *04* ]]; then  # notebook 04's Drive cell ran (PORTING_DRIVE=1)
  [ -n "$(ls /content/drive/MyDrive/porting-code-output 2>/dev/null)" ] || { echo "error: nothing was written to the stand-in Drive" >&2; status=1; }
fi
after="$(versions)"
if [ "$before" != "$after" ]; then
  echo "error: setup_colab.sh changed Colab's preinstalled packages:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  status=1
fi
exit $status
