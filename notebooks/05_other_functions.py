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
# # 05 · Same network, other functions: hex, splitext, title, and an inverse nobody wrote
#
# **Introduction.** Notebooks 03 and 04 taught the byte-level seq2seq network two URL functions.
# Nothing in it knows about URLs: its input is UTF-8 bytes, its output the bytes of the answer as
# compact JSON. So learning another function should be *one parameter*: the name of the function in
# the registry (`helpers/functions/`, one module per function), which knows the real function, how to draw its inputs, and
# how long they can be. This notebook changes that one name and nothing else:
#
# * `hex`: `hex(n)` from the decimal text of n, for 0 ≤ n < 10⁶: arithmetic, not copying;
# * `splitext`: `os.path.splitext(path)`, a list output whose split point follows a rule;
# * `title`: `str.title(text)`, quirks included (`"don't"` → `"Don'T"`);
# * `date_inverse`: the inverse of `my_date_format`, a date format in hexadecimal that we wrote for
#   this notebook. Nobody wrote its parser for the network: it learns one from a table made by
#   running the format forward. (An exact parser exists in `helpers/dates.py`, only to judge.)
#
# Then the other half of a real workflow: the model as a scikit-learn estimator, so that a
# `GridSearchCV` over model sizes runs in parallel with joblib, and on a Spark cluster with
# joblib's Spark backend.

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
import datetime
import json
import random
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.callbacks import exact_match
from helpers.dates import my_date_format, random_datetime
from helpers.decoders import GreedyDecoder
from helpers.estimator import Seq2SeqEstimator
from helpers.fresh_evaluation import (date_error_seconds, exact_match_by_group, exact_match_raised_or_returned, fresh_examples,
                                      target_examples)
from helpers.functions import REGISTRY, get_function, hexadecimal
from helpers.functions.hexadecimal import decimal_numbers_by_digits
from helpers.plots import plot_history
from helpers.recipes import recipe, smoke_recipe
from helpers.show import show_source
from helpers.storage import load_model
from helpers.training import train_or_load

# %% [markdown]
# ## Configuration
# Each function has a named recipe in its registry entry (`helpers/functions/hexadecimal.py` and the
# others; the same for the command line:
# `python -m helpers train --recipe hex --out runs/hex`). Budgets are numbers of steps, so every
# machine trains the same models; only the time differs. The title and date recipes stop training as
# soon as all 2,000 validation inputs are right; hex and splitext train for their whole budget, with
# the learning rate decaying over it.

# %%
FRESH_INPUTS = 200 if environment.smoke else 10_000  # inputs per evaluation, never used in training
HEX_INPUTS_PER_DIGIT_COUNT = 20 if environment.smoke else 2_000  # hex: per number of decimal digits
HEX_UNIFORM_INPUTS = 200 if environment.smoke else 10_000  # hex: numbers drawn uniformly below 10**6
SEARCH_EXAMPLES = 256 if environment.smoke else 4_000  # the grid search's training table
SEARCH_SIZES = [8, 16] if environment.smoke else [16, 32, 64]  # LSTM units tried by the grid search
SEARCH_STEPS = 3 if environment.smoke else 600  # training batches per fit in the grid search
RUN_DIR = environment.output / "05_other_functions"
START_AFRESH = False  # True: delete the run folders' checkpoints and train from scratch instead of resuming
RUN_DIR.mkdir(parents=True, exist_ok=True)  # also when the models are loaded, not trained
for name in ["hex", "splitext", "title", "date_inverse"]:
    print(f"{name:13} {REGISTRY[name].description}")

# %% [markdown]
# ## One parameter
# This is the whole training code of this notebook. `train_recipe("hex")` and `train_recipe("title")`
# differ in the name only: the recipe, the data, the model's input size and the run folder all follow
# from it. With `TRAIN = False` each call loads the shipped model of that recipe from `models/`
# instead, and the notebook takes minutes instead of most of an hour on 2 CPU cores. Each training
# shows one progress bar, then its curves.

# %%
TRAIN = not environment.load_shipped  # False: load the shipped models/ instead of training (tens of minutes on 2 CPU cores)


def train_recipe(task):
    model_config, training_config = smoke_recipe(task) if environment.smoke else recipe(task)
    result = train_or_load(TRAIN, environment.repository / "models" / task, training_config, model_config,
                           RUN_DIR / task, verbose="bar", fresh=START_AFRESH)
    if result.history:  # a trained run (not a loaded model) has its curve
        plot_history(result.history, training_config.steps_per_epoch)
        plt.show()
    return result

# %% [markdown]
# ## hex
# The input is a number in decimal, the output `hex()` of it: `"255"` → `"0xff"`. This is not copying:
# every hexadecimal digit depends on several decimal digits (the last one on the last four, since
# 10⁴ is a multiple of 16; the first one on all of them). The generator draws the number of digits
# (1 to 6, longer ones more often: weights 1 to 6), then the number. One input in twenty is text that
# `int()` rejects (`"12a4"`, `"3.5"`): there the real function raises, and the target is the object
# `{"error":"ValueError"}`. Every function here learns its errors this way.

# %%
hex_function = get_function("hex")
for number in hex_function.examples(random.Random(0), 5)[0] + ["12a4", "3.5"]:
    print(f"{number:>10} -> {hex_function.output_text(number)}")

# %% [markdown]
# hex is the one function here that needs more than the short-function recipe: its recipe turns four
# more knobs, each measured against the recipe without it (the repository's EXPERIMENTS.md has the
# runs side by side). A second encoder layer; the hexadecimal digits written least-significant first
# and reversed back when decoded (`reverse_output`), as keras-io's addition example reverses its
# digits; a curriculum that starts with short numbers; and after it, half the inputs drawn as the
# target is stated (uniformly below 10⁶) instead of from the generator's mix:

# %%
show_source(hexadecimal.recipe)

# %%
hex_result = train_recipe("hex")

# %% [markdown]
# Exact match on fresh numbers, by number of digits. A fresh 6-digit number is most likely one the
# model never saw. The small numbers are the opposite: the 2,000 validation inputs contain all ten
# 1-digit numbers, and a training stream that skipped every validation input (as the first runs did)
# never trained on them. Now it keeps the *common* ones, each over `common_input_share` of the draws
# (`helpers/streams.py`): 1 to 3 digits here.
#
# The plot below is measured on numbers drawn *per digit count* (the same number of each length), the
# next line on numbers drawn uniformly below 10⁶, where nine in ten have six digits: the figure that
# says how well the model knows `hex` on its whole domain.
#
# Why it is hard for this network: hexadecimal digit *k* (from the right) is ⌊n / 16ᵏ⌋ mod 16, which
# depends on n mod 16ᵏ⁺¹. Dividing a decimal text by 16 is one left-to-right pass that carries a
# remainder (16 states): the last hex digit takes one pass, the one before it the result of that
# pass divided again, and so on. Each encoder layer makes one pass in each direction, and a soft
# attention reads a weighted sum of the digits, so for the middle digits the network has to hold
# much of n itself and cut it into sawtooth bands. In this budget it learns the short numbers and
# part of the long ones. Copying and rearranging (urlparse, splitext, title, the date inverse) suit
# it; carrying arithmetic takes far longer: the shipped `models/hex` below is this recipe trained many
# times as long (in three trainings, each from the weights of the one before at a lower rate), and its
# line there says how far that goes.

# %%
numbers = decimal_numbers_by_digits(HEX_INPUTS_PER_DIGIT_COUNT, max_digits=hex_function.max_input_bytes)
hex_table = exact_match_by_group(hex_result.model, numbers, [hex_function.output_text(n) for n in numbers],
                                 groups=[len(n) for n in numbers])
by_digits = hex_table.drop(index="all")
axis = by_digits["exact_match"].plot.bar(figsize=(6, 3), ylim=(0, 1.02), rot=0, color="tab:blue")
axis.set_xlabel("decimal digits of the number"); axis.set_ylabel("exact match")
axis.set_title(f"hex: {HEX_INPUTS_PER_DIGIT_COUNT:,} fresh numbers per digit count")
plt.show()
uniform, uniform_targets = target_examples("hex", HEX_UNIFORM_INPUTS)
uniform_right = exact_match(GreedyDecoder(hex_result.model)(uniform).texts, uniform_targets)
print(f"hex: exact match {uniform_right:.2%} on {len(uniform):,} numbers drawn uniformly below 10⁶")

# %% [markdown]
# Refusing is another matter: telling text that is not a number from a number is a matter of which
# characters appear, not arithmetic. Fresh inputs from the generator's mix (short numbers over-drawn),
# split by what the real function did:

# %%
print(GreedyDecoder(hex_result.model)(["12a4", "3.5", "0x1f", "255"]).texts)
exact_match_raised_or_returned(hex_result.model, "hex", FRESH_INPUTS)

# %% [markdown]
# ## Two more real functions
# `os.path.splitext` splits at the last dot of the last path component, unless that dot only starts
# the name (`.bashrc` has no extension). `str.title` upper-cases every letter that follows a
# non-letter, which gives `"Don'T"` and `"3Rd"`: the network must learn the quirks, because the real
# function is the teacher. Same call, another name:

# %%
splitext_result = train_recipe("splitext")

# %%
title_result = train_recipe("title")

# %% [markdown]
# Both on fresh inputs of their generators, with the first wrong ones shown:

# %%
def fresh_exact_match(result):
    inputs, targets = fresh_examples(result.metrics["task"], FRESH_INPUTS)
    decoded = GreedyDecoder(result.model)(inputs).texts
    wrong = [(text, want, got) for text, want, got in zip(inputs, targets, decoded) if got != want]
    print(f"{result.metrics['task']}: exact match {1 - len(wrong) / len(inputs):.2%} on {len(inputs)} fresh inputs")
    for text, want, got in wrong[:5]:
        print(f"   {text!r}: expected {want}, got {got}")

for result in (splitext_result, title_result):
    fresh_exact_match(result)

# %% [markdown]
# The quirks, answered by the network:

# %%
quirks = ["don't stop", "3rd avenue", "the ÉTÉ of o'neill"]
print(GreedyDecoder(title_result.model)(quirks).texts, [text.title() for text in quirks])
paths = [".bashrc", "archive.tar.gz", "v1.2/readme", "name."]
print(GreedyDecoder(splitext_result.model)(paths).texts)

# %% [markdown]
# ## The inverse nobody wrote
# `my_date_format` shows a date and time for humans who like hexadecimal: every field in hex, minutes
# and seconds with two digits, so that it *looks* like a time.

# %%
moment = datetime.datetime(2026, 11, 23, 23, 52, 18)
print(moment, "->", my_date_format(moment))

# %% [markdown]
# The table the network learns from is made by running the format **forward** over random moments
# of the years 1900 to 2100, every hour, minute and second; the target is the moment's ISO text.
# No parser is involved in making it.

# %%
rng = random.Random(1)
moments = [random_datetime(rng) for _ in range(5)]
pd.DataFrame({"formatted (input)": [my_date_format(m) for m in moments],
              "isoformat (target)": [m.isoformat() for m in moments]})

# %%
date_result = train_recipe("date_inverse")

# %% [markdown]
# Exact match on fresh moments, and for the wrong ones, how far off they are (the article's model was
# still a day off).

# %%
fresh_moments = [random_datetime(random.Random(seed)) for seed in range(10**6, 10**6 + FRESH_INPUTS)]
date_inputs = [my_date_format(m) for m in fresh_moments]
date_targets = ['"' + m.isoformat() + '"' for m in fresh_moments]
decoded_dates = GreedyDecoder(date_result.model)(date_inputs).texts
errors = [date_error_seconds(got, want) for got, want in zip(decoded_dates, date_targets)]
print(f"exact match {np.mean([error == 0 for error in errors]):.2%} on {len(errors)} fresh moments")
print("wrong ones, seconds off:", sorted(error for error in errors if error)[:10],
      "not a datetime:", sum(error is None for error in errors))

# %% [markdown]
# A tenth of the training inputs are texts that `my_date_format` cannot write (month `d`, February
# `1e`, a leading zero, upper case, a missing field); for those the target is
# `{"error":"ValueError"}`, what the exact inverse raises. Fresh inputs of that mix:

# %%
exact_match_raised_or_returned(date_result.model, "date_inverse", FRESH_INPUTS)

# %% [markdown]
# ## The shipped models
# `models/` holds models trained by the recipes above (`splitext`, `title` and `hex` with
# `python -m helpers train`, `hex` for many times this notebook's budget, in three trainings;
# `date_inverse` by an earlier run of this notebook), each with `metrics.json`, `COMMAND.txt` (the
# commands and what they printed) and a card (`README.md`) with its measured figures. Below, each on
# 2,000 fresh inputs of its generator's mix, refusals included, and where a function's target is
# stated on another draw, on 2,000 of that draw too (for `hex` the mix over-draws short numbers, so
# it flatters the model; the uniform draw does not).
# The command line reads them, and refuses month 13 (`d`) below:

# %%
shipped = environment.repository / "models"
for folder in sorted(path for path in shipped.glob("*") if (path / "config.json").exists()):
    stored = load_model(folder)
    inputs, targets = fresh_examples(stored.task, 200 if environment.smoke else 2000, seed=7)
    decoder = GreedyDecoder(stored.model)
    line = (f"{folder.name:13} exact match {exact_match(decoder(inputs).texts, targets):.2%} on {len(inputs):,} "
            "fresh inputs of its generator's mix")
    drawn = target_examples(stored.task, len(inputs), seed=8)  # where the target is stated on another draw
    if drawn is not None:
        line += f", {exact_match(decoder(drawn[0]).texts, drawn[1]):.2%} on {len(drawn[0]):,} drawn as its target is stated"
    print(line)

# %%
def porting(*arguments, input=None):
    """Run `python -m helpers ARGUMENTS` in the run folder, as in a terminal; return what it printed."""
    done = subprocess.run([sys.executable, "-m", "helpers", *arguments], input=input, capture_output=True, text=True,
                          cwd=RUN_DIR, env={**os.environ, "PYTHONPATH": str(environment.repository)})
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return done.stdout


(RUN_DIR / "dates.txt").write_text("\n".join(date_inputs[:3] + ["7ea-d-1 0:00:00"]) + "\n")  # the last: month 13
print(porting("predict", "--model", str(shipped / "date_inverse"), "dates.txt"))

# %% [markdown]
# ## Port your own function
# The registry entries above were written by hand. Any function of one string can be ported without
# one: `python -m helpers learn MODULE:FUNCTION` (or `path/to/file.py:FUNCTION`) takes example inputs
# from a file (`--inputs FILE`, one per line) or from a generator (`--generator MODULE:GENERATOR`, a
# function of a `random.Random`), calls the function for the targets, sizes the model from the
# longest input and output, trains for `--steps` (or `--minutes`) and writes a model directory that `predict`,
# `evaluate`, `export` and the web page take. Where the function raises, the target is
# `{"error":"ValueError"}`: the model learns when to refuse, too.
#
# Write a function of your own in the next cell: here one that turns "Lovelace, Ada" into
# "Ada Lovelace", and a generator of names to teach it with.

# %%
def first_name_first(text: str) -> str:
    """'Lovelace, Ada' -> 'Ada Lovelace'; a name without a comma raises ValueError."""
    last, comma, first = text.partition(",")
    if not comma:
        raise ValueError(f"no comma in {text!r}")
    return f"{first.strip()} {last.strip()}"


def names(rng: random.Random) -> str:
    """'Last, First' (sometimes with a middle initial, odd spacing or no comma at all)."""
    word = lambda: rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + "".join(rng.choice("aeiouyéabcdefghijklmnopqrstuvwxyz")
                                                                      for _ in range(rng.randint(2, 9)))  # every letter
    first = word() + (f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.2 else "")
    separator = rng.choice([", ", ", ", ",", " ,  "]) if rng.random() < 0.9 else " "
    return word() + separator + first


print(first_name_first("Lovelace, Ada"), "|", [names(random.Random(seed)) for seed in range(3)])

# %% [markdown]
# The command imports the function by name, so it must live in a file: the cell below saves the two
# definitions (their source, as `inspect` sees it) to `my_function.py` in the run folder, then runs
# the command exactly as you would in a terminal.

# %%
import inspect

PORT_STEPS = 20 if environment.smoke else 4000 if TRAIN else 800  # a step budget: the same model on any machine
module = RUN_DIR / "my_function.py"
module.parent.mkdir(parents=True, exist_ok=True)
module.write_text("import random\n\n\n" + inspect.getsource(first_name_first) + "\n\n" + inspect.getsource(names))
command = ["learn", "my_function.py:first_name_first", "--generator", "my_function.py:names",
           "--out", "first_name_first", "--steps", str(PORT_STEPS)]
print("$ python -m helpers", " ".join(command))
lines = porting(*command).splitlines()
print("\n".join(lines[:2] + ["..."] + lines[-2:]))

# %% [markdown]
# The model directory records `path/my_function.py:first_name_first`, so `evaluate` calls the real
# function on inputs the model never saw; a line without a comma should come back as a predicted
# `ValueError`:

# %%
fresh_names = [names(random.Random(10_000 + seed)) for seed in range(200 if environment.smoke else 2000)]
(RUN_DIR / "names.txt").write_text("".join(name + "\n" for name in fresh_names))
report = json.loads(porting("evaluate", "--model", "first_name_first/model", "names.txt"))
print(f"exact match {report['exact_match']:.2%} on {report['compared']} fresh names")
print(porting("predict", "--model", "first_name_first/model", "-", input="Hopper, Grace\nGrace Hopper\n"))

# %% [markdown]
# ## A scikit-learn estimator and a grid search
# `Seq2SeqEstimator` wraps the same model in scikit-learn's interface: `fit(X, y)` on a finite table,
# `predict(X)`, `score(X, y)` as exact match, `get_params`/`set_params`, clone-able, and picklable with
# its weights. So the standard tools work, here `GridSearchCV` over the LSTM width, two fits at a
# time (`n_jobs=2`), on a table of 4,000 `str.title` examples, 600 training steps per fit.

# %%
search_inputs, search_targets = get_function("title").examples(random.Random(11), SEARCH_EXAMPLES)
estimator = Seq2SeqEstimator(task="title", embedding_dim=32, steps=SEARCH_STEPS, batch_size=128)
print(estimator)

# %%
from sklearn.model_selection import GridSearchCV

search = GridSearchCV(estimator, {"units": SEARCH_SIZES}, cv=2, n_jobs=2)
started = time.monotonic()
search.fit(search_inputs, search_targets)
print(f"{len(SEARCH_SIZES) * 2} fits in {time.monotonic() - started:.0f} s; best {search.best_params_}")
results = pd.DataFrame(search.cv_results_)[["param_units", "mean_test_score", "mean_fit_time", "mean_score_time"]]
results

# %% [markdown]
# Accuracy against size against training time (two fits ran at once on a 2-core machine, so each
# fit's time is about twice what it would be alone):

# %%
figure, axis = plt.subplots(figsize=(6, 3.5))
points = axis.scatter(results["param_units"].astype(int), results["mean_test_score"], s=80,
                      c=results["mean_fit_time"], cmap="viridis")
figure.colorbar(points, label="mean fit time (s)")
axis.set_xscale("log", base=2)
axis.set_xlabel("LSTM units")
axis.set_ylabel("exact match (held-out fold)")
axis.set_ylim(-0.02, 1.02)
plt.show()

# %% [markdown]
# The fitted estimator travels through joblib with its weights:

# %%
import io

import joblib

buffer = io.BytesIO()
joblib.dump(search.best_estimator_, buffer)
buffer.seek(0)
restored = joblib.load(buffer)
print(f"{buffer.getbuffer().nbytes / 1e3:.0f} kB;", "same predictions:",
      restored.predict(search_inputs[:50]).tolist() == search.best_estimator_.predict(search_inputs[:50]).tolist())

# %% [markdown]
# ### The same search on a Spark cluster
# joblib's Spark backend (`joblibspark`) runs each fit as a Spark task; nothing else changes. On a
# cluster, ship `helpers` to the executors first (`helpers.spark.ship_helpers(spark)`). The tests
# (`tests/test_estimator.py`) run it on local Spark:
#
# ```python
# import joblib, joblibspark
# joblibspark.register_spark()
# with joblib.parallel_backend("spark", n_jobs=8):
#     search.fit(search_inputs, search_targets)
# ```
