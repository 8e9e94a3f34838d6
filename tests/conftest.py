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


@pytest.fixture(scope="session")
def load_tool():
    """A script of tools/ as a module: load_tool("readme_figures")."""
    import importlib.util
    import sys
    from pathlib import Path

    tools = Path(__file__).resolve().parent.parent / "tools"
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))  # the tools import their shared modules (generated_files) by name

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, tools / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
