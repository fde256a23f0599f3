"""Kaohe (考核): comprehensive assessment of organisations against a hierarchical indicator system.

Layers: `kaohe.core` (pure Python: schemes, the checker, diffs), `kaohe.formats` (readers and
writers: official text, xlsx, YAML), `kaohe.data` (the shipped 2018 Luoyang defaults) and
`kaohe.cli` (the `kaohe` command).
"""

__version__ = "0.1.0"
