"""Training, threshold choice and evaluation of the signal heads (``attune train signals``, ``attune train misuse``)."""
