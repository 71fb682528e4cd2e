"""Properties over arbitrary data: the board is a total order, a freeze hides later scores, limits
hold over any sequence of attempts, the incremental board equals the recomputed one, and divisions
follow the profile."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competitions import OVERALL, Attempt, Leaderboard, Member, ScoreRecord, check_submission, compute_boards
from competitions.divisions import divisions_of
from competitions.model import counts_against_limit
from competitions.ranking import rank_key
from tests.competitions.factory import CST, T0, member, spec

settings.register_profile("competitions", deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("competitions")

REGIONS = ["zhejiang", "guangdong", "beijing"]
FORMS = [("full_time", False), ("delivery_rider", True), ("ride_hailing", True)]
UNITS = [("zj", "zj-hz", "zj-hz-ecom"), ("zj", "zj-nb", "zj-nb-port"), ("gd", "gd-sz", "gd-sz-elec")]
STATUSES = ["graded"] * 6 + ["invalid", "timeout", "error", "grading"]

specs = st.builds(
    lambda counts, method, ties: spec(scoring={"counts": counts, "method": method, "tie_breaks": ties}),
    st.sampled_from(["best", "last"]), st.sampled_from(["sum", "weighted"]),
    st.sampled_from([[], ["earliest"], ["fewest_submissions"], ["earliest", "fewest_submissions"],
                     ["fewest_submissions", "earliest"]]))


@st.composite
def members(draw, ids=st.integers(1, 12)) -> Member:
    form, new = draw(st.sampled_from(FORMS))
    return member(draw(ids), region=draw(st.sampled_from(REGIONS)), units=draw(st.sampled_from(UNITS)),
                  employment_form=form, new_form=new)


# Few members, scores and times, so that ties of every kind happen often.
records = st.builds(
    lambda m, task, score, private, minute, status, sid, phase: ScoreRecord(
        m, task, phase, score, private, T0 + timedelta(minutes=minute), status, sid),
    st.integers(1, 12), st.sampled_from(["a", "b"]), st.sampled_from([None, 0.0, 2.5, 5.0, 10.0]),
    st.sampled_from([None, 0.0, 5.0, 10.0]), st.integers(-5, 60 * 24 * 10 + 5), st.sampled_from(STATUSES),
    st.integers(0, 40), st.sampled_from(["prelim"] * 5 + ["practice"]))

ops = st.one_of(
    st.tuples(st.just("add"), records),
    st.tuples(st.just("member"), members()),
    st.tuples(st.just("disqualify"), st.integers(1, 12)),
    st.tuples(st.just("reinstate"), st.integers(1, 12)),
    st.tuples(st.just("cutoff"), st.one_of(st.none(), st.integers(0, 60 * 24 * 10))),
)


def assert_same(lb: Leaderboard, spec_, recs: dict, profiles: dict, dq: set, kind: str, cutoff) -> None:
    want = compute_boards(spec_, "prelim", recs.values(), profiles, kind=kind, cutoff=cutoff, disqualified=dq)
    assert set(lb.divisions()) == {k for k, b in want.items() if b.rows or k == OVERALL}
    for key, board in want.items():
        assert lb.board(key).rows == board.rows, key
        for row in board.rows:
            assert lb.rank_of(row.member, key) == row
        if len(board.rows) > 3:  # a page cut inside the board
            assert lb.page(key, 2, 3) == board.rows[2:5]


@given(specs, st.sampled_from(["public", "private"]), st.lists(ops, max_size=60))
def test_incremental_board_equals_the_recomputed_one(spec_, kind, operations) -> None:
    lb = Leaderboard(spec_, "prelim", kind=kind)
    recs: dict = {}
    profiles: dict = {}
    dq: set = set()
    cutoff = None
    for op, arg in operations:
        if op == "add":
            lb.add(arg)
            if arg.phase == "prelim":
                recs[arg.key] = arg
        elif op == "member":
            lb.set_member(arg)
            profiles[arg.id] = arg
        elif op == "disqualify":
            lb.disqualify(arg)
            dq.add(arg)
        elif op == "reinstate":
            lb.reinstate(arg)
            dq.discard(arg)
        else:
            cutoff = None if arg is None else T0 + timedelta(minutes=arg)
            lb.set_cutoff(cutoff)
    assert_same(lb, spec_, recs, profiles, dq, kind, cutoff)


@given(specs, st.lists(records, max_size=80))
def test_the_board_is_a_total_order_with_ties_only_when_truly_equal(spec_, recs) -> None:
    from competitions import standing

    board = compute_boards(spec_, "prelim", recs)[OVERALL]
    rows = board.rows
    assert len({r.member for r in rows}) == len(rows)
    keys = []
    for r in rows:
        s = standing(spec_, spec_.phase("prelim"), [x for x in recs if x.member == r.member], "public")
        assert (s.total, s.reached_at, s.submissions) == (r.total, r.reached_at, r.submissions)
        keys.append((rank_key(spec_, s), r.member))
    assert keys == sorted(keys)  # strictly ordered: member ids break display order within a true tie
    for i, r in enumerate(rows):
        better = sum(k[0] < keys[i][0] for k in keys)
        assert r.rank == better + 1  # 1,2,2,4
        if i:
            assert (r.rank == rows[i - 1].rank) == (keys[i][0] == keys[i - 1][0])


@given(specs, st.lists(records, max_size=60), st.integers(0, 60 * 24 * 10), st.lists(records, max_size=20))
def test_a_freeze_hides_every_later_score(spec_, before, minute, later) -> None:
    cutoff = T0 + timedelta(minutes=minute)
    frozen = compute_boards(spec_, "prelim", before, cutoff=cutoff)
    visible = [r for r in before if r.submitted_at < cutoff]
    assert frozen == compute_boards(spec_, "prelim", visible, cutoff=cutoff)
    late = [ScoreRecord(r.member, r.task, r.phase, r.public_score, r.private_score,
                        max(r.submitted_at, cutoff), r.status, ("late", r.id)) for r in later]
    assert compute_boards(spec_, "prelim", before + late, cutoff=cutoff) == frozen
    for board in frozen.values():
        assert all(row.reached_at < cutoff for row in board.rows)


@given(st.integers(1, 4), st.integers(1, 12), st.sampled_from(["task", "phase"]),
       st.lists(st.tuples(st.integers(0, 60 * 24 * 10 - 1), st.sampled_from(["a", "b"]),
                          st.sampled_from(["graded", "error", "invalid", "failed", "timeout", "received"])),
                max_size=80))
def test_limits_hold_over_any_sequence_of_attempts(per_day, per_phase, scope, tries) -> None:
    s = spec(limits={"per_day": per_day, "per_phase": max(per_day, per_phase), "scope": scope})
    her = member(1)
    history: list[Attempt] = []
    for minute, task, outcome in sorted(tries):
        now = T0 + timedelta(minutes=minute)
        d = check_submission(s, her, task, now, history)
        mine = [a for a in history if counts_against_limit(a.status) and (scope == "phase" or a.task == task)]
        today = [a for a in mine if a.submitted_at.astimezone(CST).date() == now.astimezone(CST).date()]
        if d.allowed:
            assert len(today) < per_day and len(mine) < max(per_day, per_phase)
            history.append(Attempt(task, now, outcome))
        else:  # refused only for a true reason, and the retry time is right
            assert d.code in ("daily_limit", "phase_limit")
            if d.code == "phase_limit":
                assert len(mine) >= max(per_day, per_phase) and d.retry_at is None
            else:
                assert len(today) >= per_day
                if d.retry_at is not None:
                    assert d.retry_at > now and d.retry_at.astimezone(CST).time().hour == 0
                    assert check_submission(s, her, task, d.retry_at, history).code != "daily_limit"
    counted = [a for a in history if counts_against_limit(a.status)]
    for task in ("a", "b"):
        group = counted if scope == "phase" else [a for a in counted if a.task == task]
        assert len(group) <= max(per_day, per_phase)
        days: dict = {}
        for a in group:
            days[a.submitted_at.astimezone(CST).date()] = days.get(a.submitted_at.astimezone(CST).date(), 0) + 1
        assert all(n <= per_day for n in days.values())


@given(members())
def test_division_membership_follows_the_profile(m) -> None:
    s = spec(divisions=[
        {"key": "new-forms", "title": "新就业形态组", "match": {"new_form": True}},
        {"key": "road", "title": "骑手与司机·浙粤", "match": {"employment_forms": ["delivery_rider", "ride_hailing"],
                                                         "regions": ["zhejiang", "guangdong"]}},
        {"key": "hz", "title": "杭州赛区", "match": {"units": ["zj-hz"]}},
        {"key": "industry", "title": "行业", "split_by": "industry"},
        {"key": "region", "title": "地区", "split_by": "region"},
    ])
    keys = set(divisions_of(m, s))
    assert OVERALL in keys
    assert ("new-forms" in keys) == m.new_form
    assert ("road" in keys) == (m.employment_form in ("delivery_rider", "ride_hailing")
                                and m.region in ("zhejiang", "guangdong"))
    assert ("hz" in keys) == ("zj-hz" in m.units)
    assert f"region:{m.region}" in keys and f"industry:{m.industry}" in keys
    assert len(keys) == 1 + m.new_form + ("road" in keys) + ("hz" in keys) + 2
    # and the boards agree: she is on exactly the boards of her divisions
    boards = compute_boards(s, "prelim", [ScoreRecord(m.id, "a", "prelim", 5.0, 5.0, T0, "graded", 1)], {m.id: m})
    assert {k for k, b in boards.items() if any(r.member == m.id for r in b.rows)} == keys
