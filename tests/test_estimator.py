"""Seq2SeqEstimator: the scikit-learn contract, joblib pickling with weights, and a grid search on
local Spark through joblibspark. Tiny models and a few steps: these test the plumbing, and one test
checks that fit really trains."""

import io
import random

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from helpers.estimator import Seq2SeqEstimator
from helpers.functions import get_function

TINY = dict(units=16, embedding_dim=8, position_features=4, batch_size=32)


@pytest.fixture(scope="module")
def date_examples():
    return get_function("date_inverse").examples(random.Random(0), 64)


@pytest.fixture(scope="module")
def fitted(date_examples):
    inputs, targets = date_examples
    return Seq2SeqEstimator(task="date_inverse", steps=3, **TINY).fit(inputs, targets)


def test_params_round_trip_and_clone_is_unfitted(fitted):
    params = fitted.get_params()
    assert params["units"] == 16 and params["task"] == "date_inverse"
    copy = clone(fitted)
    assert copy.get_params() == params
    assert not hasattr(copy, "model_")
    copy.set_params(units=32, steps=7)
    assert (copy.units, copy.steps, fitted.units) == (32, 7, 16)


def test_unfitted_predict_and_bad_inputs_are_value_errors(date_examples):
    with pytest.raises(ValueError, match="not fitted"):
        Seq2SeqEstimator(task="date_inverse").predict(["7ea-b-17 17:34:12"])
    with pytest.raises(ValueError, match="rows"):
        Seq2SeqEstimator(task="date_inverse", steps=1, **TINY).fit(date_examples[0], date_examples[1][:3])
    with pytest.raises(ValueError, match="not a str"):
        Seq2SeqEstimator(task="date_inverse", steps=1, **TINY).fit([1, 2])


def test_score_is_exact_match_of_predict(fitted, date_examples):
    inputs, targets = date_examples
    predicted = fitted.predict(inputs)
    assert predicted.shape == (len(inputs),) and predicted.dtype == object
    expected = np.mean([got == target for got, target in zip(predicted, targets)])
    assert fitted.score(inputs, targets) == expected
    assert fitted.score(inputs) == expected  # y None: the real function's outputs
    column = np.array(inputs, dtype=object)[:, None]  # (n, 1), as a DataFrame column gives it
    assert fitted.predict(column).tolist() == predicted.tolist()


def test_joblib_pickle_carries_the_weights(fitted, date_examples):
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    for original, copied in zip(fitted.model_.training_model.get_weights(), restored.model_.training_model.get_weights()):
        np.testing.assert_array_equal(original, copied)
    assert restored.predict(date_examples[0]).tolist() == fitted.predict(date_examples[0]).tolist()
    assert restored.get_params() == fitted.get_params()


def test_fit_trains_the_network():
    """The mean training loss of 300 steps on a 10-row table falls far below an untrained model's
    (cross-entropy over 259 byte ids starts near ln 259 = 5.6)."""
    inputs = [str(number) for number in range(10)]
    barely = Seq2SeqEstimator(task="hex", units=32, embedding_dim=16, steps=2, batch_size=32, seed=1).fit(inputs)
    trained = Seq2SeqEstimator(task="hex", units=32, embedding_dim=16, steps=300, batch_size=32, seed=1,
                               learning_rate=2e-2).fit(inputs)
    assert barely.loss_ > 4.0
    assert trained.loss_ < 1.5
    assert [int(fitted.model_.training_model.optimizer.iterations.numpy()) for fitted in (barely, trained)] == [2, 300]


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning", "ignore::UserWarning")
def test_grid_search_runs_as_spark_tasks_and_picks_the_model_that_learnt():
    """GridSearchCV over ``steps`` with joblib's Spark backend: each of the 4 fits (2 candidates x 2
    folds) is a Spark task, and the scores are real exact matches on the held-out fold. On the protocol
    task 60 steps at a high rate learn the common schemes ("http", "https", none), which some held-out
    URLs have; 2 steps write no valid output at all. The search must pick 60 steps and refit it on
    every row."""
    pytest.importorskip("pyspark")
    joblibspark = pytest.importorskip("joblibspark")
    from helpers.spark import SparkSettings, start_session

    inputs, targets = get_function("protocol").examples(random.Random(0), 64)
    spark = start_session(SparkSettings(app_name="porting-code-grid-search", master="local[2]", shuffle_partitions=2))
    try:
        joblibspark.register_spark()
        search = GridSearchCV(Seq2SeqEstimator(task="protocol", learning_rate=2e-2, **TINY), {"steps": [2, 60]},
                              cv=2, n_jobs=2)
        with joblib.parallel_backend("spark", n_jobs=2) as (backend, _):
            search.fit(inputs, targets)
        spark_jobs = spark.sparkContext.statusTracker().getJobIdsForGroup(backend._job_group)
    finally:
        spark.stop()
    assert len(spark_jobs) == 4  # 2 candidates x 2 folds, each fit and scored in a Spark task
    results = search.cv_results_
    assert results["params"] == [{"steps": 2}, {"steps": 60}]
    assert [results[f"split{fold}_test_score"][0] for fold in range(2)] == [0.0, 0.0]  # 2 steps: nothing right
    assert all(results[f"split{fold}_test_score"][1] >= 0.1 for fold in range(2))  # 60 steps: the common schemes
    assert search.best_params_ == {"steps": 60}
    refit = search.best_estimator_  # fitted again on all 64 rows, with exactly the 60 steps asked for
    assert int(refit.model_.training_model.optimizer.iterations.numpy()) == 60
    assert refit.score(inputs, targets) >= 0.1


def test_reverse_output_is_a_hyper_parameter_that_reaches_the_model_and_its_batches(date_examples, monkeypatch):
    """Seq2SeqEstimator(reverse_output=True) builds a reverse_output model and teaches it each target
    last byte first (predict decodes with GreedyDecoder, which turns the output back)."""
    import helpers.vectorization as vectorization

    inputs, targets = date_examples
    taught = []

    def recording(*arguments, **options):
        batch = original(*arguments, **options)
        taught.append((arguments[1], batch[1]))
        return batch

    original = vectorization.teacher_forcing_batch
    monkeypatch.setattr(vectorization, "teacher_forcing_batch", recording)
    estimator = Seq2SeqEstimator(task="date_inverse", steps=1, reverse_output=True, **TINY).fit(inputs, targets)
    assert estimator.model_config_.reverse_output and estimator.get_params()["reverse_output"]
    batch_targets, decoder_targets = taught[0]
    assert vectorization.decode_batch(decoder_targets, strict=True) == [text[::-1] for text in batch_targets]
