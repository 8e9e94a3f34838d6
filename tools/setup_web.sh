#!/usr/bin/env bash
# What the export, the web page and its browser test need beyond requirements-dev.txt; idempotent,
# seconds on the second run. Called by tools/test.sh after tools/bootstrap.sh.
#   * web/node_modules: TensorFlow.js and its wasm backend from npm (pinned in web/package.json)
#   * /usr/bin/chromium: Debian's package (needs root and apt-get; Playwright never downloads one)
#   * .venv/tfjs: the TensorFlow.js converter bridge: a venv that sees the project's .venv packages
#     (its TensorFlow) and adds tensorflowjs with --no-deps (its own requirements pull TF 2.19), and
#     the tf-keras of that TensorFlow's minor version
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PORTING_VENV:-$root/.venv}"
bridge="$venv/tfjs"
tensorflow_minor="$("$venv/bin/python" -c 'from importlib.metadata import version; print(*version("tensorflow").split(".")[:2], sep=".")')"
BRIDGE_PACKAGES="tensorflowjs==4.22.0 tf-keras==$tensorflow_minor.* tensorflow-hub==0.16.1"

if [ ! -f "$root/web/node_modules/@tensorflow/tfjs/package.json" ] || \
   [ ! -f "$root/web/node_modules/@tensorflow/tfjs-backend-wasm/package.json" ]; then
  echo "installing TensorFlow.js from npm into web/node_modules"
  (cd "$root/web" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi

if [ ! -x "$bridge/bin/python" ]; then
  "$venv/bin/python" -m venv "$bridge"
fi
main_site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
bridge_site="$("$bridge/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$main_site" > "$bridge_site/project_venv.pth"  # the bridge sees TensorFlow of the project venv
if [ "$(cat "$bridge/.packages" 2>/dev/null)" != "$BRIDGE_PACKAGES" ]; then
  echo "installing the TensorFlow.js converter bridge into $bridge"
  "$bridge/bin/python" -m pip install -q --no-deps $BRIDGE_PACKAGES
  echo "$BRIDGE_PACKAGES" > "$bridge/.packages"
fi
