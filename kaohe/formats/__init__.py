"""Readers and writers of schemes: the official text conversion, official-layout xlsx, YAML.

Every reader reports bad input as a `FormatError` (unreadable input, with where and what) or as
checker findings (readable but inconsistent), never as a traceback. `kaohe.formats.load` picks the
reader by file content and name.
"""
