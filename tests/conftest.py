import os
import sys

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


class FakeClock:
    """A stand-in for ``TimeLimit.clock`` (helpers.callbacks): the time is ``now`` seconds, which moves
    on by ``seconds_per_read`` each time the clock is read, and wherever a test sets it. Time budgets
    and time-based schedules then behave the same on any machine, however loaded."""

    def __init__(self, seconds_per_read: float = 0.0):
        self.now = 0.0
        self.seconds_per_read = seconds_per_read

    def __call__(self) -> float:
        reading = self.now
        self.now += self.seconds_per_read
        return reading


@pytest.fixture
def fake_clock(monkeypatch):
    """The training clock replaced by a FakeClock that stands still until the test moves it."""
    from helpers.callbacks import TimeLimit

    clock = FakeClock()
    monkeypatch.setattr(TimeLimit, "clock", staticmethod(clock))
    return clock


@pytest.fixture(scope="module", autouse=True)
def no_spark_session_outlives_its_module(request):
    """Every Spark session a test module starts is stopped by the end of that module: a session left
    running would be handed to the next module's ``getOrCreate`` with the wrong settings. Fails the
    module's last test otherwise (after stopping the session)."""
    yield
    pyspark = sys.modules.get("pyspark")
    context = pyspark.SparkContext._active_spark_context if pyspark else None
    if context is not None:
        context.stop()
        pytest.fail(f"{request.module.__name__} left a Spark session running: stop each session a test starts")
