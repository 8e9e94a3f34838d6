"""helpers.fresh_evaluation's draws: the real function is the oracle for every target."""

from hypothesis import given, settings, strategies as st

from helpers.fresh_evaluation import target_examples
from helpers.functions.hexadecimal import HEX_MAX


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_target_examples_draw_hex_as_its_target_is_stated_and_reproducibly(seed):
    inputs, targets = target_examples("hex", 50, seed)
    assert (inputs, targets) == target_examples("hex", 50, seed)
    assert all(0 <= int(text) < HEX_MAX and str(int(text)) == text for text in inputs)
    assert targets == [f'"{hex(int(text))}"' for text in inputs]


def test_target_examples_are_none_where_the_generator_is_the_target():
    assert target_examples("title", 10) is None


def test_six_digit_numbers_are_most_of_the_target_draw():
    inputs, _ = target_examples("hex", 2000, 0)
    assert 0.85 < sum(len(text) == 6 for text in inputs) / len(inputs) < 0.95
