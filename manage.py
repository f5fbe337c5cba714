#!/usr/bin/env python
"""Convenience wrapper: the same as the installed `motcua` command."""

from motcua.manage import main

if __name__ == "__main__":
    main()
