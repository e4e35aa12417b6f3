"""Attune's offline evaluation harness: ``python -m eval [SUITE ...]`` or ``attune eval``.

Suites live in ``eval/suites/<name>.yaml``; see ``eval/README.md`` for the input formats and outputs.
"""
