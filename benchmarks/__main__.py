"""`python -m benchmarks …` (from the checkout's root; `make bench` runs it): see benchmarks/cli.py."""

import sys

from benchmarks.cli import main

sys.exit(main())
