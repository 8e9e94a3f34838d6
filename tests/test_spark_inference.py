"""Spark batch inference with the exported SavedModel equals the Python decoder, row for row."""

import pandas as pd
import pytest

from helpers.decoders import GreedyDecoder
from helpers.export import InGraphDecoder, save_saved_model
from helpers.spark import SparkSettings, start_session
from helpers.spark_inference import InferenceSettings, add_learned_output


@pytest.fixture(scope="module")
def spark():
    session = start_session(SparkSettings(app_name="porting-code-inference-tests", master="local[2]",
                                          shuffle_partitions=2))
    yield session


def test_learned_column_equals_python_decoder(spark, tmp_path):
    from test_export import CONFIGS, clear_cut_model, sample_inputs

    inputs = sample_inputs(60, seed=4)
    for end_share in (0.08, 0.2, 0.4, 0.6):  # random weights: most outputs are not UTF-8; earlier ENDs give some
        model = clear_cut_model(CONFIGS[0], seed=11, end_share=end_share)
        if sum(text is not None for text in GreedyDecoder(model)(inputs).texts) > 2:
            break
    saved_model = save_saved_model(InGraphDecoder(model, "urlparse"), tmp_path / "saved_model")
    rows = [(index, text) for index, text in enumerate(inputs)]
    rows += [(60, None), (61, "x" * CONFIGS[0].max_input_length)]  # null, one byte too long
    frame = spark.createDataFrame(rows, "id long, url string").repartition(2)
    result = add_learned_output(frame, saved_model, "url", InferenceSettings(batch_size=16)).toPandas()
    result = result.sort_values("id").reset_index(drop=True)
    assert list(result.columns) == ["id", "url", "learned", "learned_score"]
    reference = GreedyDecoder(model)(inputs)
    learned = [None if pd.isna(text) else text for text in result["learned"]]  # pandas may show null as NaN
    assert learned[:60] == reference.texts
    assert sum(text is not None for text in reference.texts) > 2  # random weights: most outputs are not UTF-8
    assert result["learned_score"][:60].tolist() == pytest.approx(reference.scores.tolist(), rel=1e-5)
    assert learned[60] is None and learned[61] is None
    assert pd.isna(result["learned_score"][61])


def test_missing_column_is_a_value_error(spark, tmp_path):
    frame = spark.createDataFrame([("a",)], "text string")
    with pytest.raises(ValueError, match="no column"):
        add_learned_output(frame, tmp_path, "url")
