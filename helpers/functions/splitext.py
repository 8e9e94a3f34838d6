"""splitext: ``os.path.splitext`` on POSIX paths, as [root, extension]."""

from __future__ import annotations

import posixpath

from helpers.functions.registry import LearnedFunction, register
from helpers.sizing import short_function_recipe
from helpers.text_inputs import MAX_PATH_CHARACTERS, file_path


def splitext(path: str) -> list[str]:
    """os.path.splitext on POSIX (posixpath, the same on every OS) as a JSON list:
    "a/b.tar.gz" -> ["a/b.tar", ".gz"]."""
    return list(posixpath.splitext(path))


def recipe():
    """The whole budget, with the cosine: stopping at the first perfect validation left rare rules
    (".bashrc", "name..") and copy slips unsettled (EXPERIMENTS.md)."""
    return short_function_recipe("splitext", max_input_bytes=MAX_PATH_CHARACTERS, units=64,
                                 max_output_length=48,  # 32 bytes + JSON
                                 decay_epochs=14, epochs=11, target_exact_match=None)


ENTRY = register(LearnedFunction(
    name="splitext",
    function=splitext,
    generate_input=file_path,
    errors_as_outputs=True,  # like every entry; posixpath.splitext raises on no string, so none is drawn
    max_input_bytes=MAX_PATH_CHARACTERS,
    description="os.path.splitext(path) as [root, extension]",
    recipe=recipe,
))
