"""`python -m kaohe` is the `kaohe` command."""

import sys

from kaohe.cli.main import main

sys.exit(main())
