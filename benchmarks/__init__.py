"""Benchmarks at scale (`make bench`, `python -m benchmarks …`): synthetic data, measurements, BENCHMARKS.md.

A development tool of the checkout, not part of the installed package: it needs the checkout's
scripts/ (a throwaway PostgreSQL), tests/ (the demo pages' benchmarks) and ../shared/ (the seed).
It runs under its own settings, `benchmarks.settings` (Kaohe's, plus what only benchmarks need).
"""

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""The checkout's root: scripts/, tests/ and the working directory of every child process."""
