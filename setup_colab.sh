#!/usr/bin/env bash
# Installs only what a Colab runtime lacks. Safe to run twice: pip skips what is already there, and
# nothing here replaces Colab's own TensorFlow, Keras, PySpark or Java (Java is installed only if absent).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
for module_and_package in jupytext:jupytext hypothesis:hypothesis; do
  module=${module_and_package%%:*}; package=${module_and_package##*:}
  python3 -c "import ${module}" 2>/dev/null || missing+=("${package}")
done
# requirements.txt uses ranges that Colab's preinstalled packages satisfy: this is a no-op there
# unless something is really missing.
python3 -m pip install -q -r requirements.txt "${missing[@]}"
# Spark needs Java 17 or 21. Colab ships one; install a headless JRE only when there is none.
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "no Java found: installing openjdk-17-jre-headless for Spark"
  apt-get -qq update && apt-get -qq install -y openjdk-17-jre-headless >/dev/null
fi
python3 -c "import tensorflow as tf, keras; print('TensorFlow', tf.__version__, '| Keras', keras.__version__, '| GPUs:', len(tf.config.list_physical_devices('GPU')))"
