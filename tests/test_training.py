import json
import random

import pytest

from helpers.functions import REGISTRY, LearnedFunction
from helpers.model import Seq2SeqConfig
from helpers.training import TrainingConfig, train, training_batches, validation_examples
from helpers.vectorization import decode_batch

TINY_MODEL = Seq2SeqConfig(units=8, embedding_dim=4, position_features=4, max_input_length=10, max_output_length=12)


@pytest.fixture(scope="module")
def two_digit_function():
    """A function with only 100 possible inputs, so that a leak into the training stream would show."""
    entry = LearnedFunction(name="test_double", function=lambda text: str(2 * int(text)),
                            generate_input=lambda rng: str(rng.randint(0, 99)), max_input_bytes=2)
    REGISTRY[entry.name] = entry
    yield entry
    del REGISTRY[entry.name]


def test_training_stream_never_produces_a_validation_input(two_digit_function):
    config = TrainingConfig(task="test_double", batch_size=16, pool_batches=4, validation_size=40)
    inputs, targets = validation_examples(two_digit_function, 40, seed=config.seed)
    assert len(set(inputs)) == 40
    assert all(target == json.dumps(str(2 * int(text))) for text, target in zip(inputs, targets))
    stream = training_batches(two_digit_function, config, TINY_MODEL, exclude=set(inputs), seed=5)
    seen = set()
    for _ in range(40):
        features, _ = next(stream)
        seen.update(decode_batch(features["encoder_ids"]))
    assert seen and not seen & set(inputs)
    assert len(seen) == 60  # every other input does appear


def test_training_writes_a_model_and_resumes(two_digit_function, tmp_path):
    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=3, epochs=2, validation_size=20,
                            examples_to_show=1)
    first = train(config, TINY_MODEL, tmp_path, verbose=0)
    assert len(first.history) == 2
    assert {"loss", "val_loss", "val_exact_match", "minutes"} <= set(first.history[-1])
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["task"] == "test_double"
    assert (tmp_path / "logs").is_dir() and any((tmp_path / "logs").rglob("*tfevents*"))
    # asking for 3 epochs again trains only the one missing epoch, from the checkpoint
    config.epochs = 3
    second = train(config, TINY_MODEL, tmp_path, verbose=0)
    assert len(second.history) == 3
    assert second.history[:2] == first.history


def test_bad_training_settings_are_value_errors(two_digit_function, tmp_path):
    with pytest.raises(ValueError, match="loss"):
        train(TrainingConfig(task="test_double", loss="nope"), TINY_MODEL, tmp_path)
    with pytest.raises(ValueError, match="too short"):
        train(TrainingConfig(task="urlparse"), TINY_MODEL, tmp_path)
    with pytest.raises(ValueError, match="unknown function"):
        train(TrainingConfig(task="nope"), TINY_MODEL, tmp_path)
