"""Input generators for porting standard-library functions with ``python -m helpers learn``
(``tools/benchmark_learn.py`` measures them). Each takes a ``random.Random`` and returns one input.

    python -m helpers learn html:escape --generator tools/port_inputs.py:html_text --out runs/escape
"""

from __future__ import annotations

import random
import string

WORDS = ("the", "a", "data", "URL", "café", "Ünïcode", "x", "hello", "World", "don't", "3rd", "o'neil",
         "mcDonald", "ISO-8859", "naïve", "path", "über", "API", "v2", "état")
HOSTS = ("example.com", "mail.example.org", "x.io", "univ.edu", "müller.de", "a-b.co.uk", "localhost")


def random_word(rng: random.Random, alphabet: str = string.ascii_letters + string.digits) -> str:
    """A vocabulary word half the time, else 1-9 random characters of ``alphabet``."""
    if rng.random() < 0.5:
        return rng.choice(WORDS)
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))


def html_text(rng: random.Random) -> str:
    """Text with the five characters html.escape rewrites: '&', '<', '>', '"', "'" (and entities,
    which are escaped again)."""
    pieces = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.45:
            pieces.append(random_word(rng))
        elif roll < 0.8:
            pieces.append(rng.choice("&<>\"'"))
        elif roll < 0.9:
            pieces.append(rng.choice(("&amp;", "<b>", "</i>", "&lt;", "a=\"1\"", "'q'")))
        else:
            pieces.append(rng.choice(" ,.;:=/"))
    return "".join(piece + (" " if rng.random() < 0.4 else "") for piece in pieces).strip() or "&"


def capwords_text(rng: random.Random) -> str:
    """Words of mixed case between runs of spaces and tabs: string.capwords splits on whitespace,
    capitalises each word (the rest lower case) and joins them with one space."""
    text = ""
    if rng.random() < 0.2:
        text += rng.choice((" ", "  ", "\t"))
    for index in range(rng.randint(1, 6)):
        if index:
            text += rng.choice((" ", " ", " ", "  ", "\t", " \t "))
        word = random_word(rng, string.ascii_letters + "'-.0123456789")
        text += "".join(character.upper() if rng.random() < 0.3 else character for character in word)
    if rng.random() < 0.2:
        text += rng.choice((" ", "  ", "\t"))
    return text


def messy_path(rng: random.Random) -> str:
    """POSIX paths with '.', '..', repeated and trailing slashes: posixpath.normpath folds them
    (a leading '//' is kept, three or more become one)."""
    parts = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.55:
            parts.append(random_word(rng, string.ascii_lowercase + "_-.0123456789"))
        elif roll < 0.75:
            parts.append("..")
        elif roll < 0.9:
            parts.append(".")
        else:
            parts.append("")
    path = "/".join(parts)
    lead = rng.choices(("", "/", "//", "///"), weights=(5, 4, 1, 1))[0]
    return (lead + path + ("/" if rng.random() < 0.2 else "")) or "."


def shell_line(rng: random.Random) -> str:
    """A command line of plain, quoted and backslash-escaped words; shlex.split raises ValueError
    on an unclosed quote or a trailing backslash (a few of the lines)."""
    words = []
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        word = random_word(rng, string.ascii_letters + string.digits + "-_./=").replace("'", "")
        if roll < 0.5:
            words.append(word)
        elif roll < 0.65:
            words.append(f"'{word} {random_word(rng).replace(chr(39), '')}'")
        elif roll < 0.8:
            words.append(f'"{word} {random_word(rng)}"')
        elif roll < 0.9:
            words.append(word + "\\ " + random_word(rng))
        else:
            words.append(f'--{word}="{random_word(rng)}"')
    line = rng.choice((" ", "  ")).join(words)
    if rng.random() < 0.08:
        line += rng.choice((" 'open", ' "open', "\\"))
    return line


def address_header(rng: random.Random) -> str:
    """Email address headers: 'Name <user@host>', quoted names with commas, comments, bare
    addresses and some that email.utils.parseaddr cannot read (it then answers ['', ''])."""
    user = random_word(rng, string.ascii_lowercase + string.digits + "._+-")
    address = f"{user}@{rng.choice(HOSTS)}"
    name = " ".join(random_word(rng, string.ascii_letters) for _ in range(rng.randint(1, 3)))
    form = rng.randrange(7)
    if form == 0:
        return address
    if form == 1:
        return f"{name} <{address}>"
    if form == 2:
        return f'"{name}, {random_word(rng, string.ascii_letters)}" <{address}>'
    if form == 3:
        return f"{address} ({name})"
    if form == 4:
        return f"<{address}>"
    if form == 5:
        return f"{name} {address}"
    return f"{name} <{user}"  # unclosed


def query_string(rng: random.Random) -> str:
    """Query strings: urllib.parse.parse_qsl splits them on '&' into [name, value] pairs, decodes
    '+' and %XX escapes, and drops pairs with a blank value."""
    pairs = []
    for _ in range(rng.randint(1, 4)):
        name = random_word(rng, string.ascii_lowercase + "_")
        roll = rng.random()
        if roll < 0.55:
            value = random_word(rng, string.ascii_letters + string.digits + "-._")
        elif roll < 0.7:
            value = "+".join(random_word(rng, string.ascii_lowercase) for _ in range(rng.randint(2, 3)))
        elif roll < 0.85:
            value = "".join(rng.choice(("%20", "%2F", "%3D", "%26", "%C3%A9", "a", "b", "1"))
                            for _ in range(rng.randint(1, 4)))
        elif roll < 0.95:
            value = ""
        else:
            pairs.append(name)  # no '=': dropped as blank
            continue
        pairs.append(f"{name}={value}")
    return "&".join(pairs)
