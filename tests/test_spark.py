"""Local Spark on the embedded sample: one SparkSession for this module, stopped at its end."""

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.data import SAMPLE_PATH, is_validation, read_sample
from helpers.spark import (SparkSettings, SparkSetupError, bundled_hadoop_version, read_parquet, s3a_config,
                           session_config, start_session, validation_column)

pyspark = pytest.importorskip("pyspark")
pytestmark = [  # PySpark 4 with pandas 3 (pyproject.toml allows both): noise, not failures (the tests check the results)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def spark():
    session = start_session(SparkSettings(app_name="porting-code-tests", shuffle_partitions=2))
    yield session
    session.stop()


def test_reads_embedded_sample_and_hands_it_to_pandas_through_arrow(spark):
    frame = read_parquet(spark, SAMPLE_PATH, columns=["url", "url_protocol", "fetch_status"])
    assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert frame.count() == len(read_sample(columns=["url"]))
    web = frame.filter("url_protocol IN ('http', 'https')")
    sample = web.sample(fraction=0.05, seed=1).toPandas()
    assert 0 < len(sample) < 0.1 * frame.count()
    assert sample["fetch_status"].isna().all()  # real URLs without captures: the column is null
    assert set(sample["url_protocol"]) <= {"http", "https"}
    assert list(sample.columns) == ["url", "url_protocol", "fetch_status"]


def test_spark_split_equals_pandas_split_and_never_leaks(spark):
    from helpers.data import split_by_host, split_key

    frame = read_parquet(spark, SAMPLE_PATH, columns=["url"]).limit(5000)
    marked = frame.withColumn("validation", validation_column("url", 0.1)).toPandas()
    assert marked["validation"].tolist() == is_validation(marked["url"], 0.1).tolist()
    leaked = marked.groupby("url")["validation"].nunique()
    assert (leaked == 1).all()
    by_host = frame.withColumn("validation", validation_column("url", 0.1, by_host=True)).toPandas()
    held_out = set(split_by_host(by_host["url"].tolist(), 0.1)[1])
    assert by_host["validation"].tolist() == [url in held_out for url in by_host["url"]]
    assert (by_host.assign(site=by_host["url"].map(split_key)).groupby("site")["validation"].nunique() == 1).all()


def test_the_split_notebook_02_writes_is_the_split_real_url_split_computes(spark, tmp_path):
    """Notebook 02's parquet split (partitioned by side), read back by read_split_folder, holds the same
    URLs on each side as helpers.data.real_url_split: the split the training notebooks read either way."""
    from helpers.data import read_split_folder, real_url_split

    frame = read_parquet(spark, SAMPLE_PATH, columns=["url"])
    marked = frame.withColumn("validation", validation_column("url", 0.1, by_host=True))
    marked.write.mode("overwrite").partitionBy("validation").parquet(str(tmp_path / "split"))
    training, held_out = read_split_folder(tmp_path / "split")
    expected_training, expected_held_out = real_url_split(0.1)
    assert sorted(training) == sorted(expected_training) and sorted(held_out) == sorted(expected_held_out)


def test_read_errors_are_one_clear_line(spark):
    with pytest.raises(SparkSetupError, match="does not exist") as missing:
        read_parquet(spark, "/nonexistent/cc-index.parquet")
    assert "\n" not in str(missing.value)
    with pytest.raises(SparkSetupError, match="hadoop-aws"):
        read_parquet(spark, "s3a://commoncrawl/cc-index/table/cc-main/warc/")


QUIET_START = """
from helpers.spark import SparkSettings, SparkSetupError, read_parquet, start_session
spark = start_session(SparkSettings(master="local[1]", shuffle_partitions=1))
spark._jvm.org.apache.logging.log4j.LogManager.getLogger("porting.test").error("a real problem")
try:
    read_parquet(spark, "/nonexistent/cc-index.parquet")
except SparkSetupError as error:
    print(error)
spark.stop()
"""


def test_a_session_starts_quietly_and_errors_still_show():
    """helpers/log4j2.properties, not a filter, keeps Spark's start-up notes off standard error."""
    done = subprocess.run([sys.executable, "-c", QUIET_START], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines() == [
        "/nonexistent/cc-index.parquet does not exist (if it is the embedded sample: python -m helpers make-sample-data)"]
    for note in ["NativeCodeLoader", "Using Spark's default log4j profile", "Setting default log level",
                 "setLogLevel", " WARN ", "incubator"]:
        assert note not in done.stderr
    assert [line.split(" ", 2)[2] for line in done.stderr.strip().splitlines()] == ["ERROR test: a real problem"]


def test_s3a_settings_match_the_bundled_hadoop():
    version = bundled_hadoop_version()
    assert version is not None
    config = session_config(SparkSettings(s3a=True))
    assert config["spark.jars.packages"] == f"org.apache.hadoop:hadoop-aws:{version}"
    with pytest.raises(ValueError, match="hadoop_version"):
        s3a_config("latest")
    assert "awssdk" in s3a_config("3.5.0")["spark.hadoop.fs.s3a.aws.credentials.provider"]  # AWS SDK v2
    assert "amazonaws" in s3a_config("3.3.4")["spark.hadoop.fs.s3a.aws.credentials.provider"]  # SDK v1 (PySpark 3.5)


def test_missing_java_is_explained(monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/nonexistent-java")
    with pytest.raises(SparkSetupError, match="Java was not found"):
        start_session()


def test_unreachable_maven_is_explained(monkeypatch):
    import helpers.spark

    monkeypatch.setattr(helpers.spark, "MAVEN_REPOSITORY", "http://127.0.0.1:9/")  # nothing listens on port 9
    with pytest.raises(SparkSetupError, match=r"cannot reach http://127.0.0.1:9/ to download org.apache.hadoop:hadoop-aws"):
        start_session(SparkSettings(s3a=True))


def test_real_function_runs_unchanged_on_spark(spark):
    from helpers.functions import get_function
    from helpers.spark import function_column

    frame = read_parquet(spark, SAMPLE_PATH, columns=["url"]).limit(300)
    pairs = frame.select("url", function_column("urlparse", "url").alias("target")).toPandas()
    assert pairs["target"].tolist() == [get_function("urlparse").output_text(url) for url in pairs["url"]]


def test_s3_refusals_are_explained():
    from helpers.spark import explain_read_error

    java_text = ("py4j.protocol.Py4JJavaError: An error occurred while calling o42.parquet.\n"
                 ": java.nio.file.AccessDeniedException: s3a://commoncrawl/x: getFileStatus on s3a://commoncrawl/x: "
                 "software.amazon.awssdk.services.s3.model.S3Exception: Forbidden (Service: S3, Status Code: 403)")
    message = explain_read_error("s3a://commoncrawl/x", RuntimeError(java_text))
    assert "403 Forbidden" in message and "2022" in message and "\n" not in message
