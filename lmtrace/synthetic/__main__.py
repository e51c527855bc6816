"""`python -m lmtrace.synthetic`: see lmtrace.synthetic.args."""

import sys

from .args import main

sys.exit(main())
