#!/usr/bin/env bash
# The Colab rehearsal: every notebook in smoke mode through its Colab branch.
#   - a kernel in .venv-colab, made once: Colab's Python and package versions (tools/colab_constraints.txt)
#     for the packages of requirements.txt, all preinstalled in Colab, and ipykernel;
#   - Colab's Python from PORTING_COLAB_PYTHON, else python3.12 (the version the constraints name) on
#     the PATH, else pyenv's; with none of them, the default python3, and it says so;
#   - a stand-in google.colab module imported when the kernel starts (tools/colab_standin), whose
#     drive.mount mounts a local folder;
#   - the setup cell clones the project from PORTING_REPOSITORY (this checkout's committed HEAD) into
#     /content/porting-code and runs setup_colab.sh there; there is no ../shared beside it;
#   - outputs go where Colab puts them (/content/porting-code-output, or Drive when mounted).
# Fails if a notebook fails, or if setup_colab.sh changed any package of the environment.
# /content is created for the run and removed after it; the script refuses to touch one it did not make.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv="${PORTING_COLAB_VENV:-$root/.venv-colab}"
constraints=tools/colab_constraints.txt
colab_python="$(sed -n 's/^# PYTHON //p' "$constraints")"  # the line tools/requirements.py checks too
is_colab_python() {  # $1 runs and is Python $colab_python (a pyenv shim of another version is not)
  [ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$colab_python" ]
}
if [ -n "${PORTING_COLAB_PYTHON:-}" ]; then
  is_colab_python "$PORTING_COLAB_PYTHON" || { echo "error: PORTING_COLAB_PYTHON=$PORTING_COLAB_PYTHON is not a Python $colab_python" >&2; exit 2; }
  python="$PORTING_COLAB_PYTHON"
else
  python=""
  pyenv_root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for candidate in "$(command -v "python$colab_python" || true)" \
      $(ls -d "$pyenv_root"/versions/"$colab_python".*/bin/python"$colab_python" 2>/dev/null | sort -rV); do
    if [ -n "$candidate" ] && is_colab_python "$candidate"; then python="$candidate"; break; fi
  done
fi
if [ -z "$python" ]; then
  python=python3
  echo "no Python $colab_python here (PORTING_COLAB_PYTHON, python$colab_python on the PATH, pyenv): rehearsing on $(python3 -V), not Colab's"
fi
stamp="$venv/.runtime.sha256"
wanted="$( ("$python" -V; cat "$constraints" requirements.txt) | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "creating $venv with Colab's Python and package versions (a few minutes the first time)"
  if [ -f "$venv/pyvenv.cfg" ]; then rm -rf "$venv"; fi  # another Python or other versions: made anew
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r requirements.txt ipykernel -c "$constraints"
  echo "$wanted" > "$stamp"
fi
versions() { "$venv/bin/python" -m pip list --format=freeze 2>/dev/null; }
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
import platform, tensorflow, keras, pandas, pyspark
print("Colab rehearsal with Python", platform.python_version(), "| TensorFlow", tensorflow.__version__, "| Keras",
      keras.__version__, "| PySpark", pyspark.__version__, "| pandas", pandas.__version__)
PY
status=0
"$root/.venv/bin/python" tools/notebooks.py run --kernel colab-rehearsal --out "${PORTING_REHEARSAL_OUT:-$work/notebooks}" "$@" || status=$?
ls /content/porting-code/.git >/dev/null  # the setup cell cloned the project
if [ $# -eq 0 ] || [[ " $* " == *04* ]]; then  # notebook 04's Drive cell ran (PORTING_DRIVE=1)
  [ -n "$(ls /content/drive/MyDrive/porting-code-output 2>/dev/null)" ] || { echo "error: nothing was written to the stand-in Drive" >&2; status=1; }
fi
after="$(versions)"
if [ "$before" != "$after" ]; then
  echo "error: setup_colab.sh changed the packages of Colab's runtime:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  status=1
fi
exit $status
