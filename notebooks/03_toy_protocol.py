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
# # 03 · A toy model: learning the protocol of a URL
#
# **Introduction.** We want a neural network that behaves like a piece of Python code, learned from
# examples alone. The first function is deliberately small:
#
# ```python
# def protocol(url):
#     return urlparse(url[:32]).scheme
# ```
#
# The network never sees this code. It sees pairs `("HTTPS://example.com/a", '"https"')` and must
# find the rule: copy what stands before the first `:`, in lower case, but only if every character
# there is allowed in a scheme (letters, digits, `+`, `-`, `.`) and the first is a letter; otherwise
# the answer is the empty string.
#
# The network is the one the whole series uses: a **byte-level seq2seq** model, a pair of embeddings,
# a pair of LSTMs and attention. Its input is the UTF-8 bytes of the text; its output is the bytes of
# the answer written as compact JSON. Nothing in it is specific to URLs.
#
# The pieces live in the `helpers` package, so that this notebook shows how they fit together and the
# later notebooks reuse them unchanged. The cells that matter display their code from that one source,
# highlighted, and each is followed by a *try it* cell: change one thing and see what it does.
#
# **Where this comes from.** This series re-creates Davi de Castro Reis's 2018 article *Porting code
# with deep learning*, which taught such a network `urlparse` from examples. What the series adds is
# measurement: every learned function is judged against the real one on inputs it never trained on
# (real URLs of held-out sites, fresh generated inputs, the inputs where the real function raises),
# every figure is stored with its command and hardware, and the learned function is taken out of
# Python (a SavedModel, Spark, TensorFlow.js in notebook 06).

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
import random
import time

import matplotlib.pyplot as plt
import numpy as np

from dataclasses import replace

from helpers.decoders import GreedyDecoder, greedy_decode_numpy
from helpers.functions import get_function
from helpers.model import build_seq2seq
from helpers.plots import plot_history
from helpers.recipes import recipe, smoke_recipe
from helpers.show import show_source
from helpers.streams import training_batches
from helpers.training import compile_for_training, fit_on_stream, train
from helpers.vectorization import VOCABULARY_SIZE, decode, decode_batch, encode_batch, teacher_forcing_batch

# %% [markdown]
# ## Configuration
# All the settings of this notebook come from one named recipe, in the function's registry entry
# (`helpers/functions/protocol.py`), where each
# has a comment giving its reason; the command line (`python -m helpers train --recipe protocol`) uses
# the same one.

# %%
TASK = "protocol"  # the registry entry: the real function, its output format, its input generator
MODEL, TRAINING = smoke_recipe(TASK) if environment.smoke else recipe(TASK)
print(MODEL)
print(TRAINING)
RUN_DIR = environment.output / "03_protocol"
START_AFRESH = False  # True: delete this run folder's checkpoints and train from scratch instead of resuming

# %% [markdown]
# ## Prepare the data
# The registry entry knows three things: the real function, how its result is written as text
# (compact JSON), and how to draw random inputs. Half of the inputs are realistic URLs; the other half
# have made-up schemes, so that "answer http" is never a good enough strategy.

# %%
protocol = get_function(TASK)
rng = random.Random(0)
for _ in range(8):
    url, target = protocol.example(rng)
    print(f"{url!r:40} -> {target}")

# %% [markdown]
# Where the real function raises, the answer to learn is the exception: here `urlparse` rejects an
# IPv6 bracket that the 32 characters cut short, and the target is `{"error":"ValueError"}`. Every
# function of the series learns its errors this way.

# %%
cut_bracket = "http://[d9e4:dbe0:302c:e3d9:1486:2"[:32]
print(repr(cut_bracket), "->", protocol.output_text(cut_bracket))
draws = protocol.examples(random.Random(2), 10_000)[1]
print(f"{sum(target.startswith('{') for target in draws) / len(draws):.2%} of 10,000 draws are errors")

# %% [markdown]
# Text becomes integer ids: each UTF-8 byte shifted by 3, because ids 0, 1 and 2 are reserved for
# padding, "start writing" and "end of output". A batch is padded to its own longest row, rounded up
# to a bucket size so that only a few shapes ever reach the model.

# %%
examples = ["http://a.com", "Ftp:x", "héllo"]
ids = encode_batch(examples, add_end=True, bucket=8)
print(ids.shape)
print(ids)

# %% [markdown]
# The identity check from the article: ids → one-hot → back to text gives the input, whatever the
# script. (A property-based test in `tests/test_vectorization.py` checks this for arbitrary Unicode.)

# %%
import keras

one_hot = keras.utils.to_categorical(ids, num_classes=VOCABULARY_SIZE)
print(one_hot.shape, decode_batch(one_hot))
assert decode_batch(one_hot) == examples

# %% [markdown]
# For training with *teacher forcing* the decoder reads the true previous byte (starting from
# START) and must write the next one (ending with END):

# %%
inputs, targets = protocol.examples(random.Random(1), 2)
features, decoder_targets = teacher_forcing_batch(inputs, targets, bucket=8)
for name, array in {**features, "decoder_targets": decoder_targets}.items():
    print(f"{name:16} {array.shape}  {array[0].tolist()}")

# %% [markdown]
# ## Build the model
# `build_seq2seq` makes the layers from the config and wires the training model:
# encoder embedding → bidirectional LSTM; decoder embedding → LSTM started from the encoder's final
# state; dot-product attention of each decoder step over the encoder outputs; a softmax over the
# 259 byte ids. A sinusoidal position is appended to each embedding, which helps the attention find
# "the input byte I am copying now" early in training.

# %%
model = build_seq2seq(MODEL)
model.training_model.summary()

# %% [markdown]
# Try it out: an untrained model maps a batch to one probability distribution per output position.

# %%
probabilities = model.training_model(features)
print("encoder_ids", features["encoder_ids"].shape, "decoder_ids", features["decoder_ids"].shape,
      "->", tuple(probabilities.shape))

# %% [markdown]
# The same pass, layer by layer, on that batch: shapes are (batch, time, features). This is the code
# that wires the training model (`helpers/model.py`):

# %%
from helpers.model import Seq2Seq

show_source(Seq2Seq._build_training_model)

# %% [markdown]
# **The encoder**: each input byte id becomes an embedding with its sinusoidal position appended;
# the bidirectional LSTM reads them both ways. Its outputs are what the attention looks at later; its
# final state starts the decoder.

# %%
encoder_ids, decoder_ids = features["encoder_ids"], features["decoder_ids"]
embedded = model.positions(model.encoder_embedding(encoder_ids))
keys, values, (state_h, state_c) = model.encode(encoder_ids)
print(f"encoder_ids {encoder_ids.shape} -> embedding + positions {tuple(embedded.shape)}")
print(f"-> LSTM outputs (attention keys) {tuple(keys.shape)}, attention values {tuple(values.shape)}"
      f"{' (outputs and byte embeddings side by side)' if MODEL.attend_to_embeddings else ''}")
print(f"-> final state h {tuple(state_h.shape)}, c {tuple(state_c.shape)}")

# %% [markdown]
# **The decoder**: it reads the target shifted right (START, then the true previous bytes: teacher
# forcing), from the encoder's final state.

# %%
from keras import ops

decoder_embedded = model.positions(model.decoder_embedding(decoder_ids))
decoder_outputs, _, _ = model.decoder_lstm(decoder_embedded, initial_state=[state_h, state_c],
                                           mask=ops.not_equal(decoder_ids, 0))
print(f"decoder_ids {decoder_ids.shape} -> embedding + positions {tuple(decoder_embedded.shape)} "
      f"-> LSTM outputs {tuple(decoder_outputs.shape)}")

# %% [markdown]
# **Attention and output**: every decoder step scores every input byte (dot product, padding
# masked), reads the weighted sum of the values, combines it with its own output, and a softmax over
# the 259 ids gives the next byte. This is `helpers.step.output_step`, the one definition that the
# training model runs on all positions at once and every decoder (and the exported graph) runs one
# step at a time:

# %%
from helpers import step

show_source(step.output_step)

# %%
key_mask = ops.not_equal(encoder_ids, 0)
context, weights = step.attend(decoder_outputs, keys, values, key_mask, MODEL.attention_scale)
combined = ops.tanh(model.combine(ops.concatenate([decoder_outputs, context], axis=-1)))
layer_by_layer = ops.softmax(model.output_layer(combined), axis=-1)
print(f"attention weights {tuple(weights.shape)} (each row sums to {float(ops.sum(weights[0, 0])):.3f}), "
      f"context {tuple(context.shape)}, combined {tuple(combined.shape)} -> probabilities {tuple(layer_by_layer.shape)}")
print("the same as the training model's output:", bool(np.allclose(layer_by_layer, probabilities, atol=1e-5)))

# %% [markdown]
# **The loss**: cross-entropy over the real target bytes only; padding counts for nothing.

# %%
from helpers.model import masked_loss

show_source(masked_loss)

# %%
print("loss of the untrained model on this batch:", float(masked_loss(decoder_targets, probabilities)),
      f"(a uniform guess over {VOCABULARY_SIZE} ids would give {np.log(VOCABULARY_SIZE):.2f})")

# %% [markdown]
# **Try it**: the width of the network is one field of the config. The same layers at three widths:

# %%
for units in (32, MODEL.units, 128):
    wider = build_seq2seq(replace(MODEL, units=units)).training_model
    print(f"units={units:<4} {wider.count_params():>9,} parameters")

# %% [markdown]
# ## Train
# What `fit` receives: an endless stream of teacher-forcing batches drawn from the generator (URLs of
# similar length grouped, so that little of a batch is padding), Adam on the masked loss above, and
# callbacks. Every `steps_per_epoch` batches the callbacks decode the validation URLs for real (no
# teacher forcing) and count whole answers that are exactly right, log to TensorBoard and checkpoint,
# so that re-running the training cell after an interruption goes on from the last checkpoint.

# %%
show_source(compile_for_training, fit_on_stream)

# %% [markdown]
# **Try it**: one batch of the stream, as `fit` sees it (change `TRAINING.batch_size` or the seed in
# the configuration and run again):

# %%
features_batch, targets_batch = next(training_batches(protocol, TRAINING, MODEL, exclude=set()))
print({name: array.shape for name, array in features_batch.items()}, "decoder_targets", targets_batch.shape)
print("row 0:", repr(decode(features_batch["encoder_ids"][0])), "->", decode(targets_batch[0]))

# %% [markdown]
# TensorBoard shows the same curves live while the training cell runs (in Colab, in the output frame):

# %%
# %load_ext tensorboard
# %tensorboard --logdir {RUN_DIR / "logs"}

# %% [markdown]
# The recipe's budget is 1,200 steps (12 epochs of 100 batches), with the learning rate decaying over
# them; getting every validation URL right stops the run sooner. A run on 2 CPU cores takes a few
# minutes: the bar below shows the steps, the training loss and the validation exact match.

# %%
result = train(TRAINING, MODEL, RUN_DIR, verbose="bar", fresh=START_AFRESH)

# %% [markdown]
# The curves. Token accuracy (teacher-forced) rises long before whole-answer exact match: the model
# first learns to write `http`, the commonest answer, and only later learns to *look* at the input
# through the attention. Then exact match jumps.

# %%
plot_history(result.history, TRAINING.steps_per_epoch)
plt.show()

# %% [markdown]
# ## Run inference
# Two greedy decoders. The first reads like the article: run the whole model on what has been written
# so far and keep the most likely next byte. It is clear, and it costs one full pass per output byte:

# %%
show_source(greedy_decode_numpy)

# %%
test_inputs, test_targets = protocol.examples(random.Random(2024), 200)
started = time.monotonic()
slow = greedy_decode_numpy(result.model, test_inputs[:50])
slow_seconds = time.monotonic() - started
for url, expected, got in list(zip(test_inputs, test_targets, slow.texts))[:8]:
    print(f"{'ok ' if got == expected else 'BAD'} {url!r:36} expected {expected:12} got {got}")

# %% [markdown]
# The second runs the encoder once and carries the decoder state from step to step inside one
# `tf.function` (a `tf.while_loop`), for the whole batch, stopping when every row has written END.
# Same answers, far less work:

# %%
fast_decoder = GreedyDecoder(result.model)
fast_decoder(test_inputs[:50])  # the first call traces the graph
started = time.monotonic()
fast = fast_decoder(test_inputs[:50])
fast_seconds = time.monotonic() - started
print("same outputs:", fast.texts == slow.texts)
print(f"numpy decoder {50 / slow_seconds:.0f} URLs/s, in-graph decoder {50 / fast_seconds:.0f} URLs/s")

# %%
decoded = fast_decoder(test_inputs)
exact = np.mean([got == expected for got, expected in zip(decoded.texts, test_targets)])
print(f"exact match on 200 fresh URLs: {exact:.1%}")
wrong = [(url, expected, got) for url, expected, got in zip(test_inputs, test_targets, decoded.texts) if got != expected]
for url, expected, got in wrong[:5]:
    print(f"  wrong: {url!r} expected {expected} got {got}")

# %% [markdown]
# **Try it**: your own inputs. Edit the list and run the cell; the right answer comes from `urlparse`.

# %%
MY_URLS = ["HTTPS://Example.com/", "mailto:ada@example.org", "git+ssh://host/repo.git", "no scheme here", "1http://x"]
for url, answer in zip(MY_URLS, fast_decoder(MY_URLS).texts):
    expected = protocol.output_text(url)
    print(f"{url!r:28} model {answer!s:12} urlparse {expected:12} {'' if answer == expected else 'WRONG'}")

# %% [markdown]
# ## Use it from the command line
# The run folder holds a model directory (weights, config, metadata, metrics). The command line
# decodes one input per line and answers one JSON object per line:

# %%
inputs_file = RUN_DIR / "some_urls.txt"
inputs_file.write_text("HTTPS://Example.com/\nmailto:someone@example.org\n../relative/link\n\n")
output = subprocess.run([sys.executable, "-m", "helpers", "predict", "--model", str(RUN_DIR / "model"),
                         str(inputs_file)], capture_output=True, text=True, check=True,
                        cwd=str(environment.repository))
print(output.stdout)
