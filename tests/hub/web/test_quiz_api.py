"""The quiz widget's question to the platform, answered from the course catalogue by a real hub."""
from __future__ import annotations

import pytest

from tests.conftest import platform_client as client_for
from widgets.client import PlatformError


def test_a_quiz_answer_is_checked_with_its_explanation_and_article(hub):
    client = client_for(hub, "worker03")
    right = client.check_quiz("rights", "rights/q1", ["B"])
    assert right["correct"] is True and "98" in right["explanation"]
    assert right["reference"] == "《女职工劳动保护特别规定》第七条"
    wrong = client.check_quiz("rights", "rights/q1", ["A"])
    assert wrong["correct"] is False and wrong["explanation"]  # she learns why


def test_unknown_quizzes_and_bad_choices_are_refused_in_chinese(hub):
    client = client_for(hub, "worker03")
    with pytest.raises(PlatformError) as e:
        client.check_quiz("rights", "rights/no-such", ["A"])
    assert e.value.status == 404 and "测验" in str(e.value)
    with pytest.raises(PlatformError) as e:
        client.check_quiz("rights", "rights/q1", ["Z"])
    assert e.value.status == 400
