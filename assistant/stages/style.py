"""Stage: choose how to answer (tone, register, reading grade, length, structure, offers) from the signals."""

from __future__ import annotations

from assistant.answers.policy import SignalView, StylePolicy, load_style_policy
from assistant.settings import Settings
from assistant.types import Channel, Signals, Style


class StyleSelector:
    """Maps :class:`~assistant.types.Signals` and the channel to a :class:`~assistant.types.Style` through the
    versioned rule table in ``prompts/style_policy.yaml``; the ids of the rules that fired are in
    ``Style.rules``.

    >>> from assistant.settings import Settings
    >>> from assistant.answers.base import make_signals
    >>> signals = make_signals(sentiment="negative", distress="high", literacy="expert")
    >>> selector = StyleSelector(Settings())
    >>> selector.warm_up()
    >>> style = selector.run(signals=signals, channel="widget")
    >>> style.tone, style.register, style.allow_offers
    ('empathetic', 'plain', False)
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._policy: StylePolicy | None = None

    @property
    def policy(self) -> StylePolicy:
        if self._policy is None:
            self._policy = load_style_policy(self._settings.prompts_dir)
        return self._policy

    def warm_up(self) -> None:
        _ = self.policy

    def run(self, *, signals: Signals, channel: Channel) -> Style:
        view = SignalView(
            channel=channel,
            sentiment=signals.sentiment,
            distress=signals.distress,
            literacy=signals.literacy,
            literacy_confidence=signals.literacy_confidence,
            vulnerability=tuple(signals.vulnerability),
            handoff_requested=signals.handoff_requested,
            complaint=signals.complaint,
        )
        return self.policy.select_view(view)
