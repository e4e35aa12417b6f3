"""Helpers for the browser tests: Debian's chromium under Playwright and the app served by uvicorn in a thread."""
