"""my_date_format and its exact inverse (the oracle of the date_inverse model)."""

import datetime
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.dates import (EARLIEST_YEAR, INVALID_SHARE, LATEST_YEAR, formatted_date_or_not, my_date_format,
                           not_my_date_format, parse_my_date_format, random_datetime, random_formatted_date)
from helpers.functions import get_function


def test_every_field_is_hexadecimal():
    moment = datetime.datetime(2026, 11, 23, 23, 52, 18)
    assert my_date_format(moment) == "7ea-b-17 17:34:12"
    assert parse_my_date_format("7ea-b-17 17:34:12") == "2026-11-23T23:52:18"
    assert my_date_format(datetime.datetime(1900, 1, 1)) == "76c-1-1 0:00:00"


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59, 59)))
def test_parse_inverts_format_for_every_second_of_every_year(moment):
    assert parse_my_date_format(my_date_format(moment)) == moment.replace(microsecond=0).isoformat()


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_format_inverts_parse_on_the_training_inputs(seed):
    text = random_formatted_date(random.Random(seed))
    assert my_date_format(datetime.datetime.fromisoformat(parse_my_date_format(text))) == text


@pytest.mark.parametrize("text", [
    "7EA-b-17 17:34:12",  # upper case
    "7ea-0b-17 17:34:12",  # a leading zero the format never writes
    "7ea-b-17 17:4:12",  # minutes always have two digits
    "7ea-d-1 0:00:00",  # month 13
    "7ea-2-1e 0:00:00",  # February 30
    "7ea-b-17 18:00:00",  # hour 24
    "7ea-b-17 17:34:12 ",  # trailing space
    "2026-11-23T23:52:18",  # ISO text is not this format
    "",
])
def test_text_the_format_cannot_produce_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_my_date_format(text)


def test_training_inputs_cover_the_stated_range():
    rng = random.Random(5)
    moments = [random_datetime(rng) for _ in range(20000)]
    assert min(moment.year for moment in moments) < EARLIEST_YEAR + 3
    assert max(moment.year for moment in moments) > LATEST_YEAR - 3
    assert all(EARLIEST_YEAR <= moment.year <= LATEST_YEAR for moment in moments)
    assert set(Counter(moment.hour for moment in moments)) == set(range(24))
    assert set(Counter(moment.minute for moment in moments)) == set(range(60))
    assert set(Counter(moment.second for moment in moments)) == set(range(60))
    assert set(Counter(moment.day for moment in moments)) == set(range(1, 32))


def test_the_registered_inverse_is_the_parser_and_learns_its_errors():
    function = get_function("date_inverse")
    inputs, targets = function.examples(random.Random(8), 400)
    errors = 0
    for text, target in zip(inputs, targets):
        assert len(text) <= function.max_input_bytes
        try:
            assert target == '"' + parse_my_date_format(text) + '"'
        except ValueError:
            assert target == '{"error":"ValueError"}'
            errors += 1
    assert 0 < errors < 400


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_every_invalid_draw_is_rejected_by_the_parser(seed):
    text = not_my_date_format(random.Random(seed))
    assert len(text.encode("utf-8")) <= get_function("date_inverse").max_input_bytes
    with pytest.raises(ValueError):
        parse_my_date_format(text)


def test_the_share_of_invalid_inputs_is_the_stated_one():
    rng = random.Random(11)
    draws = [formatted_date_or_not(rng) for _ in range(10000)]
    rejected = 0
    for text in draws:
        try:
            parse_my_date_format(text)
        except ValueError:
            rejected += 1
    assert abs(rejected / len(draws) - INVALID_SHARE) < 0.015  # binomial sd 0.003 at 10,000 draws
    kinds = {"range": 0, "upper": 0}
    for text in draws:
        kinds["upper"] += any(c in "ABCDEF" for c in text)
        kinds["range"] += text.split("-")[1:2] in (["d"], ["e"], ["f"], ["0"])
    assert kinds["upper"] > 20 and kinds["range"] > 20  # several ways of being wrong, not one
