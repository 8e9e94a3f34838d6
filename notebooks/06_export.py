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
# # 06 · Export: the decoder in the graph, a SavedModel, TensorFlow.js, Spark
#
# **Introduction.** A learned function is only *ported* once it runs where Python does not. This
# notebook takes a trained model directory and sends it to three places:
#
# 1. **TF Serving**: a SavedModel whose `serving_default` signature takes a batch of strings and
#    returns the decoded strings, with the whole greedy loop inside the TensorFlow graph;
# 2. **the browser**: a static page that runs the same decoder in JavaScript, shown in this notebook;
# 3. **Spark**: a DataFrame column computed by the SavedModel, one model load per task.
#
# The export rebuilds the network from its weights with plain TensorFlow ops and explicit
# `tf.while_loop`s (`helpers.export.InGraphDecoder`): a Keras LSTM saved on a GPU contains cuDNN-only
# ops, and its internal loop fails in TensorFlow.js. Every step is checked against the Python decoder
# `helpers.decoders.GreedyDecoder`.

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
import json
import random
import subprocess
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from helpers.decoders import GreedyDecoder
from helpers.export import (InGraphDecoder, bridge_python, build_page, convert_to_tfjs, save_saved_model,
                            save_web_model, show_page)
from helpers.functions import get_function
from helpers.recipes import recipe, smoke_recipe
from helpers.storage import load_model
from helpers.training import train
from helpers.show import show_source
from helpers.vectorization import encode_batch, ids_to_bytes

# %% [markdown]
# ## Configuration
# The shipped urlparse model when the checkout has one; otherwise a protocol model trained here
# (a few minutes on 2 CPU cores). Any model directory works.

# %%
SHIPPED_MODEL = environment.repository / "models" / "urlparse"  # trained by notebook 04's recipe
FALLBACK_TASK = "protocol"  # trained here when there is no shipped model
EXPORT_DIR = environment.output / "06_export"  # saved_model/, tfjs/, site/
CHECK_INPUTS = 50 if environment.smoke else 500  # inputs compared between the decoders
SPARK_ROWS = 200 if environment.smoke else 5000  # rows of the embedded sample decoded by Spark
SPARK_MASTERS = ["local[1]", "local[2]"]  # the rows/s benchmark
PIPELINE_ROWS = 100 if environment.smoke else 1000  # rows through the pyspark.ml pipeline

# %%
if SHIPPED_MODEL.is_dir():
    MODEL_DIR = SHIPPED_MODEL
else:
    model_config, training_config = smoke_recipe(FALLBACK_TASK) if environment.smoke else recipe(FALLBACK_TASK)
    train(training_config, model_config, environment.output / "06_model", verbose=0)
    MODEL_DIR = environment.output / "06_model" / "model"
stored = load_model(MODEL_DIR)
function = get_function(stored.task)
print("shipped model" if MODEL_DIR == SHIPPED_MODEL else "trained here", stored.task, stored.model.config)

# %% [markdown]
# ## The decoder inside the graph
# `InGraphDecoder` copies the model's named weights (`Seq2Seq.step_weights`) out of the Keras layers
# as plain arrays. Its `decode_ids` takes the same int32 ids as the model (UTF-8 bytes + 3, END, PAD)
# and returns ids, scores and attention weights.

# %%
decoder = InGraphDecoder(stored.model, stored.task)
rng = random.Random(6)
max_bytes = stored.model.config.max_input_length - 1
inputs = [text for text in (function.generate_input(rng) for _ in range(CHECK_INPUTS * 2))
          if len(text.encode("utf-8")) <= max_bytes][:CHECK_INPUTS]
encoder_ids = encode_batch(inputs[:4], add_end=True, bucket=8)
result = decoder.decode_ids(tf.constant(encoder_ids))
print("encoder_ids", encoder_ids.shape, "->", {name: tuple(value.shape) for name, value in result.items()})

# %% [markdown]
# The loop itself is `helpers.step.greedy_decode`, the same function `GreedyDecoder` runs on the
# Keras variables: one `tf.while_loop` whose body is one `decoder_step` (an LSTM cell step on the last
# byte written, then `output_step`: attention, combination, softmax and, with the copy mechanism, the
# mixture), stopping when every row has written END:

# %%
from helpers import step

show_source(step.greedy_decode, step.decoder_step)

# %% [markdown]
# Try it: the loop ends when END is written or after `limit` steps (the export passes the model's
# `max_output_length`). Put your own input or limits here: below the output's length, END is never
# written and the output is unfinished.

# %%
TRY_INPUT = inputs[0]  # any text of at most max_bytes UTF-8 bytes
for limit in (8, stored.model.config.max_output_length):
    ids, scores, _ = step.greedy_decode(stored.model.config, stored.model.step_weights(),
                                        tf.constant(encode_batch([TRY_INPUT], add_end=True)), limit)
    text, ended = ids_to_bytes(ids.numpy()[0])
    print(f"limit {limit:3}: {ids.shape[1]:3} steps, END written: {ended!s:5} {text.decode('utf-8', 'replace')!r}")

# %% [markdown]
# Try it out: the in-graph decoder must give exactly the ids of the Python decoder.

# %%
reference = GreedyDecoder(stored.model)(inputs)
exported = decoder.serve_strings(tf.constant(inputs))
exported_texts = [text.decode("utf-8", "replace") if complete else None
                  for text, complete in zip(exported["outputs"].numpy(), exported["complete"].numpy())]
same = sum(a == b for a, b in zip(exported_texts, reference.texts))
print(f"same output on {same} of {len(inputs)} inputs; largest score difference "
      f"{np.abs(exported['scores'].numpy() - reference.scores).max():.2e}")
for text, output in list(zip(inputs, exported_texts))[:5]:
    print(f"{text!r:50} -> {output}")

# %% [markdown]
# ## A SavedModel for TF Serving
# Saved, then run by `saved_model_cli` in a fresh process that never imports `helpers`.

# %%
saved_model = save_saved_model(decoder, EXPORT_DIR / "saved_model")
np.save(EXPORT_DIR / "inputs.npy", np.array([text.encode("utf-8") for text in inputs[:8]], dtype=object))
completed = subprocess.run(
    [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "run", "--dir", str(saved_model),
     "--tag_set", "serve", "--signature_def", "serving_default", "--inputs", f"inputs={EXPORT_DIR / 'inputs.npy'}",
     "--outdir", str(EXPORT_DIR / "cli"), "--overwrite"], capture_output=True, text=True)
print("saved_model_cli exit status", completed.returncode)
cli_outputs = np.load(EXPORT_DIR / "cli" / "outputs.npy", allow_pickle=True)
cli_complete = np.load(EXPORT_DIR / "cli" / "complete.npy")
cli_texts = [text.decode("utf-8", "replace") if done else None for text, done in zip(cli_outputs, cli_complete)]
print("saved_model_cli equals GreedyDecoder:", cli_texts == reference.texts[:8])

# %% [markdown]
# Its speed in Python, in batches of 256 (the loop stops when every row of a batch has ended).

# %%
serving = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
serving(inputs=tf.constant(inputs[:8]))
started = time.perf_counter()
for start in range(0, len(inputs), 256):
    serving(inputs=tf.constant(inputs[start:start + 256]))
print(f"SavedModel: {len(inputs) / (time.perf_counter() - started):.0f} inputs/s")

# %% [markdown]
# ## The web page, from weights written by numpy
# TensorFlow.js has almost no string ops, and run as a graph it pays tens of microseconds for every
# op of every loop step (the encoder's loop body has ~50 ops, the decoder's ~110). So the page
# (`web/index.html`, `index.js`, `model.js`) decodes with `StepDecoder` in `web/model.js`: the step of
# `helpers/step.py` as plain JavaScript loops over arrays. `save_web_model` writes them with numpy, no
# converter: `metadata.json` (special ids, lengths, the output terms the model has), `step_weights.json`
# (name, shape and offset of each array) and `step_weights.bin` (little-endian float32, row-major;
# the LSTM input projections tabulated per byte and per position, kernels transposed so that products
# are contiguous dot products).

# %%
web_model = save_web_model(decoder, EXPORT_DIR / "web_model")
arrays = json.loads((web_model / "step_weights.json").read_text())["arrays"]
print(f"{len(arrays)} arrays, {(web_model / 'step_weights.bin').stat().st_size / 1e6:.1f} MB:",
      ", ".join(f"{array['name']} {tuple(array['shape'])}" for array in arrays[:3]), "...")

# %% [markdown]
# The page, here: type an input and press Parse. A thread of this kernel serves the folder; in Colab
# `google.colab.output.serve_kernel_port_as_iframe` shows it through Colab's proxy, elsewhere an iframe
# of `127.0.0.1` does. Its JavaScript runs in your browser while this kernel runs (a stored copy of
# the notebook shows an empty frame).

# %%
site = build_page(web_model, EXPORT_DIR / "page")
show_page(site, query=inputs[0])

# %% [markdown]
# ## The page against Python, in headless Chromium
# A reader's browser does not report back to the kernel, so the check runs the same page in headless
# Chromium (Playwright; `bash tools/setup_web.sh` installs both, and the TensorFlow.js converter):
# `index.html?q=...` writes its output into `#result`, then the page decodes every input one by one
# and in batches of 32. With the converter, a second engine, `graph`, runs the converted SavedModel
# signature `decode_ids_for_tfjs` with TensorFlow.js's `executeAsync`. Both must give exactly the
# Python decoder's ids (times: page CPU per input; the stored outputs come from 2 CPU cores).

# %%
from helpers.web import build_site, headless_browser_missing, measure_in_browser

engines = {"step": site}
if bridge_python().exists():  # the converter (tools/setup_web.sh): the graph engine too
    engines["graph"] = build_site(convert_to_tfjs(saved_model, EXPORT_DIR / "tfjs", decoder), EXPORT_DIR / "site")
if headless_browser_missing():  # Colab has neither Playwright nor Chromium
    print(headless_browser_missing())
    engines = {}
for engine, engine_site in engines.items():
    measured = measure_in_browser(engine_site, inputs, engine=engine)
    browser_same = sum(result["text"] == text for result, text in zip(measured["results"], reference.texts))
    print(f"{measured['backend']}: ?q= right {measured['page'].result == (reference.texts[0] or '')}; "
          f"equals Python on {browser_same} of {len(inputs)}; page CPU "
          f"{measured['cpu_milliseconds_one_by_one']:.1f} ms/input one by one, "
          f"{measured['cpu_milliseconds_batched']:.1f} in batches")

# %% [markdown]
# The attention of one decoded input (what the page draws as a heatmap).

# %%
one = decoder.decode_ids(tf.constant(encode_batch(inputs[:1], add_end=True)))
weights = one["attention"].numpy()[0]
plt.figure(figsize=(8, 3))
plt.imshow(weights, cmap="Blues", aspect="auto")
plt.xlabel("input byte"); plt.ylabel("output byte"); plt.title(repr(inputs[0])[:60])
plt.show()

# %% [markdown]
# ## Spark batch inference
# `add_learned_output` uses `mapInPandas`: each task loads the SavedModel once and decodes its rows
# in batches. We run it over the embedded Common Crawl-like sample and compare with the real function.

# %%
from helpers.data import SAMPLE_PATH
from helpers.spark import SparkSettings, read_parquet, start_session
from helpers.spark_inference import add_learned_output

for master in SPARK_MASTERS:
    spark = start_session(SparkSettings(master=master, app_name=f"06-{master}"))
    frame = read_parquet(spark, SAMPLE_PATH, columns=["url"]).limit(SPARK_ROWS).repartition(2).cache()
    frame.count()
    started = time.perf_counter()
    decoded = add_learned_output(frame, saved_model, "url").toPandas()
    seconds = time.perf_counter() - started
    print(f"{master}: {len(decoded) / seconds:.0f} rows/s ({len(decoded)} rows, {seconds:.1f} s, model loads included)")
    spark.stop()

# %%
def real_output(url):
    try:
        return function.output_text(url)
    except ValueError:
        return None

decoded["expected"] = decoded["url"].map(real_output)
decoded["correct"] = decoded["learned"] == decoded["expected"]
print(f"exact match with the real {stored.task}: {decoded['correct'].mean():.3f} over {len(decoded)} rows")
decoded.head()

# %% [markdown]
# ### A stage in a Spark ML pipeline
# `LearnedFunctionTransformer` is the same model as a `pyspark.ml` `Transformer`: it reads the model
# directory itself (no export step), adds the decoded text, its score and, for rows it cannot take
# (null, empty, too long), the reason, and keeps every row. It is saved and loaded with the pipeline
# like any other stage (its parameters; the model directory stays where it is).

# %%
from pyspark.ml import Pipeline, PipelineModel

from helpers.spark_inference import LearnedFunctionTransformer

spark = start_session(SparkSettings(master="local[2]", app_name="06-pipeline"))
frame = read_parquet(spark, SAMPLE_PATH, columns=["url"]).limit(PIPELINE_ROWS)
stage = LearnedFunctionTransformer(inputCol="url", outputCol="parsed", modelPath=str(MODEL_DIR))
Pipeline(stages=[stage]).fit(frame).write().overwrite().save(str(EXPORT_DIR / "pipeline"))
pipeline = PipelineModel.load(str(EXPORT_DIR / "pipeline"))
parsed = pipeline.transform(frame).toPandas()
spark.stop()
parsed["correct"] = parsed["parsed"] == parsed["url"].map(real_output)
print(f"{len(parsed)} rows in, {len(parsed)} rows out; exact match {parsed['correct'].mean():.3f}; "
      f"rows without an output: {parsed['parsed_error'].notna().sum()}")
parsed.head()

# %% [markdown]
# ## Summary
# One decoder, three destinations: `python -m helpers export --model DIR --out OUT` writes
# `OUT/saved_model` and `OUT/tfjs`; `save_web_model` and `build_page` make the page without a
# converter and `show_page` shows it in a notebook; `tools/build_web.py` builds it in `web/`; `tools/benchmark_export.py`
# prints the speeds; `helpers.spark_inference.add_learned_output` decodes DataFrames with the
# SavedModel, and `LearnedFunctionTransformer` is the model as a Spark ML pipeline stage.
