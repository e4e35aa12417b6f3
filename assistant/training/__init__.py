"""Training and offline evaluation: everything that fits or measures a model, kept apart from what runs per turn.

``assistant.signals`` and ``assistant.kb`` hold only run-time code (the classifier, the router, ingest and the
knowledge-base loader); this package holds the code that trains their artifacts (``attune train signals|routing|
misuse``), picks their thresholds on dev splits and writes their model cards. Nothing here is imported by a turn.
"""
