import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def small_model():
    """An untrained model whose output layer is scaled up so that argmax decisions are clear-cut
    (no near-ties that float rounding could flip between two correct implementations)."""
    import numpy as np

    from helpers.model import Seq2SeqConfig, build_seq2seq

    import keras

    keras.utils.set_random_seed(7)
    model = build_seq2seq(Seq2SeqConfig(units=32, embedding_dim=16, max_input_length=65, max_output_length=24))
    kernel, bias = model.output_layer.get_weights()
    rng = np.random.default_rng(0)
    bias = bias + rng.normal(0, 2.0, size=bias.shape)
    bias[2] += 4.0  # END_ID: make outputs finish at various lengths
    model.output_layer.set_weights([kernel * 20.0, bias])
    return model
