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
