"""The pure core: no Django, no I/O. Schemes, applicability, codes, the checker and diffs."""
