"""title: ``str.title``, quirks included."""

from __future__ import annotations

from helpers.functions.registry import LearnedFunction, register
from helpers.sizing import short_function_recipe
from helpers.text_inputs import MAX_TITLE_CHARACTERS, title_text


def title(text: str) -> str:
    """str.title, quirks included: "don't stop" -> "Don'T Stop", "3rd" -> "3Rd"."""
    return text.title()


def recipe():
    return short_function_recipe("title", max_input_bytes=2 * MAX_TITLE_CHARACTERS, units=64,
                                 max_output_length=64,  # 56 bytes + quotes
                                 decay_epochs=9)


ENTRY = register(LearnedFunction(
    name="title",
    function=title,
    generate_input=title_text,
    errors_as_outputs=True,  # like every entry; str.title raises on no string, so none is drawn
    max_input_bytes=2 * MAX_TITLE_CHARACTERS,
    description="str.title(text)",
    recipe=recipe,
))
