#!/usr/bin/env bash
# The notebooks' setup cell runs this in Colab. It installs only what the notebooks import and the
# runtime lacks, and Java for Spark; safe to run twice. Colab preinstalls every package of
# requirements.txt (TensorFlow, Keras, numpy, pandas, pyarrow, TensorBoard, PySpark, matplotlib,
# scikit-learn, joblib) at versions its ranges admit (tools/colab_constraints.txt), so the pip step
# installs nothing there; the Colab rehearsal (tools/colab_rehearsal.sh) fails if it changes anything.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install -q -r requirements.txt

# Spark 4 needs Java 17 or newer (JAVA_HOME, else `java` on the PATH). When there is none, or an older
# one, install Debian's headless JRE 17, whose `java` then comes first on the PATH.
minimum_java=17
java_major() {  # the major version of $1 (-version prints "17.0.15" or, up to Java 8, "1.8.0_292"); empty if it cannot run
  "$1" -version 2>&1 | sed -n 's/^[^"]*"\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -n 1
}
java_command() { if [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi; }
java="$(java_command)"
major="$([ -n "$java" ] && java_major "$java" || true)"
if [ -z "$major" ] || [ "$major" -lt "$minimum_java" ]; then
  if [ -z "${JAVA_HOME:-}" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Java ${major:-not found}: installing openjdk-17-jre-headless for Spark"
    apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y openjdk-17-jre-headless >/dev/null
    java="$(java_command)"
    major="$([ -n "$java" ] && java_major "$java" || true)"
  fi
fi
if [ -n "$major" ]; then found="Java $major ($java)"; elif [ -n "$java" ]; then found="no working Java at $java"
else found="no Java (no JAVA_HOME, no java on the PATH)"; fi
if [ -z "$major" ] || [ "$major" -lt "$minimum_java" ]; then
  echo "warning: Spark needs Java $minimum_java or newer and found $found: the Spark cells will fail; install openjdk-17-jre-headless or set JAVA_HOME to a Java $minimum_java or newer" >&2
fi
python3 -c "import tensorflow as tf, keras; print('TensorFlow', tf.__version__, '| Keras', keras.__version__, '| GPUs:', len(tf.config.list_physical_devices('GPU')))"
