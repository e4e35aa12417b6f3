"""Generator backends by name (``settings.generator``): composer (default, no model), openai, local; and
composer_v1 (the first, whole-layer composer, for side-by-side evaluation).

>>> from assistant.settings import Settings
>>> make_backend("composer", Settings()).name
'composer'
"""

from __future__ import annotations

from assistant.answers.base import AnswerBackend
from assistant.errors import ConfigurationError
from assistant.settings import Settings

BACKENDS = ("composer", "composer_v1", "openai", "local")


def make_backend(name: str, settings: Settings) -> AnswerBackend:
    """A new, cold backend instance (construction does no I/O; call ``warm_up()`` to load)."""
    if name == "composer":
        from assistant.answers.composer import ComposerBackend

        return ComposerBackend(settings)
    if name == "composer_v1":
        from assistant.answers.composer import LayerComposerBackend

        return LayerComposerBackend(settings)
    if name == "openai":
        from assistant.answers.llm import OpenAIBackend

        return OpenAIBackend(settings)
    if name == "local":
        from assistant.answers.llm import LocalBackend

        return LocalBackend(settings)
    raise ConfigurationError(f"unknown generator {name!r}; choose one of {', '.join(BACKENDS)}")
