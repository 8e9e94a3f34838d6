"""A date format for humans who like hexadecimal, and its exact inverse.

    my_date_format(datetime(2026, 11, 23, 23, 52, 18))   -> "7ea-b-17 17:34:12"
    parse_my_date_format("7ea-b-17 17:34:12")            -> "2026-11-23T23:52:18"

Every field is written in lower-case hexadecimal without "0x": year, month, day and hour without
leading zeros, minutes and seconds with two digits (so that "17:34:12" looks like a time, and is
not the time you think). Seconds are the finest unit: microseconds are not shown.

Nobody wrote the inverse for the network: notebook 05 learns it from a table made by running
``my_date_format`` forward. ``parse_my_date_format`` is the exact inverse, written here only to be the
oracle that judges the learned one.
"""

from __future__ import annotations

import datetime
import random
import re

EARLIEST_YEAR = 1900  # the range of the training inputs (the model must cover at least 1900..2100)
LATEST_YEAR = 2100

_FORMAT = re.compile(r"([0-9a-f]{1,4})-([0-9a-f])-([0-9a-f]{1,2}) ([0-9a-f]{1,2}):([0-9a-f]{2}):([0-9a-f]{2})")


def my_date_format(moment: datetime.datetime) -> str:
    """``moment`` (naive or aware; only the wall-clock fields are shown) as "YYY-M-D H:MM:SS" in hex."""
    return (f"{moment.year:x}-{moment.month:x}-{moment.day:x} "
            f"{moment.hour:x}:{moment.minute:02x}:{moment.second:02x}")


def parse_my_date_format(text: str) -> str:
    """The inverse of ``my_date_format``: the ISO text (``datetime.isoformat()``) of the moment shown.

    Raises ValueError for text that ``my_date_format`` cannot produce: another layout, upper-case or
    superfluous leading zeros, or a date that does not exist (month 0xd, February 0x1e, ...).
    """
    match = _FORMAT.fullmatch(text)
    if match is None:
        raise ValueError(f"not a my_date_format text: {text!r}")
    year, month, day, hour, minute, second = (int(field, 16) for field in match.groups())
    moment = datetime.datetime(year, month, day, hour, minute, second)  # ValueError for impossible dates
    if my_date_format(moment) != text:
        raise ValueError(f"not the canonical my_date_format text (leading zeros?): {text!r}")
    return moment.isoformat()


def random_datetime(rng: random.Random, earliest_year: int = EARLIEST_YEAR,
                    latest_year: int = LATEST_YEAR) -> datetime.datetime:
    """A uniformly random second between Jan 1 of ``earliest_year`` and Dec 31 of ``latest_year``."""
    if not 1 <= earliest_year <= latest_year <= 9999:
        raise ValueError(f"need 1 <= earliest_year <= latest_year <= 9999, got {earliest_year}..{latest_year}")
    start = datetime.datetime(earliest_year, 1, 1)
    seconds = (datetime.datetime(latest_year, 12, 31, 23, 59, 59) - start).total_seconds()
    return start + datetime.timedelta(seconds=rng.randint(0, int(seconds)))


def random_formatted_date(rng: random.Random) -> str:
    """The training input of the inverse model: ``my_date_format`` of a random second in 1900..2100."""
    return my_date_format(random_datetime(rng))


INVALID_SHARE = 0.1  # share of formatted_date_or_not's draws that my_date_format cannot write: the model
#                      learns {"error":"ValueError"} for them (tests/test_dates.py measures the share)


def not_my_date_format(rng: random.Random) -> str:
    """Text of at most 20 characters that looks like my_date_format's but that it cannot write, so that
    parse_my_date_format raises ValueError: a field out of range (month 0 or 0xd, February 0x1e,
    hour 0x18, minute 0x3c), a superfluous leading zero, upper-case digits, or a field or separator
    missing or changed."""
    while True:
        moment = random_datetime(rng)
        fields = [f"{moment.year:x}", f"{moment.month:x}", f"{moment.day:x}",
                  f"{moment.hour:x}", f"{moment.minute:02x}", f"{moment.second:02x}"]
        roll = rng.random()
        if roll < 0.4:  # a value out of range
            index = rng.randrange(1, 6)
            low = {1: 13, 2: 29, 3: 24, 4: 60, 5: 60}[index]  # day 29..31 only fails in some months
            fields[index] = f"{rng.randint(low, {1: 15, 2: 31, 3: 31, 4: 255, 5: 255}[index]):{'02x' if index > 3 else 'x'}}"
            if index in (1, 2) and rng.random() < 0.3:
                fields[index] = "0"  # month or day 0
        elif roll < 0.6:  # a superfluous leading zero
            index = rng.randrange(0, 4)
            fields[index] = "0" + fields[index]
        elif roll < 0.75:  # upper-case hexadecimal
            fields = [field.upper() for field in fields]
        text = f"{fields[0]}-{fields[1]}-{fields[2]} {fields[3]}:{fields[4]}:{fields[5]}"
        if roll >= 0.75:  # the layout: a separator changed or a character dropped
            position = rng.randrange(len(text))
            text = (text[:position] + rng.choice(["", "-", ":", " ", "/", "g"]) + text[position + 1:])
        if len(text) > 20:
            continue
        try:
            parse_my_date_format(text)
        except ValueError:
            return text


def formatted_date_or_not(rng: random.Random) -> str:
    """The training input of the inverse model: random_formatted_date, and an INVALID_SHARE of
    not_my_date_format (the model answers {"error":"ValueError"} for those)."""
    return not_my_date_format(rng) if rng.random() < INVALID_SHARE else random_formatted_date(rng)
