"""Colab's GPU gets Keras' fast cuDNN LSTM only when every LSTM of a model meets its conditions
(keras.src.backend.tensorflow.rnn.cudnn_ok and the LSTM layer's checks): tanh and sigmoid, a bias, no
unrolling, no recurrent dropout, use_cudnn left to "auto", and masks that are right-padded (every
sequence is its ids first, then padding). Checked for every recipe, with no GPU needed."""

import numpy as np
import pytest

from helpers.model import build_seq2seq
from helpers.recipes import RECIPES, recipe
from helpers.vectorization import PAD_ID, encode_batch, teacher_forcing_batch


def lstm_layers(layer):
    import keras

    found = [layer] if isinstance(layer, keras.layers.LSTM) else []
    for child in getattr(layer, "_layers", []) or []:
        found += lstm_layers(child)
    if isinstance(layer, keras.layers.Bidirectional):
        found += [layer.forward_layer, layer.backward_layer]
    return found


def cudnn_problems(lstm) -> list[str]:
    from keras import activations

    cell = lstm.cell
    problems = []
    if cell.activation is not activations.tanh:
        problems.append("activation is not tanh")
    if cell.recurrent_activation is not activations.sigmoid:
        problems.append("recurrent_activation is not sigmoid")
    if not cell.use_bias:
        problems.append("no bias")
    if lstm.unroll:
        problems.append("unrolled")
    if cell.recurrent_dropout:
        problems.append("recurrent dropout")
    if lstm.use_cudnn not in ("auto", True):
        problems.append(f"use_cudnn={lstm.use_cudnn}")
    return problems


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_lstm_of_every_recipe_can_run_on_cudnn(name):
    import keras

    model_config, _ = recipe(name)
    model = build_seq2seq(model_config)
    layers = {id(layer): layer for top in model.training_model.layers for layer in lstm_layers(top)}
    assert len(layers) >= 2  # the encoder's and the decoder's
    assert {lstm.name: cudnn_problems(lstm) for lstm in layers.values()} == {lstm.name: [] for lstm in layers.values()}
    broken = keras.layers.LSTM(4, activation="relu", recurrent_dropout=0.1)  # the check sees what breaks the path
    assert cudnn_problems(broken) == ["activation is not tanh", "recurrent dropout"]


def right_padded(ids: np.ndarray) -> bool:
    """Every row is its ids, then only PAD_ID: the mask (ids != PAD_ID) is right-padded."""
    mask = ids != PAD_ID
    return bool(np.all(mask[:, :-1] | ~mask[:, 1:]))


def test_the_batches_every_model_sees_are_right_padded():
    texts = ["a", "http://example.com/a?b=c", "", "é"]
    assert right_padded(encode_batch(texts, bucket=8))
    features, targets = teacher_forcing_batch(texts[:2] + texts[3:], ['"x"', '"a longer target"', '"é"'], bucket=8)
    assert right_padded(features["encoder_ids"]) and right_padded(features["decoder_ids"]) and right_padded(targets)
    assert not right_padded(np.array([[PAD_ID, 5, 6]]))  # left padding is caught
