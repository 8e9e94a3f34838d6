"""``python -m helpers ...``, the same as the ``porting`` command: see ``helpers.cli``."""

import sys

from helpers.cli import main

sys.exit(main(prog="python -m helpers"))
