"""Readers for the exports users bring: one entry point per input kind.

Each returns a :class:`ReadResult`: the canonical table (``spendanalys.schema``), the rejected
rows with file, row, column and reason, and what was understood about the file.
"""
