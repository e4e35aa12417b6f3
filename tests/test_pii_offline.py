"""Redaction never reaches the network: Presidio's stock email recogniser fetches the public-suffix list from the
internet on first use (tldextract); ours reads the snapshot bundled with tldextract."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import tldextract

from assistant.integrations.pii import PresidioPiiEngine


def test_emails_are_found_without_a_name_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # as on a fresh machine: tldextract's module-wide extractor with an empty cache would fetch the list
    monkeypatch.setattr(tldextract.tldextract, "TLD_EXTRACTOR", tldextract.TLDExtract(cache_dir=str(tmp_path)))
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def recording(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    engine = PresidioPiiEngine()
    text = "write to jo.bloggs@example.co.uk or sam@mail.harbourlight.com"
    findings = engine.analyze(text)
    assert sorted(text[f.start : f.end] for f in findings if f.entity_type == "EMAIL_ADDRESS") == [
        "jo.bloggs@example.co.uk",
        "sam@mail.harbourlight.com",
    ]
    assert [h for h in looked_up if h not in ("localhost", "127.0.0.1", "::1")] == []
