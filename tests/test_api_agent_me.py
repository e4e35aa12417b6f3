"""GET /v1/agent/me and the agent routes' rate limits, without warming models: an agent key is counted per agent,
not per address (an office of agents shares one IP), while requests without a valid key stay limited per IP."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.conversations import ConversationService, InMemoryConversationRepository
from assistant.integrations.ratelimit import InMemoryRateLimiter
from assistant.pipeline import Pipeline
from assistant.settings import Settings

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
OFFICE = [(f"agent{i:02d}", f"key-{i:02d}") for i in range(15)]


def _client(tmp_path: Path, **overrides: object) -> TestClient:
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": tmp_path / "d",
        "kb_dir": FIXTURE_KB,
        "agent_api_keys": ",".join(f"{agent}:{key}" for agent, key in OFFICE),
    }
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    app = create_app(service, limiter=InMemoryRateLimiter(clock=lambda: 1_000_000.0))
    app.state.agent_keys = settings.agent_keys()  # what the lifespan does at start-up, without warming the models
    return TestClient(app)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_me_names_the_agent_of_the_key(tmp_path: Path) -> None:
    c = _client(tmp_path, rate_limit_agent_per_token=50, rate_limit_window_s=30)
    res = c.get("/v1/agent/me", headers=_auth("key-03"))
    assert res.status_code == 200
    assert res.json() == {"agent_id": "agent03", "requests_per_window": 50, "window_s": 30}
    assert c.get("/v1/agent/me", headers=_auth("key-07")).json()["agent_id"] == "agent07"


def test_me_needs_a_valid_agent_key(tmp_path: Path) -> None:
    c = _client(tmp_path)
    assert c.get("/v1/agent/me").status_code == 401
    assert c.get("/v1/agent/me", headers=_auth("not-a-key")).status_code == 401
    started = c.post("/v1/conversations", json={}).json()  # a customer token is not an agent key
    assert c.get("/v1/agent/me", headers=_auth(started["customer_token"])).status_code == 401


def test_me_is_in_the_openapi_document_with_its_model(tmp_path: Path) -> None:
    doc = _client(tmp_path).get("/openapi.json").json()
    schema = doc["paths"]["/v1/agent/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/AgentMe")
    assert set(doc["components"]["schemas"]["AgentMe"]["required"]) == {"agent_id", "requests_per_window", "window_s"}


def test_an_office_of_agents_behind_one_address_is_not_held_up_by_the_per_ip_limit(tmp_path: Path) -> None:
    # 15 agents, 10 requests each, from one address whose anonymous budget is 20 requests
    c = _client(tmp_path, rate_limit_per_ip=20, rate_limit_agent_per_token=10, rate_limit_window_s=60)
    codes = [c.get("/v1/agent/queue", headers=_auth(key)).status_code for _ in range(10) for _, key in OFFICE]
    assert codes.count(200) == 150
    # each agent has its own budget: the 11th request of one agent is refused, with Retry-After...
    res = c.get("/v1/agent/queue", headers=_auth("key-00"))
    assert res.status_code == 429 and res.json()["error"] == "rate_limited" and res.headers["Retry-After"]
    # ...and its neighbour, already at its own limit too, is refused for itself, not for the office
    assert c.get("/v1/agent/me", headers=_auth("key-01")).status_code == 429


def test_requests_without_a_valid_key_stay_limited_per_address(tmp_path: Path) -> None:
    c = _client(tmp_path, rate_limit_per_ip=3, rate_limit_agent_per_token=100)
    codes = [c.get("/v1/agent/queue", headers=_auth(f"guess-{i}")).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]  # guessing keys is throttled like anonymous traffic
    assert c.get("/v1/agent/queue", headers=_auth("key-05")).status_code == 200  # a real key is counted per agent
