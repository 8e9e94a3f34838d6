import dataclasses

import numpy as np
import pytest

from helpers.evaluation import confidence_report, evaluate_records, load_lines, reference_targets, url_feature_shares
from helpers.functions import get_function
from helpers.recipes import RECIPES, recipe, smoke_recipe


def test_confidence_threshold_keeps_99_percent_of_right_outputs():
    rng = np.random.default_rng(0)
    right = rng.uniform(0.9, 1.0, 1000)
    wrong = rng.uniform(0.0, 0.95, 100)
    report = confidence_report(np.concatenate([right, wrong]), [True] * 1000 + [False] * 100)
    assert report["right_kept"] >= 0.99
    assert report["threshold"] == pytest.approx(np.quantile(right, 0.01), abs=1e-3)
    expected_flagged = (wrong < report["threshold"]).mean()
    assert report["wrong_flagged"] == pytest.approx(expected_flagged)
    with pytest.raises(ValueError):
        confidence_report([0.5, 0.6], [True])


def test_evaluate_records_scores_per_field_and_counts_rejections():
    function = get_function("urlparse")
    right = function.output_text("http://a.com/x")
    records = [
        {"input": "http://a.com/x", "output": right, "ok": True, "score": 0.9},
        {"input": "http://b.com/y", "output": right, "ok": True, "score": 0.8},  # scheme right, rest wrong
        {"input": "", "output": None, "ok": False, "score": None, "error": "empty input"},
        {"input": "http://[::1", "output": right, "ok": True, "score": 0.5},  # urlparse raises: the target is the error
        {"input": "http://a]/", "output": '{"error":"ValueError"}', "ok": False, "score": 0.95,
         "predicted_error": "ValueError"},  # said so: right
    ]
    report = evaluate_records(function, records)
    assert report["compared"] == 4 and report["exact_match"] == 0.5
    assert report["rejected_by_model"] == 1 and report["rejected_by_function"] == 0
    assert report["function_raised"] == 2 and report["function_raised_right"] == 1
    assert report["field_accuracy"]["scheme"] == 1.0 and report["field_accuracy"]["netloc"] == 0.5
    assert report["worst_failures"][0]["input"] == "http://b.com/y"
    # the right outputs (0.9, 0.95) set the threshold; the wrong ones (0.8, 0.5) fall below it
    assert report["confidence"]["threshold"] == 0.9 and report["confidence"]["wrong_flagged"] == 1.0

    without_errors = dataclasses.replace(function, errors_as_outputs=False)  # the entries shipped before
    report = evaluate_records(without_errors, records)
    assert report["compared"] == 2 and report["rejected_by_function"] == 2


def test_reference_targets_never_drop_rows_silently(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text("http://a.com\n/relative\n")
    assert load_lines(path) == ["http://a.com", "/relative"]
    inputs, targets = reference_targets("urlparse", load_lines(path))
    assert inputs == ["http://a.com", "/relative"] and len(targets) == 2
    with pytest.raises(ValueError, match="1 of 2"):
        reference_targets("urlparse", ["http://a.com", "x" * 300])


def test_url_feature_shares_counts_features():
    shares = url_feature_shares(["http://a.com/?q=1", "https://b.org/#f", "/rel;p", "ftp://u@h:21/"])
    assert shares["count"] == 4 and shares["query"] == 0.25 and shares["fragment"] == 0.25
    assert shares["no_scheme"] == 0.25 and shares["userinfo"] == 0.25 and shares["port"] == 0.25


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipes_fit_their_function(name):
    for model, training in (recipe(name), smoke_recipe(name)):
        assert training.task == name
        assert model.max_input_length >= get_function(name).max_input_bytes + 1
    with pytest.raises(ValueError, match="no recipe"):
        recipe("nope")


def test_evaluate_urlparse_keeps_only_the_counts_of_dev_urls(load_tool):
    """tools/evaluate_urlparse.py writes evaluation commands into the repository: the dev_urls.txt
    report must lose its worst failures (they quote the URLs), and a failing command must stop it."""
    tool = load_tool("evaluate_urlparse")
    kept = tool.run("""echo '{"exact_match": 0.5, "worst_failures": [{"input": "http://secret"}]}'""", counts_only=True)
    assert '"exact_match": 0.5' in kept and "secret" not in kept
    assert "secret" in tool.run("""echo '{"worst_failures": ["http://secret"]}'""", counts_only=False)
    with pytest.raises(SystemExit, match="exited with 3"):
        tool.run("exit 3", counts_only=False)
    listed = [command for command, _ in tool.commands("models/urlparse")]
    assert sum("--record" in command for command in listed) == len(listed) - 1  # all but the second rule draw
    assert any("dev_urls.txt" in command for command in listed) == (tool.ROOT / tool.DEV_URLS).exists()
