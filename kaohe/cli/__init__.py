"""The `kaohe` command line: one command for the whole project."""
