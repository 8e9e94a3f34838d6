"""The seq2seq network: a pair of embeddings, a pair of LSTMs, attention, a softmax over bytes.

    encoder_ids (batch, time_in) -> Embedding -> LSTM (or bidirectional LSTM) -> encoder_outputs
                                                                    (batch, time_in, units)
    decoder_ids (batch, time_out) -> Embedding -> LSTM, started from the encoder's final state
                                  -> decoder_outputs (batch, time_out, units)
    helpers.step.output_step: attention(decoder_outputs, encoder_outputs) -> context;
        [decoder_outputs, context] -> Dense, tanh -> Dense, softmax [-> copy mixture]
                                  -> (batch, time_out, vocabulary)

Training uses teacher forcing: the decoder reads the true previous byte. The LSTMs keep Keras'
default activations, no recurrent dropout and ``unroll=False``, so on a GPU Keras runs them with
cuDNN. What follows the decoder LSTM is ``helpers.step.output_step``, the same function every decoder
runs at each step; ``Seq2Seq.step_weights()`` names the weights that the step functions read.
"""

from __future__ import annotations

import keras
from keras import ops

from helpers.model_config import Seq2SeqConfig, encoder_prefix
from helpers.step import output_step, position_encoding, positions_needed
from helpers.vectorization import PAD_ID


class AppendPositions(keras.layers.Layer):
    """(batch, time, embedding) -> (batch, time, embedding + features): the sinusoidal position of
    each step appended to its embedding. ``offset`` is the position of the first step (the
    step-by-step decoder passes the step number)."""

    def __init__(self, features: int, **kwargs):
        super().__init__(**kwargs)
        self.features = features
        self.supports_masking = True

    def call(self, embedded, offset=0):
        if self.features == 0:
            return embedded
        shape = ops.shape(embedded)
        encoding = position_encoding(shape[1] + offset, self.features)[offset:]
        encoding = ops.broadcast_to(encoding[None], (shape[0], shape[1], self.features))
        return ops.concatenate([embedded, ops.cast(encoding, embedded.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.features)

    def get_config(self):
        return {**super().get_config(), "features": self.features}


class Seq2Seq:
    """The layers of one model, the Keras training model built from them, and its config.

    ``training_model`` maps {"encoder_ids": (batch, time_in), "decoder_ids": (batch, time_out)} to
    probabilities (batch, time_out, vocabulary).
    """

    def __init__(self, config: Seq2SeqConfig):
        self.config = config
        units = config.units
        self.encoder_embedding = keras.layers.Embedding(
            config.vocabulary_size, config.embedding_dim, mask_zero=True, name="encoder_embedding"
        )
        self.decoder_embedding = keras.layers.Embedding(
            config.vocabulary_size, config.embedding_dim, mask_zero=True, name="decoder_embedding"
        )
        self.positions = AppendPositions(config.position_features, name="positions")
        def encoder_lstm(name):
            if config.bidirectional_encoder:
                return keras.layers.Bidirectional(
                    keras.layers.LSTM(units // 2, return_sequences=True, return_state=True), name=name)
            return keras.layers.LSTM(units, return_sequences=True, return_state=True, name=name)

        self.encoder_lstm = encoder_lstm("encoder_lstm")
        # with encoder_layers > 1, the LSTMs stacked above the first (a model of one layer has none, so
        # its weights file is what it was before this option)
        self.upper_encoder_lstms = [encoder_lstm(f"encoder_lstm_{layer}") for layer in range(1, config.encoder_layers)]
        self.decoder_lstm = keras.layers.LSTM(units, return_sequences=True, return_state=True, name="decoder_lstm")
        # linear layers: output_step applies their tanh, softmax and sigmoid (as every decoder does)
        self.combine = keras.layers.Dense(units, name="combine")
        self.dropout = keras.layers.Dropout(config.dropout, name="dropout")
        self.output_layer = keras.layers.Dense(config.vocabulary_size, name="output")
        self.copy_gate = keras.layers.Dense(1, name="copy_gate") if config.copy_mechanism else None
        self.training_model = self._build_training_model()

    def step_weights(self) -> dict:
        """The named weights of ``helpers.step`` (``step.WEIGHT_NAMES``), as this model's Keras variables:
        a decoder reading them sees the weights as they are now (during training too)."""
        config = self.config
        named_cells = [("decoder", self.decoder_lstm.cell)]
        for layer, lstm in enumerate([self.encoder_lstm] + self.upper_encoder_lstms):
            cells = [lstm.forward_layer.cell, lstm.backward_layer.cell] if config.bidirectional_encoder else [lstm.cell]
            named_cells += [(encoder_prefix(layer, direction), cell) for direction, cell in enumerate(cells)]
        weights = {"encoder_embedding": self.encoder_embedding.embeddings,
                   "decoder_embedding": self.decoder_embedding.embeddings}
        if config.position_features:  # the sinusoids of AppendPositions, tabulated
            weights["positions"] = position_encoding(positions_needed(config), config.position_features)
        for prefix, cell in named_cells:
            weights[f"{prefix}_kernel"], weights[f"{prefix}_recurrent_kernel"], weights[f"{prefix}_bias"] = (
                cell.kernel, cell.recurrent_kernel, cell.bias)
        for name, layer in (("combine", self.combine), ("output", self.output_layer), ("copy_gate", self.copy_gate)):
            if layer is not None:
                weights[f"{name}_kernel"], weights[f"{name}_bias"] = layer.kernel, layer.bias
        return weights

    def output_layers(self) -> dict:
        """The Dense layers by their step names: what ``output_step`` calls in the training graph."""
        layers = {"combine": self.combine, "output": self.output_layer}
        if self.copy_gate is not None:
            layers["copy_gate"] = self.copy_gate
        return layers

    def encode(self, encoder_ids, training=None):
        """encoder_ids (batch, time_in) -> keys (batch, time_in, units), values (batch, time_in, width),
        [h, c] each (batch, units). width = units (+ embedding_dim with attend_to_embeddings)."""
        byte_embeddings = self.encoder_embedding(encoder_ids)
        outputs = self.positions(byte_embeddings)
        mask = ops.not_equal(encoder_ids, PAD_ID)
        for lstm in [self.encoder_lstm] + self.upper_encoder_lstms:  # the decoder starts from the top one's state
            if self.config.bidirectional_encoder:
                outputs, forward_h, forward_c, backward_h, backward_c = lstm(outputs, mask=mask, training=training)
                state = [ops.concatenate([forward_h, backward_h], -1), ops.concatenate([forward_c, backward_c], -1)]
            else:
                outputs, state_h, state_c = lstm(outputs, mask=mask, training=training)
                state = [state_h, state_c]
        values = ops.concatenate([outputs, byte_embeddings], axis=-1) if self.config.attend_to_embeddings else outputs
        return outputs, values, state

    def output_probabilities(self, decoder_outputs, keys, values, encoder_ids, training=None):
        """(batch, time_out, units) decoder outputs -> (batch, time_out, vocabulary) probabilities and
        the attention weights (batch, time_out, time_in): ``helpers.step.output_step`` with this
        model's layers."""
        return output_step(self.config, self.output_layers(), decoder_outputs, keys, values,
                           ops.not_equal(encoder_ids, PAD_ID), encoder_ids, dropout=self.dropout, training=training)

    def _build_training_model(self) -> keras.Model:
        encoder_ids = keras.Input(shape=(None,), dtype="int32", name="encoder_ids")
        decoder_ids = keras.Input(shape=(None,), dtype="int32", name="decoder_ids")
        keys, values, state = self.encode(encoder_ids)
        decoder_embedded = self.positions(self.decoder_embedding(decoder_ids))
        decoder_outputs, _, _ = self.decoder_lstm(
            decoder_embedded, initial_state=state, mask=ops.not_equal(decoder_ids, PAD_ID)
        )
        probabilities, _ = self.output_probabilities(decoder_outputs, keys, values, encoder_ids)
        return keras.Model({"encoder_ids": encoder_ids, "decoder_ids": decoder_ids}, probabilities, name="seq2seq")


def build_seq2seq(config: Seq2SeqConfig | None = None) -> Seq2Seq:
    """A new, untrained model. ``build_seq2seq().training_model.summary()`` shows its layers."""
    return Seq2Seq(config or Seq2SeqConfig())


def masked_loss(targets, probabilities):
    """Cross-entropy averaged over real target ids only (padding contributes nothing).

    targets (batch, time) int, probabilities (batch, time, vocabulary).
    """
    per_token = keras.losses.sparse_categorical_crossentropy(targets, probabilities)
    real = ops.cast(ops.not_equal(targets, PAD_ID), per_token.dtype)
    return ops.sum(per_token * real) / ops.maximum(ops.sum(real), 1.0)


def padding_capped_loss(targets, probabilities):
    """The article's loss: the model also learns to write padding, but padding is at most half.

    Cross-entropy over real ids plus cross-entropy over padding positions, the latter capped at the
    former, so that a batch with much padding cannot teach mostly "write padding".
    """
    per_token = keras.losses.sparse_categorical_crossentropy(targets, probabilities)
    real = ops.cast(ops.not_equal(targets, PAD_ID), per_token.dtype)
    padding = 1.0 - real
    real_loss = ops.sum(per_token * real) / ops.maximum(ops.sum(real), 1.0)
    padding_loss = ops.sum(per_token * padding) / ops.maximum(ops.sum(padding), 1.0)
    return real_loss + ops.minimum(padding_loss, real_loss)


def masked_token_accuracy(targets, probabilities):
    """Share of real (non-padding) target ids that the argmax predicts correctly."""
    predicted = ops.cast(ops.argmax(probabilities, axis=-1), targets.dtype)
    real = ops.not_equal(targets, PAD_ID)
    correct = ops.logical_and(ops.equal(predicted, targets), real)
    return ops.sum(ops.cast(correct, "float32")) / ops.maximum(ops.sum(ops.cast(real, "float32")), 1.0)


def sequence_accuracy(targets, probabilities):
    """Share of rows whose every real target id is predicted correctly (teacher-forced exact match)."""
    predicted = ops.cast(ops.argmax(probabilities, axis=-1), targets.dtype)
    wrong = ops.logical_and(ops.not_equal(predicted, targets), ops.not_equal(targets, PAD_ID))
    return ops.mean(ops.cast(ops.logical_not(ops.any(wrong, axis=-1)), "float32"))


LOSSES = {"masked": masked_loss, "padding_capped": padding_capped_loss}
