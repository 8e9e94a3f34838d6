"""The functions to learn: a registry of entries, one module per function.

    get_function("urlparse")  -> its LearnedFunction entry (helpers/functions/urlparse.py)
    get_function("html:escape") -> any importable function of one string (helpers/functions/ported.py)

``registry`` defines the entry type and the registry; each other module here defines one function,
its input generators and its recipe, and registers it. A new function is a new module here, imported
below.
"""

from helpers.functions.registry import (ERROR_KEY, FRESH_SEED, REGISTRY, LearnedFunction, NotJsonError, error_output,
                                        predicted_error, register, to_json_text)
from helpers.functions.ported import ported_function
from helpers.functions import protocol, urlparse, hexadecimal, splitext, title, date_inverse  # noqa: E402,F401  (register)

__all__ = ["ERROR_KEY", "FRESH_SEED", "REGISTRY", "LearnedFunction", "NotJsonError", "error_output", "get_function",
           "predicted_error", "register", "to_json_text"]


def get_function(name: str) -> LearnedFunction:
    """The registry entry ``name``, or for ``MODULE:FUNCTION`` (``path/file.py:FUNCTION``) the imported
    function as an entry with ``errors_as_outputs`` and no input generator (enough to evaluate)."""
    if name in REGISTRY:
        return REGISTRY[name]
    if ":" in name:
        return ported_function(name)
    raise ValueError(f"unknown function {name!r}; registered: {', '.join(sorted(REGISTRY))}, "
                     f"or name any function as MODULE:FUNCTION")
