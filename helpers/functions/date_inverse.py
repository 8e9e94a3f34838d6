"""date_inverse: the inverse of a hexadecimal date format that nobody wrote (``helpers.dates``)."""

from __future__ import annotations

from helpers.dates import formatted_date_or_not, parse_my_date_format
from helpers.functions.registry import LearnedFunction, register
from helpers.sizing import short_function_recipe

MAX_DATE_BYTES = 20


def recipe():
    return short_function_recipe("date_inverse", max_input_bytes=MAX_DATE_BYTES, units=64,
                                 max_output_length=28,  # 22: the error object
                                 decay_epochs=20)


ENTRY = register(LearnedFunction(
    name="date_inverse",
    function=parse_my_date_format,
    generate_input=formatted_date_or_not,
    max_input_bytes=MAX_DATE_BYTES,
    errors_as_outputs=True,  # '7ea-d-1 0:00:00' (month 13) -> {"error":"ValueError"}: formatted_date_or_not draws such inputs
    description="the inverse of helpers.dates.my_date_format: hexadecimal date text -> datetime.isoformat(), "
                "or {\"error\":\"ValueError\"} for text my_date_format cannot write",
    recipe=recipe,
))
