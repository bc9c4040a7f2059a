"""`python -m clob_cancel_conformance [options] [-- schemathesis run options]`: see cli.py."""

import sys

from clob_cancel_conformance.cli import main

sys.exit(main())
