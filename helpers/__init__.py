"""The porting-code package: a seq2seq network that learns a Python function from examples.

The command line is ``porting`` (installed) or ``python -m helpers``: see ``helpers.cli``.
"""

__version__ = "0.1.0"  # the one place of the version: pyproject.toml reads it (tool.setuptools.dynamic)
