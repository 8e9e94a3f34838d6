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
# # 02 · URL wrangling: from an index of URLs to training batches
#
# **Introduction.** Notebook 01 started Spark and found the data. Here we go from Common Crawl's
# index to what the model eats:
#
# 1. Spark reads the index, keeps the rows that are web pages, and looks at them;
# 2. a train/validation split by a **hash of the host**, so that no site is on both sides, whatever
#    the order of the rows or the machine that computes it: the split notebook 04 evaluates on;
# 3. a sample comes to pandas through Arrow, for plots;
# 4. a batch of URLs becomes numpy arrays (and back, in a pandas table, for debugging);
# 5. an infinite stream of training batches, and a check that it is fast enough never to starve the
#    model.
#
# Locally the index is the embedded sample in `data/` (46,148 real URLs with the index's columns, the
# capture columns null); after notebook 01 has fetched a sample of Common Crawl, the same cells run on
# it.

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
import itertools
import time

import matplotlib.pyplot as plt
import pandas as pd
from pyspark.sql import functions as F

from helpers.data import (SAMPLE_PATH, batch_view, measure_throughput, read_split_folder, real_url_split,
                          url_training_batches, vectorize_batch)
from helpers.functions import get_function
from helpers.spark import SparkSettings, function_column, read_parquet, start_session, validation_column

# %% [markdown]
# ## Configuration

# %%
REAL_SAMPLE_PATH = environment.output / "cc-sample.parquet"  # written by notebook 01 when it can reach Common Crawl
INDEX_PATH = REAL_SAMPLE_PATH if REAL_SAMPLE_PATH.exists() and not environment.smoke else SAMPLE_PATH
TASK = "urlparse"  # the function of notebook 04; its real outputs are the training targets
VALIDATION_FRACTION = 0.1  # share of hosts held out, decided by a hash of the host (no site on both sides)
PANDAS_FRACTION = 0.05 if environment.smoke else 0.5  # share of the web pages brought to pandas for plots
BATCH_SIZE = 128  # the training batch of notebooks 03 and 04
BENCHMARK_SECONDS = 2.0 if environment.smoke else 15.0  # how long to draw batches when measuring throughput
OUTPUT_PATH = environment.output / "02_urls"  # the split URLs, as parquet, for later notebooks
print("index:", "the Common Crawl sample of notebook 01" if INDEX_PATH == REAL_SAMPLE_PATH
      else f"the embedded sample data/{SAMPLE_PATH.name}")

# %% [markdown]
# ## Read and filter with Spark
# The index holds every capture: pages, redirects, errors, images. Like the article, we keep web
# pages: `http`/`https` with a host, status 200, HTML. The embedded sample also holds relative links,
# `mailto:` and `javascript:` links taken from web pages, which the real index does not: the first two
# steps remove them. It has no captures (status and MIME type are null), so the last two steps, which
# let null pass, keep every row there; on a real sample they remove redirects, errors and images. One
# Spark job counts the rows left after each step.

# %%
spark = start_session(SparkSettings())
index = read_parquet(spark, INDEX_PATH)
print(f"{index.count():,} rows")
index.groupBy("url_protocol").count().orderBy(F.desc("count")).show(8)

# %%
STEPS = {  # the filter, one step after the other; null status or MIME type passes (a URL list has no capture)
    "scheme http or https": F.col("url_protocol").isin("http", "https"),
    "has a host": F.col("url_host_name").isNotNull(),
    "status 200": F.col("fetch_status").isNull() | (F.col("fetch_status") == 200),
    "MIME text/html": F.col("content_mime_type").isNull() | (F.col("content_mime_type") == "text/html"),
}
kept = list(itertools.accumulate(STEPS.values(), lambda left, right: left & right))
counts = index.agg(F.count("*").alias("rows"),
                   *[F.sum(F.coalesce(condition, F.lit(False)).cast("int")).alias(name)
                     for name, condition in zip(STEPS, kept)],
                   *[F.sum(F.col(column).isNull().cast("int")).alias(column)
                     for column in ("fetch_status", "content_mime_type")]).first().asDict()
after = [counts["rows"]] + [counts[name] for name in STEPS]
steps = pd.DataFrame({"step": list(STEPS), "rows before": after[:-1], "rows after": after[1:]})
print(steps.assign(dropped=steps["rows before"] - steps["rows after"]).to_string(index=False))
capture_dropped = after[2] - after[4]
if capture_dropped == 0 and counts["fetch_status"] == counts["content_mime_type"] == counts["rows"]:
    print(f"status and MIME steps keep every row: fetch_status and content_mime_type are null in all "
          f"{counts['rows']:,} rows (a list of URLs has no capture), and a null passes")
else:
    print(f"status and MIME steps drop {capture_dropped:,} rows; null in {counts['fetch_status']:,} statuses "
          f"and {counts['content_mime_type']:,} MIME types of {counts['rows']:,} rows")
pages = index.filter(kept[-1]).select("url", "url_protocol", "url_host_name", "url_path", "url_query")

# %% [markdown]
# ## A split that never leaks
# A random split of *rows* leaks: a URL that occurs twice (two captures, two crawls) can land on both
# sides, and validation then measures memory. Splitting on the URL text fixes that, but pages of one
# site share their host, their path layout, their odd habits: a model tested on other pages of sites
# it trained on is tested on easy cases. So we split on the **host**: a URL is held out when a stable
# hash (BLAKE2b, not Python's per-process salted `hash()`) of its host (of the whole text, for a link
# without one) falls in the lowest 10% of buckets. `validation_column(..., by_host=True)` runs
# `helpers.data.is_validation` on `helpers.data.split_key` unchanged in a pandas UDF, so Spark, pandas
# and every executor of a cluster agree, and `helpers.data.real_url_split()`, which notebook 04 calls,
# gives the same split without Spark.
#
# The split covers every row of the index, not only the web pages above: `urlparse` takes any string,
# and notebook 04 trains and tests on relative links and `mailto:` links too.

# %%
marked = index.withColumn("validation", validation_column("url", VALIDATION_FRACTION, by_host=True))
sites = (marked.withColumn("site", F.coalesce("url_host_name", "url")).groupBy("site")
         .agg(F.countDistinct("validation").alias("sides"), F.max("validation").cast("int").alias("held_out"),
              F.count("*").alias("rows")))
split = sites.agg(F.sum("held_out").alias("held_out_sites"), F.count("*").alias("sites"),
                  F.sum(F.col("rows") * F.col("held_out")).alias("held_out_rows"), F.sum("rows").alias("rows"),
                  F.sum((F.col("sides") > 1).cast("int")).alias("both_sides")).first()
print(f"held out: {split.held_out_rows:,} of {split.rows:,} rows, from {split.held_out_sites:,} of {split.sites:,} "
      f"sites; sites on both sides: {split.both_sides}")

# %% [markdown]
# The split written once, as parquet partitioned by side, and read back the way notebook 04 reads it
# (`helpers.data.read_split_folder`); every later cell uses what was read back:

# %%
marked.select("url", "validation").write.mode("overwrite").partitionBy("validation").parquet(str(OUTPUT_PATH))
training_urls, held_out_urls = read_split_folder(OUTPUT_PATH)
print(f"{OUTPUT_PATH.name}/ read back: {len(training_urls):,} training URLs, {len(held_out_urls):,} held out")
if INDEX_PATH == SAMPLE_PATH:  # notebook 04 computes the same split from data/ when this folder is missing
    same = [sorted(urls) for urls in real_url_split(VALIDATION_FRACTION)] == [sorted(training_urls), sorted(held_out_urls)]
    print("the same split as helpers.data.real_url_split():", same)

# %% [markdown]
# ## A sample in pandas, through Arrow
# `sample` draws a fraction of the rows on the executors; only that comes to the driver.

# %%
started = time.perf_counter()
sample = pages.sample(fraction=PANDAS_FRACTION, seed=1).toPandas()
seconds = time.perf_counter() - started
print(f"{len(sample):,} of {after[-1]:,} web pages ({PANDAS_FRACTION:.0%} drawn) in pandas in {seconds:.1f} s")
sample[["url", "url_host_name"]].head(3)

# %% [markdown]
# ## What the data looks like
# Scheme shares over the whole index (counted by Spark), and the length of URLs in UTF-8 bytes, which
# is what the model reads: the encoder accepts at most 256 bytes.

# %%
schemes = index.groupBy("url_protocol").count().orderBy(F.desc("count")).limit(8).toPandas()
schemes["url_protocol"] = schemes["url_protocol"].replace("", "(none: relative)")
lengths = sample["url"].str.encode("utf-8").str.len()
maximum_bytes = get_function(TASK).max_input_bytes

figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
left.barh(schemes["url_protocol"][::-1], schemes["count"][::-1] / schemes["count"].sum())
left.set_xlabel("share of all rows")
left.set_title("schemes in the index")
right.hist(lengths, bins=60)
right.axvline(maximum_bytes, color="red", linestyle="--", label=f"model limit: {maximum_bytes} bytes")
right.set_xlabel("URL length (UTF-8 bytes)")
right.set_title("web page URLs")
right.legend()
plt.show()
print(f"median {lengths.median():.0f} bytes, 99th percentile {lengths.quantile(0.99):.0f}, "
      f"over the limit: {(lengths > maximum_bytes).mean():.2%}")

# %% [markdown]
# ## Training pairs on the executors
# The real `urlparse`, applied by Spark to each URL, gives the targets (notebook 01 showed the UDF):

# %%
pages.select("url", function_column(TASK, "url").alias("target")).show(3, truncate=70)

# %% [markdown]
# ## A batch of URLs as arrays
# `vectorize_batch` gives what the model trains on with teacher forcing: encoder ids (URL bytes + END),
# decoder ids (START + target bytes) and decoder targets (target bytes + END), each padded to a
# multiple of 8. Arrays of ids are hard to read; `batch_view` shows a batch as a table, one row per
# example, with every id array decoded back to text. (The article did this with
# `pd.DataFrame(locals())`; naming the columns keeps unrelated variables out.)

# %%
urls = sample["url"].head(4).tolist()
targets, features, decoder_targets = vectorize_batch(urls, get_function(TASK))
for name, array in {**features, "decoder_targets": decoder_targets}.items():
    print(f"{name:16} {array.shape} {array.dtype}")

# %%
batch_view(url=urls, target=targets, **features, decoder_targets=decoder_targets)

# %% [markdown]
# ## The infinite training stream
# Training never runs out of data: `url_training_batches` reshuffles the training URLs after each
# pass, groups URLs of similar length into the same batch (less padding, and on a CPU time steps are
# the cost), and skips the URLs longer than the model accepts. It draws from the training side of the
# split read back above; held-out URLs never enter it.

# %%
too_long = sum(len(url.encode("utf-8")) > maximum_bytes for url in training_urls)
print(f"{len(training_urls):,} training URLs of the split; {too_long:,} over {maximum_bytes} bytes are skipped")
stream = url_training_batches(training_urls, get_function(TASK), batch_size=BATCH_SIZE)
for features, decoder_targets in itertools.islice(stream, 3):
    print("encoder", features["encoder_ids"].shape, "decoder", features["decoder_ids"].shape)

# %%
seen = set(batch_view(encoder_ids=features["encoder_ids"])["encoder_ids"])
print(f"held-out URLs in the last batch: {len(seen & set(held_out_urls))} of {len(seen)}")

# %% [markdown]
# ## Fast enough?
# The stream computes the real function and the arrays on the CPU while the model trains. It must
# produce URLs faster than training consumes them, or the model waits. `tools/benchmark_vectorization.py`
# measures both sides on this machine (it times a few training steps too); here the stream alone:

# %%
result = measure_throughput(stream, BENCHMARK_SECONDS)
print(f"{result['urls_per_second']:,.0f} URLs/s through real function + vectorization "
      f"({result['batches']} batches of {BATCH_SIZE} in {result['seconds']} s, one core)")

# %% [markdown]
# ## On a cluster
# The same code runs on a Spark cluster unchanged; only the session and the data location differ:
#
# * `SparkSettings(master=None, driver_memory=..., shuffle_partitions=200, s3a=True)` and start the job
#   with `spark-submit` (or Dataproc / EMR / Databricks), which sets the master;
# * executors must import `helpers`: `helpers.spark.ship_helpers(spark)` zips the package and adds it
#   with `addPyFile` (or install the repository on the workers), and they need `numpy`, `pandas` and
#   `pyarrow`; set `spark.executorEnv.PYSPARK_PYTHON` if their Python is not `python3`;
# * read `s3a://commoncrawl/cc-index/table/cc-main/warc/crawl=.../subset=warc/` directly (a cluster in
#   AWS `us-east-1` with an instance role needs no keys), filter as above, and write the split with
#   `partitionBy("validation")` to your own bucket;
# * `spark.sql.execution.arrow.maxRecordsPerBatch` (10,000 here) bounds the memory of each pandas UDF
#   call; the hash split needs no shuffle, so it scales with the number of executors.

# %%
spark.stop()
