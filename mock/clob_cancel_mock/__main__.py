"""``python -m clob_cancel_mock``: the same as the ``clob-cancel-mock`` command."""

import sys

from .cli import main

sys.exit(main())
