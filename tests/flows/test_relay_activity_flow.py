"""The relay-activity flow against a real Prefect API, real PostgreSQL and the MongoDB-wire server."""

from __future__ import annotations

import pytest

from ai4d_core import policy
from ai4d_core.bootstrap import Container
from ai4d_core.domain.keys import key_answer
from ai4d_core.services import learner_settings, quiz_sessions
from ai4d_core.services.analysis import analyze_profiles
from ai4d_core.services.ingest import ingest_pending
from ai4d_core.settings import Settings

pytestmark = pytest.mark.flows


def test_the_relay_flow_stores_events_and_queues_the_opted_in_mail_once(
    prefect_api: None, bank: Container, service_env: Settings
) -> None:
    from flows.relay_activity import relay_activity

    quiz_sessions.ANSWERS.reset()
    ada = policy.Viewer(bank.users.add("ada@example.org", "Ada", "learner", "x"), policy.LEARNER)
    learner_settings.update(bank, ada, notify_profile_ready=True)
    turn = quiz_sessions.start(bank, ada, "diagnostic", None)
    item = bank.items.get(turn.question["id"], turn.question["version"])
    assert item is not None
    quiz_sessions.answer(bank, ada, turn.session_id, turn.position, key_answer(item))
    ingest_pending(bank)
    analyze_profiles(bank)

    first = relay_activity()
    kinds = {e.kind for e in bank.activity.recent(ada.id)}
    print(f"checked {first['events']} relayed events")
    assert first["events"] >= 3 and first["notifications"] == 1
    assert {"quiz_started", "answered", "profile_written"} <= kinds
    assert relay_activity() == {"events": 0, "notifications": 0}
