"""Code shown in a notebook from its one source, highlighted: the notebook never holds a copy."""

from __future__ import annotations

import inspect


def show_source(*objects):
    """The source of each function, class or method in ``objects`` (in that order), as highlighted
    Python for a notebook to display (``IPython.display.Code``; plain text where HTML is not shown)."""
    from IPython.display import Code

    return Code("\n\n".join(inspect.getsource(item).rstrip() for item in objects), language="python")
