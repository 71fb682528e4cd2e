"""The rules on a plain SQLite database through hub.nominations.rounds: a person put on a final list of the same award by
a parallel round after this round's draft cannot go to this round's notice; refusals change nothing; exceptions are
kept in the audit trail alone and read back from it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from competitions.nominations import ProcedureError
from hub.store import db
from hub.nominations import rounds as nominations
from tests.hub.store.factory import reference_db
from tests.hub.nominations.factory import add_person, grade_in, own_competition, round_yaml
from tests.hub.nominations.test_persistence import snapshot, step

T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=30)
COMP = "rules-db-comp"


@pytest.fixture
def url(tmp_path):
    url = reference_db(tmp_path, "r.sqlite")
    with db.session_scope(url) as s:
        comp = own_competition(s, COMP, "规则测试竞赛")
        for username, name, unit, gender, ratio in (("liufang", "刘芳", "zj-hz-ecom", "female", 0.95),
                                                    ("zhouli", "周丽", "zj-hz-textile", "female", 0.80),
                                                    ("wangwei", "王伟", "zj-nb-port", "male", 0.70)):
            add_person(s, username, name, unit, gender=gender)
            grade_in(s, comp, username, ratio)
    return url


def listed(url: str, slug: str) -> list[str]:
    with db.session_scope(url) as s:
        return [e.name for e in nominations.entries_of(s, nominations.get_round(s, slug)) if e.included]


def test_a_person_awarded_by_a_parallel_round_cannot_go_to_this_rounds_notice(url):
    first, second = "rules-db-a-2031", "rules-db-b-2031"
    for slug, slots in ((first, 1), (second, 2)):
        step(url, nominations.create_round, round_yaml(slug, "may_day_women", 2031, COMP, slots,
                                                       not_awarded_within_years=3), "organizer", now=T0)
        step(url, nominations.compute_draft, slug, "organizer", now=T0)
        step(url, nominations.start_review, slug, "organizer", now=T0)
    assert listed(url, first) == ["刘芳"] and listed(url, second) == ["刘芳", "周丽"]
    step(url, nominations.start_notice, first, "organizer", now=T0)
    step(url, nominations.finalize, first, "organizer", now=T0 + timedelta(days=6))  # 刘芳 received the award

    before = snapshot(url)
    with pytest.raises(ProcedureError) as refused:
        step(url, nominations.start_notice, second, "organizer", now=T0 + timedelta(days=7))
    assert "名单违反本轮推荐规则，不能公示" in refused.value.zh and "刘芳 不符合推荐条件：2031 年已获此奖项" in refused.value.zh
    assert "received this award in 2031" in refused.value.en
    assert snapshot(url) == before  # refused: nothing stored, nothing audited
    liu = next(e.id for e in step(url, lambda s: nominations.entries_of(s, nominations.get_round(s, second)))
               if e.name == "刘芳")
    step(url, nominations.adjust, second, "organizer", liu, False, "已在本年度另一轮获得此奖项", now=T0 + timedelta(days=7))
    step(url, nominations.start_notice, second, "organizer", now=T0 + timedelta(days=7))
    assert listed(url, second) == ["周丽"]


def test_exceptions_live_in_the_audit_trail_and_are_read_back_from_it(url):
    slug = "rules-db-override-2032"
    step(url, nominations.create_round, round_yaml(slug, "may_day_medal", 2032, COMP, 2, women=0.5, override=True),
         "organizer", now=T0)
    step(url, nominations.compute_draft, slug, "organizer", now=T0)
    step(url, nominations.start_review, slug, "organizer", now=T0)
    assert listed(url, slug) == ["刘芳", "周丽"]
    wang = next(e.id for e in step(url, lambda s: nominations.entries_of(s, nominations.get_round(s, slug)))
                if e.name == "王伟")
    step(url, nominations.adjust, slug, "organizer", wang, True, "评审一致同意增列", now=T0,
         override_reason="经省总工会书面同意增加一个名额")
    with db.session_scope(url) as s:
        row = nominations.get_round(s, slug)
        [(breach, override)] = nominations.exceptions_of(s, row)
        assert breach.code == "places" and override.reason == "经省总工会书面同意增加一个名额"
        assert override.actor == "organizer" and override.severity == 1
        events = nominations.audit_events(nominations.audit_rows(s, row), nominations.candidate_names(s, row))
    assert [e["action"] for e in events][-2:] == ["nomination.adjust", "nomination.exception"]
    assert nominations.replay(events).listed == {"member:1", "member:2", "member:3"}  # the export still replays
