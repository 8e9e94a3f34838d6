"""The splitext and title entries: the real functions, quirks included, and generators that reach them."""

import json
import posixpath
import random

from helpers.functions import get_function


def outputs(name, count=5000, seed=4):
    function = get_function(name)
    inputs, targets = function.examples(random.Random(seed), count)
    return inputs, [json.loads(target) for target in targets]


def test_splitext_is_posix_splitext():
    function = get_function("splitext")
    assert function.output_text("dir.d/archive.tar.gz") == '["dir.d/archive.tar",".gz"]'
    assert function.output_text("~/.bashrc") == '["~/.bashrc",""]'
    assert function.output_text("..x.y") == '["..x",".y"]'
    inputs, values = outputs("splitext")
    assert values == [list(posixpath.splitext(text)) for text in inputs]


def test_splitext_generator_reaches_every_rule():
    inputs, values = outputs("splitext")
    extensions = [extension for _, extension in values]
    assert any(extension == "" for extension in extensions)  # no extension
    assert any(extension == "." for extension in extensions)  # a trailing dot
    assert any(text.rsplit("/", 1)[-1].startswith(".") and extension == "" for text, (_, extension) in zip(inputs, values))
    assert any(root.count(".") >= 1 and "/" not in root for root, _ in values)  # a.tar.gz
    assert any("." in text.rsplit("/", 1)[0] and extension == "" for text, (_, extension) in zip(inputs, values)
               if "/" in text)  # a dot in a directory is not an extension


def test_title_keeps_the_quirks_of_str_title():
    function = get_function("title")
    assert function.output_text("don't stop") == '"Don\'T Stop"'
    assert function.output_text("3rd ÉTÉ") == '"3Rd Été"'
    inputs, values = outputs("title")
    assert values == [text.title() for text in inputs]
    assert any("'" in text for text in inputs)
    assert any(any(character.isdigit() for character in text) for text in inputs)
    assert any(any(character in "éüñçåø" for character in text) for text in inputs)
    assert all(len(text.encode("utf-8")) <= get_function("title").max_input_bytes for text in inputs)
