"""Surveys on a plain SQLite database through hub.surveys.responses: created, opened and closed with audit entries, one
answer per member that she may change until the survey closes, refusals that store nothing, answers never in the
audit log, and results with the configured minimum group size."""
from __future__ import annotations


import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from competitions.surveys.spec import EXAMPLES, AnswerError
from competitions.yamlspec import SpecError
from hub.store import db
from hub.people import members
from hub.surveys import responses as surveys
from hub.store.orm import AuditLog, Base, MemberStatus, Survey, SurveyResponse
from tests.hub.store.factory import reference_db
from tests.hub.nominations.factory import add_person

EXAMPLE = EXAMPLES / "women-workforce-2027.yaml"
TEXT = EXAMPLE.read_text(encoding="utf-8")
SLUG = "women-workforce-2027"
GOOD = {"satisfaction": "4", "shift": "白班", "needs": ["托育服务"]}


@pytest.fixture
def url(tmp_path):
    url = reference_db(tmp_path, "s.sqlite")
    with db.session_scope(url) as s:
        for i in range(7):
            add_person(s, f"nvgong{i}", f"女工{i}", "zj-hz-ecom" if i < 5 else "bj-haidian-soft",
                       "zhejiang" if i < 5 else "beijing")
        add_person(s, "waiting", "待审核", "zj-hz-ecom", status=MemberStatus.pending)
    return url


def step(url: str, fn, *args, **kw):
    with db.session_scope(url) as s:
        return fn(s, *args, **kw)


def reply(url: str, username: str, answers: dict) -> bool:
    with db.session_scope(url) as s:
        return surveys.answer(s, SLUG, members.get_member(s, username), answers)[1]


def rows(url: str, model) -> list:
    with db.session_scope(url) as s:
        return list(s.scalars(sa.select(model).order_by(model.id)))


def test_the_migration_matches_the_models(url):
    with db.engine_for(url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "survey" in repr(d)] == []


def test_create_open_close_each_audited_and_refused_out_of_order(url):
    with pytest.raises(SpecError):
        step(url, surveys.create_survey, "slug: x\n", "organizer")
    assert rows(url, Survey) == []
    step(url, surveys.create_survey, TEXT, "organizer")
    with pytest.raises(surveys.SurveyRefused) as taken:
        step(url, surveys.create_survey, TEXT, "organizer")
    assert taken.value.status == 409 and "已存在" in taken.value.zh
    with pytest.raises(surveys.SurveyRefused) as early:
        step(url, surveys.move, SLUG, "close", "organizer")
    assert "不能结束收集" in early.value.zh and "cannot be closed" in early.value.en
    step(url, surveys.move, SLUG, "open", "organizer")
    step(url, surveys.move, SLUG, "close", "organizer")
    assert [(a.actor, a.action, a.target_id) for a in rows(url, AuditLog) if a.target_type == "survey"] == [
        ("organizer", "survey.create", SLUG), ("organizer", "survey.open", SLUG), ("organizer", "survey.close", SLUG)]
    (row,) = rows(url, Survey)
    assert row.status == "closed" and row.opened_at and row.closed_at


def test_one_answer_per_member_changeable_until_the_survey_closes(url):
    step(url, surveys.create_survey, TEXT, "organizer")
    with pytest.raises(surveys.SurveyRefused) as draft:
        reply(url, "nvgong0", GOOD)
    assert draft.value.code == "survey_not_open"
    step(url, surveys.move, SLUG, "open", "organizer")
    with pytest.raises(surveys.SurveyRefused) as pending:
        reply(url, "waiting", GOOD)
    assert pending.value.code == "not_approved"
    with pytest.raises(AnswerError):
        reply(url, "nvgong0", {"shift": "中班"})
    assert rows(url, SurveyResponse) == []  # nothing half-saved
    assert reply(url, "nvgong0", GOOD) is True
    assert reply(url, "nvgong0", {**GOOD, "shift": "夜班", "advice": "希望多些夜班补贴"}) is False
    (mine,) = rows(url, SurveyResponse)
    assert mine.answers["shift"] == "夜班" and mine.changed_at is not None
    assert mine.groups == {"region": "浙江省", "employment_form": "全日制用工"}  # only what the survey breaks down by
    step(url, surveys.move, SLUG, "close", "organizer")
    with pytest.raises(surveys.SurveyRefused):
        reply(url, "nvgong0", GOOD)
    assert not any("夜班" in repr((a.before, a.after, a.reason)) for a in rows(url, AuditLog))  # answers: not audited


def test_results_use_the_configured_minimum_group_and_a_survey_may_only_raise_it(url, monkeypatch):
    step(url, surveys.create_survey, TEXT, "organizer")
    step(url, surveys.move, SLUG, "open", "organizer")
    for i in range(7):
        reply(url, f"nvgong{i}", GOOD)
    with db.session_scope(url) as s:
        row = surveys.get_survey(s, SLUG)
        five = surveys.results(s, row)
        assert five.k == 5 and five.respondents == 7
        regions = {r.label: r.answered for r in five.questions[0].breakdowns[0].rows}
        assert regions == {"浙江省": None, "北京市": None}  # 5 and 2: the 2 is hidden, so the 5 must be too
        assert surveys.results(s, row, surveys.SurveySettings(min_group_size=2)).questions[0].breakdowns[0].rows[0] \
            .answered == 2
        monkeypatch.setenv("JINGUO_SURVEY_MIN_GROUP", "8")
        assert surveys.results(s, row).respondents is None  # 7 < 8
        row.spec_yaml = TEXT.replace("breakdowns:", "min_group_size: 3\nbreakdowns:")
        assert surveys.min_group(row) == 8  # the spec may raise the floor, never lower it
        monkeypatch.setenv("JINGUO_SURVEY_MIN_GROUP", "2")
        assert surveys.min_group(row) == 3
        s.rollback()
