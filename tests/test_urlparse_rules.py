"""The urlparse rule suite against the real function, and the training generator's coverage of it."""

import random

import pytest

from helpers.functions import get_function
from helpers.urlparse_rules import RULES, rule_inputs

@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_urlparse_obeys_each_rule_on_its_generated_inputs(rule):
    inputs = rule_inputs(rule, 200, seed=1)
    broken = [url for url in inputs if not rule.obeyed(url)]
    assert not broken, f"{rule.text} -- not so for {broken[:3]!r}"
    assert sum(rule.present(url) for url in inputs) >= len(inputs) // 3  # the inputs do exercise the rule


def test_a_rule_that_does_not_hold_is_caught():
    """The check can fail: the params rule stated for the wrong segment breaks on its own inputs."""
    from dataclasses import replace

    from helpers.urlparse_rules import fields

    rule = next(rule for rule in RULES if rule.name == "params_in_the_last_segment")
    wrong = replace(rule, holds=lambda url: fields(url)[3] == url.partition(";")[2].split("/")[0].split("?")[0])
    assert any(not wrong.obeyed(url) for url in rule_inputs(rule, 200, seed=1))


@pytest.fixture(scope="module")
def training_draws():
    """What urlparse's training stream draws: the natural mix and the recipe's share of hard inputs."""
    from helpers.recipes import recipe

    function = get_function("urlparse")
    share = recipe("urlparse")[1].hard_input_share
    rng = random.Random(3)
    return [function.example(rng, hard=rng.random() < share)[0] for _ in range(20_000)]


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_the_training_generator_covers_each_rule(rule, training_draws):
    assert sum(rule.present(url) for url in training_draws) >= 20  # at least 1 in 1,000 training inputs


def test_the_generator_draws_inputs_urlparse_rejects_and_their_target_names_the_error():
    """A measured share of the natural mix raises ValueError (the registry entry learns errors as outputs)."""
    from helpers.functions import error_output
    from helpers.url_generator import random_url
    from helpers.urlparse_rules import raises

    function = get_function("urlparse")
    rng = random.Random(11)
    urls = [random_url(rng) for _ in range(20_000)]
    rejected = [url for url in urls if raises(url)]
    assert 0.001 <= len(rejected) / len(urls) <= 0.01, len(rejected)
    assert all(function.output_text(url) == error_output(ValueError()) for url in rejected)
    assert function.output_text("http://[::1/") == '{"error":"ValueError"}'
