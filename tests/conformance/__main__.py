"""`python -m tests.conformance [extra schemathesis run options]`: see tests/conformance/run.py."""

import sys

from tests.conformance.run import main

sys.exit(main(sys.argv[1:]))
