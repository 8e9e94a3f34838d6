"""Spark for the notebooks: start a session that works here and in Colab, and fail with one clear line.

    spark = start_session(SparkSettings())            # local[*], Arrow on, workers use this Python
    frame = read_parquet(spark, SAMPLE_PATH)          # SparkSetupError with a readable reason on failure
    settings = SparkSettings(s3a=True)                # + hadoop-aws matching the bundled Hadoop

Every failure that Spark reports as a JVM stack trace (no Java, Maven unreachable, no ``s3a``
filesystem, a 403 from S3, a missing path) becomes a ``SparkSetupError`` whose message says what to do.
On a cluster, pass ``master=None`` and let ``spark-submit`` or the cluster manager choose.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from helpers.environment import NATIVE_LOG_LINE, standard_error_filtered

MAVEN_REPOSITORY = "https://repo1.maven.org/maven2/"
COMMONCRAWL_BUCKET = "s3a://commoncrawl/"
# The driver's log4j2 configuration (package data): errors only, none of Spark's start-up notes.
LOG4J2_PROPERTIES = Path(__file__).resolve().parent / "log4j2.properties"
# The AWS credential chain (environment variables, ~/.aws, instance role): hadoop-aws 3.4+ uses AWS
# SDK v2, older versions (PySpark 3.5 bundles Hadoop 3.3.4) SDK v1, whose class has another name.
CREDENTIALS_PROVIDER_SDK_V2 = "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider"
CREDENTIALS_PROVIDER_SDK_V1 = "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"


class SparkSetupError(RuntimeError):
    """Spark could not start or could not read: the message is one line that says what to do."""


@dataclass
class SparkSettings:
    app_name: str = "porting-code"  # shown in the Spark UI
    master: str | None = "local[*]"  # None: leave it to spark-submit / the cluster manager
    driver_memory: str = "2g"  # local mode: the driver is also the only executor
    shuffle_partitions: int = 8  # the default 200 is far too many for a sample on a laptop
    arrow: bool = True  # toPandas / createDataFrame / pandas UDFs move columns through Arrow
    arrow_batch_rows: int = 10_000  # rows per Arrow record batch sent to a pandas UDF
    s3a: bool = False  # add hadoop-aws (fetched from Maven) to read s3a://commoncrawl/ with AWS credentials
    extra_config: dict[str, str] = field(default_factory=dict)  # any other spark.* setting


def java_version() -> str:
    """The ``java -version`` line, e.g. 'openjdk version "17.0.15"'. SparkSetupError when there is none."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise SparkSetupError(
            "Java was not found (no JAVA_HOME, no java on PATH): Spark 4 needs Java 17 or 21; "
            "install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    lines = (result.stderr or result.stdout).strip().splitlines()
    if result.returncode != 0 or not lines:
        raise SparkSetupError(f"{java} -version failed ({result.returncode}): check JAVA_HOME or reinstall Java")
    return lines[0]


def bundled_hadoop_version() -> str | None:
    """Version of the Hadoop client jars inside the installed PySpark, e.g. "3.4.1", read from the jar
    file names (no JVM needed). hadoop-aws must have exactly this version."""
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    for jar in sorted(jars.glob("hadoop-client-api-*.jar")):
        match = re.fullmatch(r"hadoop-client-api-(\d+\.\d+\.\d+)\.jar", jar.name)
        if match:
            return match.group(1)
    return None


def s3a_config(hadoop_version: str, credentials_provider: str | None = None) -> dict[str, str]:
    """The settings that let Spark read ``s3a://commoncrawl/...``: hadoop-aws matching the bundled
    Hadoop (a different version fails with NoSuchMethodError or ClassNotFoundException) and the
    AWS credential chain. Anonymous access to the commoncrawl bucket ended in 2022."""
    if not re.fullmatch(r"\d+\.\d+\.\d+", hadoop_version or ""):
        raise ValueError(f"hadoop_version must look like 3.4.1, got {hadoop_version!r}")
    if credentials_provider is None:
        major, minor = (int(number) for number in hadoop_version.split(".")[:2])
        credentials_provider = CREDENTIALS_PROVIDER_SDK_V2 if (major, minor) >= (3, 4) else CREDENTIALS_PROVIDER_SDK_V1
    return {
        "spark.jars.packages": f"org.apache.hadoop:hadoop-aws:{hadoop_version}",
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.aws.credentials.provider": credentials_provider,
        "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",  # where the commoncrawl bucket lives
    }


def reachable(url: str, timeout: float = 5.0) -> bool:
    """True when an HTTP(S) request to ``url`` gets any HTTP answer (even 403 or 404)."""
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout).close()
        return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def session_config(settings: SparkSettings) -> dict[str, str]:
    """All spark.* settings of a session, as strings."""
    config = {
        "spark.app.name": settings.app_name,
        "spark.driver.memory": settings.driver_memory,
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.sql.execution.arrow.pyspark.enabled": str(settings.arrow).lower(),
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",  # fail loudly rather than go slow
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(settings.arrow_batch_rows),
        "spark.ui.showConsoleProgress": "false",  # progress bars clutter notebook outputs
        # read when the driver's JVM starts (a URI: a path with spaces stays one option)
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG4J2_PROPERTIES.as_uri()}",
    }
    if settings.master:
        config["spark.master"] = settings.master
    if settings.s3a:
        hadoop_version = bundled_hadoop_version()
        if hadoop_version is None:
            raise SparkSetupError("cannot tell the Hadoop version bundled with PySpark (no hadoop-client-api jar)")
        config.update(s3a_config(hadoop_version))
    for key, value in settings.extra_config.items():
        config[key] = f"{config[key]} {value}" if key == "spark.driver.extraJavaOptions" else value
    return config


# The one start-up note no log4j setting reaches: the JVM's module system prints it (Spark 4 adds the module).
JVM_START_UP_LINE = re.compile(r"WARNING: Using incubator modules")


def start_session(settings: SparkSettings | None = None):
    """A SparkSession with Arrow enabled, or SparkSetupError with a message that says what to do.

    Locally it binds Spark to 127.0.0.1 (no surprise from the machine's network setup) and makes the
    Python workers run this interpreter, so pandas UDFs find the same packages as the notebook.
    """
    settings = settings or SparkSettings()
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkSetupError("PySpark is not installed: pip install -r requirements.txt") from error
    java_version()
    if settings.master and settings.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # The Python workers are new processes: they import `helpers` from PYTHONPATH, not from the
    # notebook's sys.path (Colab's setup cell only inserts the clone there). The JVM, started below,
    # passes this environment on to them.
    paths = [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]
    root = str(Path(__file__).resolve().parent.parent)
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
    # PySpark warns on every pandas call when pandas is newer than it knows ("does not yet fully support
    # pandas >= 3.0.0"); everything this project does with it is tested, so the warning is noise.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module=r"pyspark\.")
    config = session_config(settings)
    if "spark.jars.packages" in config and not reachable(MAVEN_REPOSITORY):
        raise SparkSetupError(
            f"cannot reach {MAVEN_REPOSITORY} to download {config['spark.jars.packages']}: no network? "
            "Download the jars by hand and pass them with spark.jars, or read over HTTPS instead of s3a")
    builder = SparkSession.builder
    for key, value in config.items():
        builder = builder.config(key, value)
    try:
        # the JVM, and the Python workers it starts (TensorFlow's start-up lines, when a UDF loads a model),
        # keep the filtered stream for their whole life
        with standard_error_filtered(re.compile(f"(?:{JVM_START_UP_LINE.pattern})|(?:{NATIVE_LOG_LINE.pattern})"),
                                     wait=False):
            spark = builder.getOrCreate()
    except Exception as error:  # JAVA_GATEWAY_EXITED and friends: the reason is on the JVM's stderr
        raise SparkSetupError(
            f"Spark did not start ({first_line(error)}); the JVM's own message is in this process's "
            "standard error (the terminal, or the Colab runtime log). Common causes: a Java older than 17, "
            "spark.jars.packages that cannot be downloaded, a port blocked by a firewall") from error
    spark.sparkContext.setLogLevel("ERROR")  # for a JVM started without LOG4J2_PROPERTIES (spark-submit)
    return spark


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def explain_read_error(path: str, error: BaseException) -> str:
    """One line saying why Spark could not read ``path`` and what to do, from a JVM exception."""
    text = str(error)
    if "PATH_NOT_FOUND" in text or "Path does not exist" in text or "FileNotFoundException" in text:
        return f"{path} does not exist (if it is the embedded sample: python -m helpers make-sample-data)"
    if 'No FileSystem for scheme "s3a"' in text or "S3AFileSystem not found" in text or (
            "ClassNotFoundException" in text and "s3a" in text.lower()):
        return (f"cannot read {path}: the s3a filesystem (hadoop-aws) is not loaded; start the session with "
                "SparkSettings(s3a=True), or read over HTTPS (python -m helpers commoncrawl-sample ...)")
    if "403" in text or "AccessDenied" in text or "Forbidden" in text:
        return (f"S3 refused {path} (403 Forbidden): anonymous access to the commoncrawl bucket ended in 2022; "
                "set AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or read over HTTPS from "
                "https://data.commoncrawl.org/")
    if "NoCredentialsProvider" in text or "Unable to load AWS credentials" in text or "NoAuthWithAWS" in text:
        return f"cannot read {path}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if "UnknownHost" in text or "Unable to execute HTTP request" in text or "ConnectException" in text:
        return f"cannot reach the storage of {path}: no network, or a proxy blocks it"
    return f"cannot read {path}: {first_line(error)}"


def read_parquet(spark, path: str | Path, columns: list[str] | None = None):
    """``spark.read.parquet(path)`` (optionally selecting columns), with SparkSetupError instead of a
    JVM stack trace. Column pruning means only the selected columns are read from storage."""
    path = str(path)
    try:
        frame = spark.read.parquet(path)
        return frame.select(*columns) if columns else frame
    except Exception as error:  # AnalysisException, Py4JJavaError: both carry the JVM text
        raise SparkSetupError(explain_read_error(path, error)) from None


def validation_column(url_column: str = "url", validation_fraction: float = 0.1, by_host: bool = False):
    """A Spark column, True for the URLs of the validation split: ``helpers.data.is_validation`` run
    unchanged in a pandas UDF on every executor, so Spark and pandas always agree on the split. With
    ``by_host`` the hash is of ``helpers.data.split_key`` (the host), as ``split_by_host`` does: every
    URL of a site lands on the same side."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    from helpers.data import is_validation, split_key

    if not 0.0 <= validation_fraction <= 1.0:
        raise ValueError(f"validation_fraction must be in [0, 1], got {validation_fraction}")

    def in_validation(urls):
        keys = [split_key(url) for url in urls] if by_host else urls
        return pd.Series(is_validation(keys, validation_fraction), index=urls.index)

    # real type objects, not the strings that `from __future__ import annotations` would leave
    in_validation.__annotations__ = {"urls": pd.Series, "return": pd.Series}
    return pandas_udf(in_validation, "boolean")(url_column)


def function_column(task: str, url_column: str = "url"):
    """A Spark column with the real function's output (compact JSON) for each URL: the training
    target, computed on the executors by ``helpers.functions`` unchanged. Null where the real
    function rejects the input (``ValueError``, e.g. an invalid IPv6 literal)."""
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    from helpers.functions import get_function

    function = get_function(task)

    def output_text_or_none(text: str):
        try:
            return function.output_text(text)
        except ValueError:
            return None

    def outputs(urls):
        return urls.map(output_text_or_none)

    outputs.__annotations__ = {"urls": pd.Series, "return": pd.Series}
    return pandas_udf(outputs, "string")(url_column)


def ship_helpers(spark) -> Path:
    """Zip the ``helpers`` package and add it to the session (``addPyFile``), so that executors on
    other machines can import it. Locally it is already importable; on a cluster this is the one
    extra step. Returns the zip's path."""
    import tempfile
    import zipfile

    package = Path(__file__).resolve().parent
    archive = Path(tempfile.mkdtemp(prefix="porting-helpers-")) / "helpers.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for source in sorted(package.glob("*.py")):
            zipped.write(source, f"helpers/{source.name}")
    spark.sparkContext.addPyFile(str(archive))
    return archive
