"""Any importable function of one string as a registry entry: ``MODULE:FUNCTION`` or ``path/file.py:FUNCTION``.

``get_function("html:escape")`` gives such an entry (errors as outputs, no input generator: enough to
evaluate a model against its function); ``helpers.porting`` learns one.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import sys
from pathlib import Path
from typing import Any, Callable

from helpers.functions.registry import LearnedFunction

MAX_INPUT_BYTES = 512  # the longest input learn builds a model for: longer sequences do not train in
#                        minutes on a CPU (EXPERIMENTS.md: urlparse's 256 bytes)


def split_spec(spec: str) -> tuple[str, str]:
    """``"package.module:name.attr"`` -> ("package.module", "name.attr"); ValueError if malformed."""
    where, colon, name = spec.rpartition(":")
    if not colon or not where or not name or not all(part.isidentifier() for part in name.split(".")):
        raise ValueError(f"expected MODULE:FUNCTION or path/to/file.py:FUNCTION, got {spec!r}")
    return where, name


def import_callable(spec: str) -> Callable:
    """The object named by ``spec`` (see ``split_spec``); ValueError saying what failed."""
    where, name = split_spec(spec)
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise ValueError(f"cannot import {spec!r}: there is no file {where}")
        module_name = f"_ported_{path.stem}_{abs(hash(str(path.resolve()))):x}"
        if module_name in sys.modules:
            module = sys.modules[module_name]
        else:
            loader_spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(loader_spec)
            try:
                loader_spec.loader.exec_module(module)
            except Exception as error:
                raise ValueError(f"cannot import {where}: {type(error).__name__}: {error}") from error
            sys.modules[module_name] = module
    else:
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))  # a module in the current folder, as `python -m` finds it
        try:
            module = importlib.import_module(where)
        except Exception as error:  # ImportError, or whatever the module raises while it runs
            raise ValueError(f"cannot import module {where!r}: {type(error).__name__}: {error}") from error
    value: Any = module
    for part in name.split("."):
        if not hasattr(value, part):
            raise ValueError(f"cannot import {spec!r}: {where} has no attribute {name!r}")
        value = getattr(value, part)
    if not callable(value):
        raise ValueError(f"{spec!r} is not callable (it is a {type(value).__name__})")
    return value


def no_generator(rng: random.Random) -> str:
    raise ValueError("this function has no input generator: give learn --inputs FILE or --generator MODULE:GENERATOR")


def ported_function(spec: str, generate_input: Callable[[random.Random], str] = no_generator,
                    max_input_bytes: int = MAX_INPUT_BYTES) -> LearnedFunction:
    """A registry-style entry for any function of one string; its errors are outputs."""
    return LearnedFunction(name=spec, function=import_callable(spec), generate_input=generate_input,
                           max_input_bytes=max_input_bytes, errors_as_outputs=True,
                           description=f"{spec}, ported with python -m helpers learn")
