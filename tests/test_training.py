import json
import re
from dataclasses import replace

import pytest

from helpers.functions import REGISTRY, LearnedFunction
from helpers.model import Seq2SeqConfig
from helpers.streams import training_batches, validation_examples
from helpers.training import TrainingConfig, train
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
    stream = training_batches(two_digit_function, config, TINY_MODEL, exclude=set(inputs))
    seen = set()
    for _ in range(40):
        features, _ = next(stream)
        seen.update(decode_batch(features["encoder_ids"]))
    assert seen and not seen & set(inputs)
    assert len(seen) == 60  # every other input does appear


def test_hard_input_share_mixes_the_hard_generator_into_training_only(two_digit_function):
    """With hard_input_share 0.25 about a quarter of the training inputs come from the hard generator;
    validation keeps the natural generator; a function without one, or a share outside [0, 1], is a ValueError."""
    hard = LearnedFunction(name="test_double_hard", function=two_digit_function.function,
                           generate_input=lambda rng: str(rng.randint(0, 49)), max_input_bytes=2,
                           generate_hard_input=lambda rng: str(rng.randint(50, 99)))
    REGISTRY[hard.name] = hard
    try:
        config = TrainingConfig(task=hard.name, batch_size=16, pool_batches=4, hard_input_share=0.25)
        stream = training_batches(hard, config, TINY_MODEL, exclude=set())
        drawn = [int(text) for _ in range(50) for text in decode_batch(next(stream)[0]["encoder_ids"])]
        share = sum(number >= 50 for number in drawn) / len(drawn)
        assert 0.2 < share < 0.3
        inputs, _ = validation_examples(hard, 40, seed=config.seed)
        assert all(int(text) < 50 for text in inputs)
    finally:
        del REGISTRY[hard.name]
    with pytest.raises(ValueError, match="no generator of hard inputs"):
        next(training_batches(two_digit_function, TrainingConfig(task="test_double", hard_input_share=0.1),
                              TINY_MODEL, exclude=set()))
    with pytest.raises(ValueError, match="hard_input_share"):
        next(training_batches(hard, TrainingConfig(task=hard.name, hard_input_share=1.5), TINY_MODEL, exclude=set()))


def test_target_input_share_draws_inputs_as_the_target_is_stated(two_digit_function):
    """With target_input_share 0.5 about half of the training inputs come from the entry's target draw
    (target_inputs), the rest from its generator; validation keeps the generator; an entry without a
    target draw, or a share outside [0, 1], is a ValueError."""
    aimed = replace(two_digit_function, name="test_double_target", generate_input=lambda rng: str(rng.randint(0, 49)),
                    target_inputs=lambda rng: str(rng.randint(50, 99)))
    REGISTRY[aimed.name] = aimed
    try:
        config = TrainingConfig(task=aimed.name, batch_size=16, pool_batches=4, target_input_share=0.5)
        drawn = [int(text) for _, batch in zip(range(50), training_batches(aimed, config, TINY_MODEL, exclude=set()))
                 for text in decode_batch(batch[0]["encoder_ids"])]
        assert 0.45 < sum(number >= 50 for number in drawn) / len(drawn) < 0.55
        assert all(int(text) < 50 for text in validation_examples(aimed, 40, seed=config.seed)[0])
    finally:
        del REGISTRY[aimed.name]
    with pytest.raises(ValueError, match="no target draw"):
        next(training_batches(two_digit_function, TrainingConfig(task="test_double", target_input_share=0.1),
                              TINY_MODEL, exclude=set()))
    with pytest.raises(ValueError, match="target_input_share"):
        next(training_batches(aimed, TrainingConfig(task=aimed.name, target_input_share=1.5), TINY_MODEL, exclude=set()))


def test_real_input_share_mixes_real_pairs_into_training(two_digit_function):
    """With real_input_share 0.4 about 40% of the training inputs are the real pairs given; a share without
    real pairs, or outside [0, 1], is a ValueError."""
    config = TrainingConfig(task="test_double", batch_size=16, pool_batches=4, real_input_share=0.4)
    real_pairs = [("7", '"14"'), ("8", '"16"')]
    stream = training_batches(two_digit_function, config, TINY_MODEL, exclude=set(), real_pairs=real_pairs)
    drawn = [text for _ in range(50) for text in decode_batch(next(stream)[0]["encoder_ids"])]
    share = sum(text in {"7", "8"} for text in drawn) / len(drawn)
    assert 0.35 < share < 0.45  # 0.4 from the real pairs, 2% more from the generator
    with pytest.raises(ValueError, match="no real inputs"):
        next(training_batches(two_digit_function, config, TINY_MODEL, exclude=set()))
    with pytest.raises(ValueError, match="real_input_share"):
        next(training_batches(two_digit_function, TrainingConfig(task="test_double", real_input_share=-0.1),
                              TINY_MODEL, exclude=set(), real_pairs=real_pairs))


def test_real_training_pairs_come_from_the_training_side_of_the_split_with_the_real_targets(tmp_path):
    """The default real inputs are the training side of data.real_url_split(); a validation input, a URL
    over the length limit are left out; the targets are the real function's (errors as objects)."""
    from helpers.data import real_url_split, read_split_folder
    from helpers.functions import get_function
    from helpers.streams import real_training_pairs

    function = get_function("urlparse")
    training_urls, held_out = real_url_split()
    excluded = set(training_urls[:10])
    pairs = real_training_pairs(function, TrainingConfig(task="urlparse", real_input_share=0.1), excluded)
    texts = [text for text, _ in pairs]
    assert not set(texts) & excluded and not set(texts) & set(held_out)
    assert len(texts) == sum(1 for url in training_urls[10:] if len(url.encode()) <= function.max_input_bytes)
    assert all(target == function.output_text(text) for text, target in pairs[:500])
    with pytest.raises(ValueError, match="is not a folder"):
        read_split_folder(tmp_path / "missing")


def test_common_validation_inputs_stay_in_training(monkeypatch, tmp_path):
    """A generator that draws the number of digits first (as hex's does) puts every 1-digit number in
    a validation set of 200: the training stream must still train on them, and skip the rare ones."""
    from helpers import training

    def digits_first(rng):
        digits = rng.randint(1, 4)
        return str(rng.randint(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits - 1))

    entry = LearnedFunction(name="test_digits_first", function=lambda text: str(int(text) + 1),
                            generate_input=digits_first, max_input_bytes=4)
    monkeypatch.setitem(REGISTRY, entry.name, entry)
    excluded = []
    real_stream = training.training_batches
    monkeypatch.setattr(training, "training_batches",
                        lambda function, config, model_config, exclude, **keywords: excluded.append(exclude)
                        or real_stream(function, config, model_config, exclude, **keywords))
    config = TrainingConfig(task=entry.name, batch_size=8, steps_per_epoch=1, epochs=1, validation_size=200,
                            examples_to_show=0)
    result = train(config, TINY_MODEL, tmp_path, verbose=0)
    one_digit = {str(number) for number in range(10)}
    assert one_digit <= set(result.validation_inputs)
    assert not excluded[0] & one_digit
    rare = {text for text in result.validation_inputs if len(text) == 4}
    assert rare and rare <= excluded[0]
    assert training.training_exclusions(entry, result.validation_inputs,
                                        TrainingConfig(common_input_share=1.0)) == set(result.validation_inputs)
    with pytest.raises(ValueError, match="common_input_share"):
        training.training_exclusions(entry, result.validation_inputs, TrainingConfig(common_input_share=0.0))


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
    with pytest.raises(ValueError, match="other settings \\(learning_rate\\).*--fresh"):
        train(replace(config, learning_rate=0.5), TINY_MODEL, tmp_path, verbose=0)


def test_a_stopped_run_goes_on_as_if_it_never_stopped(two_digit_function, tmp_path):
    """N epochs, a stop, and N more from the run folder alone (``resume``) end with the weights of 2 x N
    epochs straight through: the optimizer's state, the learning-rate schedule, the stream's position
    and the moving average of the weights all come back."""
    import numpy as np

    from helpers.training import resume

    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=20, epochs=4, validation_size=20,
                            examples_to_show=0, learning_rate=1e-2, learning_rate_decay_epochs=4,
                            weight_average_steps=20, seed=3)
    straight = train(config, TINY_MODEL, tmp_path / "straight", verbose=0)
    halfway = train(replace(config, epochs=2), TINY_MODEL, tmp_path / "stopped", verbose=0)
    resumed = resume(tmp_path / "stopped", epochs=4, verbose=0)
    assert len(resumed.history) == 4 and resumed.history[:2] == halfway.history
    for name, expected, got in ((" (average)", straight.model, resumed.model), ("", None, None)):
        if expected is None:  # the raw weights that training goes on from
            expected, got = state_arrays(tmp_path / "straight"), state_arrays(tmp_path / "stopped")
        else:
            expected, got = expected.training_model.get_weights(), got.training_model.get_weights()
        assert len(expected) == len(got)
        for straight_array, resumed_array in zip(expected, got):
            np.testing.assert_allclose(resumed_array, straight_array, rtol=1e-5, atol=1e-6, err_msg=name)
    assert resumed.history[-1]["val_loss"] == pytest.approx(straight.history[-1]["val_loss"], rel=1e-5)
    assert not np.allclose(halfway.model.training_model.get_weights()[0], resumed.model.training_model.get_weights()[0])


def test_initial_model_starts_from_the_saved_weights(two_digit_function, tmp_path):
    """A run with initial_model starts where the saved model is: its first validation loss is the saved
    model's, not a random initialisation's; another task or model config is a ValueError."""

    import keras
    import numpy as np

    from helpers.model import build_seq2seq
    from helpers.training import start_from_saved_weights

    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=20, epochs=3, validation_size=20,
                            examples_to_show=0, learning_rate=1e-2)
    trained = train(config, TINY_MODEL, tmp_path / "first", verbose=0)
    model = build_seq2seq(TINY_MODEL)
    start_from_saved_weights(model, tmp_path / "first" / "model", "test_double")
    for copied, saved in zip(model.training_model.get_weights(), trained.model.training_model.get_weights()):
        np.testing.assert_array_equal(copied, saved)
    keras.utils.set_random_seed(5)
    fresh = train(replace(config, epochs=1, learning_rate=1e-9), TINY_MODEL, tmp_path / "fresh", verbose=0)
    going_on = train(replace(config, epochs=1, learning_rate=1e-9, initial_model=str(tmp_path / "first" / "model")),
                     TINY_MODEL, tmp_path / "going_on", verbose=0)
    assert going_on.history[0]["val_loss"] == pytest.approx(trained.history[-1]["val_loss"], rel=1e-3)
    assert fresh.history[0]["val_loss"] > 1.5 * going_on.history[0]["val_loss"]
    with pytest.raises(ValueError, match="not 'urlparse'"):
        start_from_saved_weights(build_seq2seq(TINY_MODEL), tmp_path / "first" / "model", "urlparse")
    with pytest.raises(ValueError, match="units"):
        start_from_saved_weights(build_seq2seq(replace(TINY_MODEL, units=12)), tmp_path / "first" / "model", "test_double")


def test_bad_training_settings_are_value_errors(two_digit_function, tmp_path):
    with pytest.raises(ValueError, match="loss"):
        train(TrainingConfig(task="test_double", loss="nope"), TINY_MODEL, tmp_path)
    with pytest.raises(ValueError, match="too short"):
        train(TrainingConfig(task="urlparse"), TINY_MODEL, tmp_path)
    with pytest.raises(ValueError, match="unknown function"):
        train(TrainingConfig(task="nope"), TINY_MODEL, tmp_path)


def test_cosine_decay_by_time_follows_the_training_clock(two_digit_function, tmp_path, fake_clock):
    """The schedule's rule, then a run on a fake clock that moves 6 seconds a step: each epoch's logged
    minutes and learning rate, and the optimizer's rate, are the schedule's at that clock."""
    import keras

    from helpers.callbacks import CosineDecayByTime, TimeLimit

    schedule = CosineDecayByTime(1e-2, minutes=10.0, timer=TimeLimit(None))
    rates = [schedule.rate(minutes) for minutes in (0.0, 2.5, 5.0, 7.5, 10.0, 20.0)]
    assert rates[0] == pytest.approx(1e-2) and rates[2] == pytest.approx(0.525e-2)
    assert rates[4] == pytest.approx(5e-4) and rates[5] == pytest.approx(5e-4)
    assert all(later < earlier for earlier, later in zip(rates[:5], rates[1:5]))
    with pytest.raises(ValueError, match="positive"):
        CosineDecayByTime(1e-2, minutes=0.0, timer=TimeLimit(None))

    def six_seconds_a_step(batch, logs):
        fake_clock.now += 6.0

    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=5, epochs=3, validation_size=20,
                            examples_to_show=0, learning_rate=1e-2, learning_rate_decay_minutes=1.5)
    result = train(config, TINY_MODEL, tmp_path, verbose=0,
                   extra_callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=six_seconds_a_step)])
    schedule = CosineDecayByTime(1e-2, minutes=1.5, timer=TimeLimit(None))
    epoch_ends = [0.5, 1.0, 1.5]  # minutes: 5, 10 and 15 steps of 6 seconds
    assert [epoch["minutes"] for epoch in result.history] == pytest.approx(epoch_ends, abs=1e-4)
    assert [epoch["learning_rate"] for epoch in result.history] == pytest.approx(
        [schedule.rate(minutes) for minutes in epoch_ends], rel=1e-4)
    # the rate is set every 10 steps of an epoch: last at the first step of the third epoch, at 1.0 minute
    optimizer_rate = float(result.model.training_model.optimizer.learning_rate.numpy())
    assert optimizer_rate == pytest.approx(schedule.rate(1.0), rel=1e-4)


def test_time_budget_stops_inside_an_epoch(two_digit_function, tmp_path, fake_clock):
    """A budget that runs out mid-epoch ends training after that batch, not after the whole epoch:
    the last epoch is cut short, validated, and counted. The training clock is a fake one that
    advances a second each time it is read, so the test does not depend on the machine's speed."""
    import keras

    fake_clock.seconds_per_read = 1.0
    batches = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=5_000, epochs=3,
                            validation_size=20, examples_to_show=0, max_minutes=0.05)  # 3 fake seconds
    result = train(config, TINY_MODEL, tmp_path, verbose=0, extra_callbacks=[counter])
    assert len(result.history) == 1  # one shortened epoch
    assert 0 < len(batches) < 10  # stopped a few clock reads past 3 s, far from the 5,000 steps of the epoch
    assert result.history[0]["minutes"] >= 0.05
    assert "val_exact_match" in result.history[0]


def test_weight_average_follows_the_moving_average_rule_and_swaps_back():
    """The average after n updates is the warm-up EMA of the weights seen every ``every`` steps;
    swap_in shows it to the model, swap_out restores the raw weights that training continues from."""
    import keras

    from helpers.callbacks import WeightAverage

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    kernel = model.trainable_variables[0]
    average = WeightAverage(steps=20, every=2)
    average.set_model(model)
    expected, seen = None, 0
    for batch, value in enumerate([1.0, 9.0, 3.0, 5.0, -4.0, 7.0, 2.0]):
        kernel.assign([[value]])
        average.on_train_batch_end(batch)
        if batch % 2 == 0:  # updates on batches 0, 2, 4, 6 only
            momentum = min(1 - 2 / 20, (1 + seen) / (10 + seen))
            expected = value if expected is None else momentum * expected + (1 - momentum) * value
            seen += 1
    assert average.updates == 4
    assert float(average.average[0][0, 0]) == pytest.approx(expected)
    average.swap_in()
    assert float(kernel.numpy()[0, 0]) == pytest.approx(expected)
    average.swap_out()
    assert float(kernel.numpy()[0, 0]) == 2.0
    with pytest.raises(ValueError, match="at least 10"):
        WeightAverage(steps=5)


def test_training_with_a_weight_average_validates_and_saves_the_average(two_digit_function, tmp_path):
    """The model that train() returns and saves is the average; the resume state keeps the raw weights
    (without averaging, the returned weights are exactly those of the resume state)."""
    import numpy as np

    from helpers.storage import load_model

    def run(weight_average_steps, directory):
        config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=20, epochs=2, validation_size=20,
                                examples_to_show=0, learning_rate=1e-2, weight_average_steps=weight_average_steps)
        result = train(config, TINY_MODEL, directory, verbose=0)
        returned = [variable.numpy() for variable in result.model.training_model.trainable_variables]
        saved = [variable.numpy() for variable in load_model(directory / "model").model.training_model.trainable_variables]
        assert all(np.array_equal(a, b) for a, b in zip(saved, returned))
        raw = state_arrays(directory)
        return sum(any(array.shape == kept.shape and np.array_equal(array, kept) for kept in raw) for array in returned), len(returned)

    same, total = run(None, tmp_path / "raw")
    assert same == total
    same, total = run(30, tmp_path / "average")
    assert same < total
    saved = [variable.numpy() for variable in load_model(tmp_path / "average" / "model").model.training_model.trainable_variables]
    again = run(30, tmp_path / "average")  # the run is complete: no fit, and still the average comes back
    assert again == (same, total)
    assert all(np.array_equal(a, b) for a, b in zip(saved, [variable.numpy() for variable in
                                                           load_model(tmp_path / "average" / "model").model.training_model.trainable_variables]))


def state_weights_file(run_dir):
    state = json.loads((run_dir / "state" / "state.json").read_text())
    return run_dir / "state" / state["files"][0]


def state_arrays(run_dir):
    """Every array of the resume state's weights file (the last epoch's raw weights and the optimizer's)."""
    import h5py

    arrays = []
    with h5py.File(state_weights_file(run_dir)) as weights:
        weights.visititems(lambda name, item: arrays.append(item[()]) if hasattr(item, "shape") else None)
    return arrays


def cut_short(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def test_a_damaged_resume_state_is_one_clear_error_and_fresh_starts_over(two_digit_function, tmp_path):
    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=3, epochs=1, validation_size=20,
                            examples_to_show=0)
    train(config, TINY_MODEL, tmp_path, verbose=0)
    cut_short(state_weights_file(tmp_path))  # as a disk that lost half a file would
    config.epochs = 2
    with pytest.raises(ValueError, match="resume state in .*state is damaged .*fresh"):
        train(config, TINY_MODEL, tmp_path, verbose=0)
    result = train(config, TINY_MODEL, tmp_path, verbose=0, fresh=True)
    assert len(result.history) == 2 and not list(tmp_path.rglob(".partial-*"))


def test_a_write_cut_short_leaves_the_previous_model_whole(tmp_path, monkeypatch):
    from helpers.decoders import GreedyDecoder
    from helpers.model import build_seq2seq
    from helpers.storage import load_model, save_model

    model = build_seq2seq(TINY_MODEL)
    save_model(model, tmp_path, "test_double")
    before = GreedyDecoder(load_model(tmp_path).model)(["12", "7"]).texts

    def dies_half_way(path, **options):
        with open(path, "wb") as file:
            file.write(b"\x89HDF\r\n\x1a\n half a file")
        raise KeyboardInterrupt  # the process is killed in the middle of the write

    monkeypatch.setattr(model.training_model, "save_weights", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, tmp_path, "test_double")
    assert GreedyDecoder(load_model(tmp_path).model)(["12", "7"]).texts == before
    assert not list(tmp_path.glob(".partial-*"))


def test_a_damaged_model_file_is_one_line_and_status_2(tmp_path, capsys):
    from helpers.cli import main
    from helpers.model import build_seq2seq
    from helpers.storage import load_model, save_model

    save_model(build_seq2seq(TINY_MODEL), tmp_path, "test_double")
    cut_short(tmp_path / "model.weights.h5")
    with pytest.raises(ValueError, match="model.weights.h5 is damaged"):
        load_model(tmp_path)
    (tmp_path / "inputs.txt").write_text("12\n")
    assert main(["predict", "--model", str(tmp_path), str(tmp_path / "inputs.txt")]) == 2
    weights = re.escape(str(tmp_path / "model.weights.h5"))
    assert re.fullmatch(f"error: {weights} is damaged or incomplete \\(\\w+\\): train the model again, or put back a "
                        f"good copy of the file\n", capsys.readouterr().err)


def test_train_or_load_loads_the_shipped_model_instead_of_training(two_digit_function, tmp_path):
    from helpers.decoders import GreedyDecoder
    from helpers.training import train_or_load

    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=3, epochs=1, validation_size=20,
                            examples_to_show=0)
    trained = train_or_load(True, tmp_path / "nothing", config, TINY_MODEL, tmp_path / "run", verbose=0)
    loaded = train_or_load(False, tmp_path / "run" / "model", config, TINY_MODEL, tmp_path / "unused", verbose=0)
    assert loaded.history == [] and not (tmp_path / "unused").exists()
    assert loaded.metrics["steps"] == trained.metrics["steps"]
    assert GreedyDecoder(loaded.model)(["12", "7"]).texts == GreedyDecoder(trained.model)(["12", "7"]).texts
    with pytest.raises(ValueError, match="not 'protocol'"):
        train_or_load(False, tmp_path / "run" / "model", TrainingConfig(task="protocol"))


def test_a_bar_run_prints_one_bar_and_one_summary_line_and_no_epoch_log(two_digit_function, tmp_path, capsys):
    """verbose="bar" (the notebooks'): nothing per epoch, a bar over the whole budget on stderr, and
    one summary line that names the validation exact match and the steps."""
    config = TrainingConfig(task="test_double", batch_size=16, steps_per_epoch=5, epochs=3, validation_size=20,
                            examples_to_show=2, learning_rate=1e-2)
    result = train(config, TINY_MODEL, tmp_path, verbose="bar")
    printed = capsys.readouterr()
    lines = [line.rsplit("\r", 1)[-1] for line in printed.out.strip().split("\n")]  # the bar redraws in place
    assert lines[-1] == result.summary() and len(lines) <= 3  # before it the bar and at most the note on common inputs
    assert result.summary().startswith("test_double: validation exact match ")
    assert "after 15 steps" in result.summary()
    assert "15/15" in lines[-2]  # the bar ends at the budget
    assert "epoch" not in printed.out.lower() + printed.err.lower()


def test_a_reverse_output_model_learns_its_output_last_byte_first_and_is_validated_on_the_text(tmp_path):
    """reverse_output: the training stream teaches each target last byte first, the decoders turn the
    output back, so the validation exact match (and the saved model's predictions) compare normal
    texts. A constant output that is not a palindrome, learnt in a few dozen steps: if either side
    lost its reversal, the score would be 0. The same weights in a model without the flag write the
    reversed text, which shows what the network learnt."""
    from helpers.decoders import GreedyDecoder
    from helpers.model import build_seq2seq
    from helpers.storage import load_model

    entry = LearnedFunction(name="test_constant", function=lambda text: "xyz",
                            generate_input=lambda rng: str(rng.randint(0, 99)), max_input_bytes=2)
    REGISTRY[entry.name] = entry
    try:
        config = TrainingConfig(task="test_constant", batch_size=16, steps_per_epoch=20, epochs=3, validation_size=20,
                                learning_rate=0.05, examples_to_show=0)  # 1.0 from the second epoch on (measured)
        model_config = replace(TINY_MODEL, units=16, reverse_output=True)
        result = train(config, model_config, tmp_path, verbose=0)
    finally:
        del REGISTRY[entry.name]
    assert set(result.validation_targets) == {'"xyz"'}
    assert result.history[-1]["val_exact_match"] == 1.0
    saved = load_model(tmp_path / "model").model
    assert saved.config.reverse_output
    assert GreedyDecoder(saved)(["7", "42"]).texts == ['"xyz"', '"xyz"']
    plain = build_seq2seq(replace(model_config, reverse_output=False))
    plain.training_model.set_weights(saved.training_model.get_weights())
    assert GreedyDecoder(plain)(["7"]).texts == ['"zyx"']
