"""The shape of one seq2seq model: ``Seq2SeqConfig``, every field with the reason for its default.

Saved as JSON beside the weights (``helpers.storage``); ``helpers.model.build_seq2seq`` builds it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from helpers.vectorization import VOCABULARY_SIZE


@dataclass
class Seq2SeqConfig:
    """Shape of one seq2seq model. Saved as JSON beside the weights."""

    vocabulary_size: int = VOCABULARY_SIZE  # 256 bytes + PAD, START, END
    embedding_dim: int = 64  # bytes are few (259): a small embedding is enough
    units: int = 128  # width of both LSTMs (each direction gets half when bidirectional)
    bidirectional_encoder: bool = True  # encoder outputs then see both sides of each byte
    encoder_layers: int = 1  # stacked encoder LSTMs: each one above the first reads the outputs of the one below
    attention_scale: bool = False  # divide scores by sqrt(units); unscaled, alignment is found sooner (measured)
    position_features: int = 16  # sinusoidal position of each byte appended to its embedding; 0 = none
    attend_to_embeddings: bool = False  # attention reads [encoder output, byte embedding]: the exact byte
    #                                    being copied is one hop from the output (measured: fewer copy slips)
    max_input_length: int = 258  # longest encoder input in ids (UTF-8 bytes + END); 256 bytes of text
    max_output_length: int = 400  # hard stop for the greedy decoders, in ids
    dropout: float = 0.0  # on the attention-combined vector; generators rarely repeat, so 0 is fine
    copy_mechanism: bool = False  # pointer-generator output: a learned gate mixes the softmax with the
    #                               attention weights summed per input byte id, so copying a byte means
    #                               pointing at it rather than re-creating it from the state
    reverse_output: bool = False  # the decoder writes each output last byte first, then END (hex: the low
    #                               digits first, maybe easier; not yet measured); every decoder turns them
    #                               back (step.in_output_order), so every user sees the normal text

    def __post_init__(self) -> None:
        if self.position_features % 2:
            raise ValueError(f"position_features must be even, got {self.position_features}")
        if self.bidirectional_encoder and self.units % 2:
            raise ValueError(f"a bidirectional encoder needs an even number of units, got {self.units}")
        for name in ("vocabulary_size", "embedding_dim", "units", "encoder_layers", "max_input_length", "max_output_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_dict(cls, values: dict) -> "Seq2SeqConfig":
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown model config fields: {sorted(unknown)}")
        return cls(**values)


def encoder_prefix(layer: int, direction: int) -> str:
    """The name of one encoder LSTM's weights (``helpers.step.WEIGHT_NAMES``): "encoder_{direction}" in
    the first layer (reading the byte embeddings), "encoder_layer{layer}_{direction}" above it."""
    return f"encoder_{direction}" if layer == 0 else f"encoder_layer{layer}_{direction}"
