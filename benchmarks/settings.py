"""Django settings of the benchmarks: Kaohe's own (kaohe.web.settings), plus what only they need.

Every benchmark process uses these (`python -m benchmarks`, and the child processes the runner
starts); production settings know nothing of the benchmarks. The API benchmark's gunicorn serves
Kaohe under kaohe.web.settings, as production does.
"""

from __future__ import annotations

from kaohe.web.settings import *  # noqa: F403
from kaohe.web.settings import DATA_DIR

# A benchmark under KAOHE_DEBUG=true would keep every query it runs in memory (and measure that).
DEBUG = False

# The benchmark databases and temporary files (`python -m benchmarks run --workdir` overrides it).
BENCH_DIR = DATA_DIR / "bench"

# The benchmarks create hundreds of users (the API's clients, the grid's scorers): a fast hash, as
# in the tests. Never in production: these settings serve no one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
