"""Who may submit what, when, how often; every refusal says why and when she may try again."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from competitions import Attempt, EligibilityContext, check_submission, clock, eligibility, quota
from competitions.rules import freeze_at, next_midnight, private_visible, public_cutoff
from tests.competitions.factory import CST, T0, member, spec

S = spec()
HER = member(1)
PRELIM = S.phase("prelim")


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def attempts(n: int, when: datetime, task: str = "a", status: str = "graded") -> list[Attempt]:
    return [Attempt(task, when - timedelta(minutes=i + 1), status) for i in range(n)]


# -- eligibility -------------------------------------------------------------------------------

def test_an_approved_member_with_no_restrictions_is_eligible() -> None:
    d = eligibility(HER, S)
    assert d.allowed and d.code == "ok" and bool(d)


@pytest.mark.parametrize("status", ["pending", "rejected", "disabled"])
def test_only_approved_members(status: str) -> None:
    d = eligibility(member(1, status=status), S)
    assert not d and d.code == "not_approved" and "审核" in d.zh and "approved" in d.en


def test_disqualified_says_the_reason() -> None:
    d = eligibility(HER, S, EligibilityContext(disqualified=True, disqualified_reason="代他人提交"))
    assert d.code == "disqualified" and "代他人提交" in d.zh and "disqualified: 代他人提交" in d.en


def test_units_match_her_union_or_any_union_above_it() -> None:
    s = spec(eligibility={"units": ["zj-hz"]})
    assert eligibility(member(1, units=("zj", "zj-hz", "zj-hz-ecom")), s)
    assert eligibility(member(2, units=("zj", "zj-hz")), s)
    d = eligibility(member(3, units=("zj", "zj-nb", "zj-nb-port")), s)
    assert d.code == "unit" and "工会" in d.zh


def test_divisions_restrict_by_profile_including_a_whole_split() -> None:
    s = spec(eligibility={"divisions": ["new-forms"]})
    assert eligibility(member(1, employment_form="delivery_rider", new_form=True), s)
    d = eligibility(member(2), s)
    assert d.code == "division" and "新就业形态组" in d.zh
    s = spec(eligibility={"divisions": ["region"]})  # anyone whose profile has a region
    assert eligibility(member(3), s) and not eligibility(member(4, region=""), s)


def test_passed_courses_are_all_required() -> None:
    s = spec(eligibility={"courses_passed": ["python-basics", "data-101"]})
    d = eligibility(HER, s, EligibilityContext(passed_courses=frozenset({"python-basics"})))
    assert d.code == "course" and "data-101" in d.zh and "python-basics" not in d.zh
    assert eligibility(HER, s, EligibilityContext(passed_courses=frozenset({"python-basics", "data-101"})))


def test_a_phase_with_an_entry_rule_needs_her_to_have_advanced() -> None:
    phases = [dict(p) for p in spec().model_dump()["phases"]]
    phases[2]["entry"] = {"from_phase": "prelim", "top": 2}
    s = spec(phases=phases)
    final_time = s.phase("final").opens_at + timedelta(minutes=5)
    d = check_submission(s, HER, "c", final_time, [])
    assert d.code == "not_qualified" and "初赛前 2 名" in d.zh
    assert check_submission(s, HER, "c", final_time, [], EligibilityContext(qualified_phases=frozenset({"final"})))
    assert check_submission(s, HER, "a", at(hours=1), [])  # the preliminary has no entry rule


# -- time and tasks ------------------------------------------------------------------------------

def test_unknown_task() -> None:
    d = check_submission(S, HER, "zzz", at(hours=1), [])
    assert d.code == "unknown_task" and "zzz" in d.zh


def test_before_the_competition_opens_says_when_it_will() -> None:
    first = S.phases[0].opens_at
    d = check_submission(S, HER, "warmup", first - timedelta(hours=1), [])
    assert d.code == "not_open" and d.retry_at == first and "尚未开放" in d.zh
    d = check_submission(S, HER, "a", first - timedelta(hours=1), [])
    assert d.code == "not_open" and d.retry_at == PRELIM.opens_at  # the phase that has her task


def test_between_phases_points_to_the_next_opening() -> None:
    d = check_submission(S, HER, "c", at(days=15), [])
    assert d.code == "between_phases" and d.retry_at == S.phase("final").opens_at
    d = check_submission(S, HER, "a", at(days=15), [])
    assert d.code == "closed" and d.retry_at is None  # its phase is over and no later one has it


def test_after_close_everything_is_refused() -> None:
    end = S.phases[-1].closes_at
    for t in ("warmup", "a", "c"):
        d = check_submission(S, HER, t, end, [])
        assert d.code == "closed" and d.retry_at is None and "已截止" in d.zh and "closed" in d.en
    assert check_submission(S, HER, "c", end - timedelta(seconds=1), [])  # the close is exclusive


def test_a_task_of_another_phase() -> None:
    d = check_submission(S, HER, "c", at(hours=1), [])
    assert d.code == "task_not_in_phase" and d.retry_at == S.phase("final").opens_at
    d = check_submission(S, HER, "warmup", at(hours=1), [])
    assert d.code == "task_not_in_phase" and d.retry_at is None


def test_an_ineligible_member_is_told_so_before_anything_about_time() -> None:
    d = check_submission(S, member(1, status="pending"), "a", at(days=99), [])
    assert d.code == "not_approved"


def test_times_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        check_submission(S, HER, "a", datetime(2026, 4, 11, 10, 0), [])


# -- limits --------------------------------------------------------------------------------------

def test_daily_limit_says_when_she_may_submit_again() -> None:
    now = at(hours=5)  # 14:00 Beijing time
    assert check_submission(S, HER, "a", now, attempts(2, now))
    d = check_submission(S, HER, "a", now, attempts(3, now))
    assert d.code == "daily_limit" and d.retry_at == datetime(2026, 4, 11, 0, 0, tzinfo=CST)
    assert "2026-04-11 00:00 后可再提交" in d.zh and "try again after" in d.en
    assert check_submission(S, HER, "a", d.retry_at, attempts(3, now))


def test_the_day_boundary_is_midnight_in_the_competitions_time_zone() -> None:
    # 23:50 and 00:10 Beijing time are two days, although both are 15:50/16:10 on the same UTC day
    late = datetime(2026, 4, 11, 23, 50, tzinfo=CST)
    history = attempts(3, late)
    after_midnight = datetime(2026, 4, 12, 0, 10, tzinfo=CST).astimezone(timezone.utc)
    assert check_submission(S, HER, "a", after_midnight, history)
    assert not check_submission(S, HER, "a", late, history)
    ny = spec(timezone="America/New_York")
    assert next_midnight(ny, after_midnight) == datetime(2026, 4, 12, 0, 0, tzinfo=ny.tz)


def test_phase_limit_gives_no_retry_time() -> None:
    history = [Attempt("a", at(days=d, hours=1), "graded") for d in range(5) for _ in range(2)]
    d = check_submission(S, HER, "a", at(days=6), history)
    assert d.code == "phase_limit" and d.retry_at is None and "10 次" in d.zh


def test_daily_limit_on_the_last_day_says_the_phase_closes_first() -> None:
    now = PRELIM.closes_at - timedelta(hours=2)
    d = check_submission(S, HER, "a", now, attempts(3, now))
    assert d.code == "daily_limit" and d.retry_at is None and "本阶段结束前不能再提交" in d.zh


def test_platform_failures_never_count_but_her_own_and_pending_ones_do() -> None:
    now = at(hours=5)
    failed = attempts(5, now, status="error") + attempts(5, now, status="failed") + attempts(2, now, status="retrying")
    assert check_submission(S, HER, "a", now, failed + attempts(2, now))
    for status in ("received", "queued", "grading", "invalid", "timeout", "graded"):
        assert not check_submission(S, HER, "a", now, failed + attempts(3, now, status=status)), status


def test_limits_count_per_task_or_for_the_whole_phase() -> None:
    now = at(hours=5)
    history = attempts(3, now, task="a")
    assert check_submission(S, HER, "b", now, history)
    s = spec(limits={"per_day": 3, "scope": "phase"})
    assert check_submission(s, HER, "b", now, history).code == "daily_limit"


def test_only_the_current_phases_submissions_count() -> None:
    practice = [Attempt("warmup", T0 - timedelta(days=2), "graded")] * 20
    s = spec(limits={"per_phase": 3, "scope": "phase"})
    assert check_submission(s, HER, "a", at(hours=1), practice)
    labelled = [Attempt("a", T0 - timedelta(days=2), "graded", phase="prelim")] * 3  # phase given wins
    assert not check_submission(s, HER, "a", at(hours=1), labelled)


def test_quota_tells_what_is_left() -> None:
    now = at(days=1, hours=2)
    history = attempts(2, now) + [Attempt("a", at(hours=1), "graded")] + attempts(4, now, status="error")
    q = quota(S, PRELIM, "a", now, history)
    assert (q.used_today, q.used_phase, q.left_today, q.left_phase) == (2, 3, 1, 7)
    q = quota(spec(limits={}), PRELIM, "a", now, history)
    assert q.left_today is None and q.left_phase is None


# -- clock, freeze, private board ------------------------------------------------------------------

def test_freeze_and_private_board_times() -> None:
    s = spec(board={"freeze_before_close": "1h"})
    ph = s.phase("prelim")
    assert freeze_at(s, ph) == ph.closes_at - timedelta(hours=1)
    assert public_cutoff(s, ph, ph.closes_at - timedelta(hours=2)) is None
    assert public_cutoff(s, ph, ph.closes_at - timedelta(minutes=59)) == freeze_at(s, ph)
    assert public_cutoff(s, ph, ph.closes_at + timedelta(days=3)) == freeze_at(s, ph)
    assert public_cutoff(S, PRELIM, PRELIM.closes_at) is None  # no freeze configured
    assert not private_visible(ph, ph.closes_at - timedelta(seconds=1)) and private_visible(ph, ph.closes_at)


def test_clock_for_the_countdown() -> None:
    s = spec(board={"freeze_before_close": "1h"})
    c = clock(s, s.phases[0].opens_at - timedelta(hours=2))
    assert (c.state, c.phase, c.seconds_left) == ("before", "practice", 7200)
    c = clock(s, at(days=10) - timedelta(minutes=30))
    assert (c.state, c.phase, c.seconds_left, c.frozen) == ("open", "prelim", 1800, True)
    c = clock(s, at(hours=1))
    assert c.state == "open" and not c.frozen
    c = clock(s, at(days=12))
    assert (c.state, c.phase) == ("between", "final") and c.opens_at == s.phase("final").opens_at
    c = clock(s, s.phases[-1].closes_at)
    assert (c.state, c.phase, c.seconds_left) == ("after", None, None)
