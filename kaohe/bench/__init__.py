"""Benchmarks at scale (`kaohe bench …`, `make bench`): synthetic data, measurements, BENCHMARKS.md."""
