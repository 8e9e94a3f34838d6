"""Input generators for the small string functions of notebook 05 (``splitext``, ``title``).

Each draws random strings that exercise the rules *and the quirks* of the real function: the
network only sees examples, so every case it must get right has to appear in the stream.
"""

from __future__ import annotations

import random
import string

LOWER = string.ascii_lowercase
ACCENTED = "éüñçåø"  # two UTF-8 bytes each; str.title() upper-cases them too (é -> É)
MAX_PATH_CHARACTERS = 32  # splitext inputs: short paths keep the copy task cheap on a CPU
MAX_TITLE_CHARACTERS = 28  # title inputs, in characters (up to 2 bytes each)


def random_word(rng: random.Random, shortest: int = 1, longest: int = 8) -> str:
    """Random lower-case letters (not dictionary words: the model must copy, not remember)."""
    return "".join(rng.choice(LOWER) for _ in range(rng.randint(shortest, longest)))


def file_path(rng: random.Random) -> str:
    """A path for ``os.path.splitext``: directories (some with dots), then a file name that has one
    extension, several ("a.tar.gz"), none, a leading dot only (".bashrc", no extension), leading
    dots and an extension ("..x.y"), or a trailing dot ("name.")."""
    directories = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        directory = rng.choice([random_word(rng), random_word(rng) + "." + random_word(rng, 1, 3), "..", "."])
        directories.append(directory)
    prefix = rng.choice(["", "", "/", "~/", "./"]) if directories else rng.choice(["", "", "", "/"])
    stem = random_word(rng, 1, 8)
    if rng.random() < 0.3:
        stem += rng.choice("-_ ") + random_word(rng, 1, 5)
    if rng.random() < 0.1:
        stem = stem.capitalize()
    shape = rng.random()
    if shape < 0.45:
        name = stem + "." + random_word(rng, 1, 4)
    elif shape < 0.6:
        name = stem + "." + random_word(rng, 1, 3) + "." + random_word(rng, 1, 3)
    elif shape < 0.7:
        name = stem
    elif shape < 0.8:
        name = "." + stem
    elif shape < 0.88:
        name = "." * rng.randint(1, 3) + stem + "." + random_word(rng, 1, 3)
    elif shape < 0.94:
        name = stem + "." * rng.randint(1, 2)
    else:
        name = stem + "." + str(rng.randint(0, 999))
    path = prefix + "/".join(directories + [name])
    return path[-MAX_PATH_CHARACTERS:]


def title_text(rng: random.Random) -> str:
    """Text for ``str.title``: words in any case, with digits ("3rd" -> "3Rd"), apostrophes
    ("don't" -> "Don'T"), hyphens, underscores and a few accented letters, separated by spaces or
    punctuation."""
    words = []
    for _ in range(rng.randint(1, 4)):
        word = random_word(rng, 1, 7)
        if rng.random() < 0.15:
            position = rng.randint(0, len(word))
            word = word[:position] + rng.choice(ACCENTED) + word[position:]
        if rng.random() < 0.2:
            word = str(rng.randint(0, 99)) + word if rng.random() < 0.5 else word + str(rng.randint(0, 9))
        if rng.random() < 0.15:
            word += rng.choice("'-_") + random_word(rng, 1, 3)
        case = rng.random()
        if case < 0.25:
            word = word.upper()
        elif case < 0.45:
            word = "".join(character.upper() if rng.random() < 0.5 else character for character in word)
        words.append(word)
    text = words[0]
    for word in words[1:]:
        text += rng.choice([" ", " ", " ", ", ", "-", ".", "/"]) + word
    return text[:MAX_TITLE_CHARACTERS]
