"""Training, extension and evaluation of the routing head (``attune train routing``)."""
