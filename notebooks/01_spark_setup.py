# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Spark set-up: a session that starts, and data it can read
#
# **Introduction.** The series learns functions of URLs, and the best source of real URLs is
# Common Crawl's *columnar index*: one row per captured page, billions per crawl, stored as parquet
# files. That is far more than pandas can hold, so we read it with Spark and bring only a sample to
# pandas.
#
# The original recipe for this is broken today: anonymous S3 access to Common Crawl ended in 2022,
# and the Spark, Java and Hadoop versions in Colab have moved on. This notebook shows what works now:
#
# 1. a local SparkSession (Colab's preinstalled PySpark, or the one from `requirements.txt`) with
#    Arrow switched on, so that columns move between the JVM and pandas without per-row pickling;
# 2. the data that runs anywhere: a sample embedded in the repository (`data/`): 46,148 real URLs
#    under open licenses, with the index's columns;
# 3. the two ways to the real index: over **HTTPS** (no credentials, what we use) and through
#    **`s3a`** with `hadoop-aws` (for readers with AWS credentials, or running in `us-east-1`);
# 4. what a failure looks like: one line that says what to do, not a JVM stack trace.
#
# All the Spark code lives in `helpers/spark.py` and `helpers/commoncrawl.py`; this notebook shows how
# to use it.

# %% [markdown]
# ## Setup
# One cell, the same in every notebook. In Colab it fetches the project and installs only what Colab
# lacks; on your own machine it just makes `helpers` importable. Use a GPU runtime in Colab if you
# have one: the LSTMs then run on cuDNN. Every time and figure stored here comes from 2 CPU cores.

# %%
import os, subprocess, sys
from pathlib import Path

REPOSITORY_URL = os.environ.get("PORTING_REPOSITORY", "https://github.com/porting-code/porting-code")
if "google.colab" in sys.modules:
    if not Path("/content/porting-code").exists():
        subprocess.run(["git", "clone", "--depth=1", REPOSITORY_URL, "/content/porting-code"], check=True)
    subprocess.run(["bash", "/content/porting-code/setup_colab.sh"], check=True)
    sys.path.insert(0, "/content/porting-code")
else:
    sys.path.insert(0, str(Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()))

from helpers.environment import describe

environment = describe()

# %%
import time

import pyspark
from pyspark.sql import functions as F

from helpers.commoncrawl import SamplerConfig, live_sample_or_fallback
from helpers.data import SAMPLE_PATH
from helpers.spark import (SparkSettings, SparkSetupError, bundled_hadoop_version, function_column, java_version,
                           read_parquet, s3a_config, start_session)

# %% [markdown]
# ## Configuration
# Everything this notebook can change, with its reason. Set `FETCH_REAL_SAMPLE = False` to stay off the
# network: the notebook then runs on the embedded sample only.

# %%
SPARK = SparkSettings(
    master="local[*]",  # every core of this machine; on a cluster use master=None (see notebook 02)
    driver_memory="2g",  # local mode: the driver is the only executor; 2 GB holds a sample easily
    shuffle_partitions=8,  # the default 200 makes tiny tasks on a laptop
)
CRAWL = "CC-MAIN-2024-33"  # a crawl of August 2024; any id from https://index.commoncrawl.org/collinfo.json works
REAL_SAMPLE_ROWS = 20_000  # rows of the real sample (from 4 index parts): ~10 s of polite requests
REAL_SAMPLE_PATH = environment.output / "cc-sample.parquet"  # notebook 02 reads it when it exists
FETCH_REAL_SAMPLE = not environment.smoke  # a shortened run stays off the network
PANDAS_ROWS = 5_000 if environment.smoke else 50_000  # rows brought to pandas in the Arrow timing

# %% [markdown]
# ## Java and PySpark
# Spark runs in a Java virtual machine; PySpark drives it from Python. Spark 4 needs Java 17 or 21.
# Colab has both preinstalled; on your machine `java -version` must work (or `JAVA_HOME` must be set).
# PySpark ships its own Hadoop client jars: their version matters for `s3a` below.

# %%
print("Java:   ", java_version())
print("PySpark:", pyspark.__version__)
print("Hadoop bundled with PySpark:", bundled_hadoop_version())

# %% [markdown]
# ## Start a session
# `start_session` sets three things the defaults get wrong:
# * `SPARK_LOCAL_IP=127.0.0.1` locally, so Spark does not guess a network interface;
# * `PYSPARK_PYTHON` = this notebook's Python, so the Python workers that run pandas UDFs import the
#   same packages (without it they take `python3` from `PATH`, and fail with *No module named pandas*);
# * Arrow for `toPandas()` and pandas UDFs, with the silent fallback to the slow path turned off.
#
# The first start takes a few seconds: a JVM boots.

# %%
started = time.perf_counter()
spark = start_session(SPARK)
print(f"Spark {spark.version} on {spark.sparkContext.master} started in {time.perf_counter() - started:.1f} s")
print("Arrow:", spark.conf.get("spark.sql.execution.arrow.pyspark.enabled"))

# %% [markdown]
# ## The embedded sample
# `data/cc-index-sample.parquet` has the columns of Common Crawl's index, filled from the 46,148 real
# URLs of `data/real_urls.txt` (links collected from saved web pages and a web directory, under the
# MIT and Apache-2.0 licenses; `data/README.md` says where each comes from; `python -m helpers
# make-sample-data` rebuilds it). What a URL gives is there: host, scheme, port, path, query. What
# only a crawl gives stays **null**: there was no capture, so no fetch status, no MIME type, no crawl
# or subset. Spark reads only the columns a query uses. Rows are sorted by reversed host name, like a
# real index part, so the first rows are not typical: we look at a random few.

# %%
index = read_parquet(spark, SAMPLE_PATH)
index.printSchema()
print(f"{index.count():,} rows")

# %%
columns = ["url", "url_protocol", "url_host_name", "url_port", "fetch_status", "content_mime_type"]
index.select(*columns).orderBy(F.rand(seed=7)).show(5, truncate=60)

# %% [markdown]
# ## From Spark to pandas through Arrow
# `toPandas()` with Arrow ships whole columns; without it every row is pickled one by one. The timing
# below shows the difference on this machine.

# %%
subset = index.select("url", "url_protocol", "fetch_status").limit(PANDAS_ROWS).cache()
subset.toPandas()  # materialize the cache and warm up the Arrow path, so both timings measure only the transfer
timings = {}
for arrow in ("true", "false"):
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", arrow)
    started = time.perf_counter()
    frame = subset.toPandas()
    timings[arrow] = time.perf_counter() - started
spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
print(f"{len(frame):,} rows to pandas: with Arrow {timings['true']:.2f} s, without {timings['false']:.2f} s")
frame.head()

# %% [markdown]
# ## The real function, run by Spark
# A pandas UDF runs Python on the executors, one Arrow batch at a time. `function_column` applies the
# registry's real `urlparse` to every URL: this is how training pairs for millions of URLs are made,
# with the very function the model must imitate.

# %%
pairs = index.select("url", function_column("urlparse", "url").alias("target")).limit(5).toPandas()
pairs

# %% [markdown]
# ## The real index, way 1: HTTPS (no credentials)
# `https://data.commoncrawl.org/` serves the same files as the `s3://commoncrawl/` bucket. Spark cannot
# seek inside a file over plain HTTPS, so a small sampler does it with pyarrow: it lists the index
# parts of a crawl, picks a few at random (each part is sorted by host, so one part is one family of
# hosts), and reads only the needed columns of a few row groups through HTTP range requests, slowly
# (2 requests per second) and with back-off when the server says 503. The same as a command:
#
# ```bash
# python -m helpers commoncrawl-sample --crawl CC-MAIN-2024-33 --rows 20000 --out cc-sample.parquet
# ```
#
# `live_sample_or_fallback` returns the sample and one line that says where it came from. Without
# network it stops at the first request and falls back to the embedded sample; notebook 02 then uses
# that too.

# %%
real, source = live_sample_or_fallback(SamplerConfig(crawl=CRAWL, rows=REAL_SAMPLE_ROWS), REAL_SAMPLE_PATH,
                                       SAMPLE_PATH, fetch=FETCH_REAL_SAMPLE)
print(source)

# %% [markdown]
# ## The real index, way 2: `s3a` with AWS credentials
# With AWS credentials (or inside AWS, in `us-east-1`, where the bucket lives) Spark can read the index
# directly: `spark.read.parquet("s3a://commoncrawl/cc-index/table/cc-main/warc/")`. That needs the
# `hadoop-aws` jar of **exactly** the Hadoop version bundled with PySpark (another version fails with
# `NoSuchMethodError`), downloaded from Maven Central when the session starts. `SparkSettings(s3a=True)`
# adds these settings:

# %%
for key, value in s3a_config(bundled_hadoop_version()).items():
    print(f"{key} = {value}")

# %% [markdown]
# Anonymous access ended in 2022, so without credentials S3 answers 403. The next cell only tries
# when `AWS_ACCESS_KEY_ID` is set; it restarts Spark with `hadoop-aws`.

# %%
S3_PATH = f"s3a://commoncrawl/cc-index/table/cc-main/warc/crawl={CRAWL}/subset=warc/"
if os.environ.get("AWS_ACCESS_KEY_ID") and not environment.smoke:
    spark.stop()
    try:
        spark = start_session(SparkSettings(s3a=True))
        read_parquet(spark, S3_PATH, columns=["url", "url_protocol"]).limit(5).show(truncate=80)
    except SparkSetupError as error:
        print(error)
        spark = start_session(SPARK)
else:
    print("no AWS credentials in the environment: s3a skipped (HTTPS above needs none)")

# %% [markdown]
# ## When it fails
# Each of these would be a page of JVM stack trace; `helpers.spark` turns them into one line that says
# what to do. Reading `s3a://` without `hadoop-aws` loaded:

# %%
try:
    read_parquet(spark, S3_PATH)
except SparkSetupError as error:
    print(error)

# %% [markdown]
# A path that does not exist, and a machine without Java:

# %%
try:
    read_parquet(spark, "/no/such/cc-index.parquet")
except SparkSetupError as error:
    print(error)

saved_java_home = os.environ.get("JAVA_HOME")
os.environ["JAVA_HOME"] = "/no/such/java"
try:
    java_version()
except SparkSetupError as error:
    print(error)
finally:
    if saved_java_home is None:
        del os.environ["JAVA_HOME"]
    else:
        os.environ["JAVA_HOME"] = saved_java_home

# %% [markdown]
# ## Next
# Notebook 02 reads the index (the real sample if this notebook made one, else the embedded one),
# filters it, splits it into training and validation URLs without leaks, and turns URLs into the
# arrays the model trains on.

# %%
spark.stop()
