"""Reports count learners only (teaching a course is counted nowhere) and a real share of women: women / members
whose sex is known. Members come in through the sign-up path (members.read_profile → add_member) with 性别, and the
teaching enrolment is the one publishing a course writes (role instructor)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.store import db

from hub.people import members
from hub.store.orm import Course, Enrolment, MemberStatus, Role, utcnow
from hub.store.seed import seed_reference
from hub.reports import ReportScope, build_tables

# registered, enrolled, completed, competed, nominated, cadres trained, share of women
ZHEJIANG, BEIJING = "浙江省", "北京市"


def person(s, username, region, unit, sex, role=Role.learner):
    profile = members.read_profile({"username": username, "real_name": "测试", "unit": unit, "region": region,
                                    "industry": "it", "employment_form": "full_time", "gender": sex or ""},
                                   sex_required=sex is not None)
    return members.add_member(s, profile, role=role, status=MemberStatus.approved, actor="test")


def by_region(url):
    with db.session_scope(url) as s:
        table = build_tables(s, ReportScope())[0]
    return {row[0]: row[1:] for row in table.rows}


def test_teaching_counts_nowhere_and_one_woman_one_man_is_half(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    db.upgrade(url)
    with db.session_scope(url) as s:
        seed_reference(s)
        li = person(s, "lihong", "zhejiang", "zj-hz-textile", "female")
        wang = person(s, "wanggang", "zhejiang", "zj-hz-textile", "male")
        person(s, "olduser", "zhejiang", "zj-hz-textile", None)  # sex 未填写: in neither number of the share
        teacher = person(s, "teacherli", "beijing", "bj-haidian-soft", "female", role=Role.instructor)
        course = Course(slug="python-basics", title="Python 入门", published_at=utcnow())
        s.add(course)
        s.flush()
        # she teaches the course (and its "completion" of it is no learning); they learn it
        s.add(Enrolment(member_id=teacher.id, course_id=course.id, role=Role.instructor, completed_at=utcnow()))
        s.add(Enrolment(member_id=li.id, course_id=course.id, completed_at=utcnow()))
        s.add(Enrolment(member_id=wang.id, course_id=course.id))
    regions = by_region(url)
    assert regions[ZHEJIANG] == [3, 2, 1, 0, 0, 0, pytest.approx(0.5)]
    print("share of women, zhejiang:", regions[ZHEJIANG][-1])
    assert regions[BEIJING] == [1, 0, 0, 0, 0, 0, 1.0]  # the instructor: registered, nothing else
    assert regions["合计 total"][:6] == [4, 2, 1, 0, 0, 0] and regions["合计 total"][6] == pytest.approx(2 / 3)


def test_members_from_before_0010_become_unknown_and_leave_the_share(tmp_path):
    """Upgrading: nobody had been asked, so a stored "female" (the old default) becomes NULL (未填写); downgrading
    writes the old default back."""
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    db.upgrade(url, "0009")
    with db.session_scope(url) as s:
        seed_reference(s)
    engine = db.engine_for(url)
    with engine.begin() as c:
        ids = {t: c.execute(sa.text(f"select id from {t} where code=:c"), {"c": code}).scalar()
               for t, code in (("org_units", "zj-hz-textile"), ("regions", "zhejiang"), ("industries", "it"),
                               ("employment_forms", "full_time"))}
        c.execute(sa.text(
            "insert into members (username, real_name, gender, role, status, org_unit_id, region_id, industry_id, "
            "employment_form_id, created_at) values ('before', '旧会员', 'female', 'learner', 'approved', :u, :r, :i, "
            ":e, '2026-01-01 00:00:00')"), {"u": ids["org_units"], "r": ids["regions"], "i": ids["industries"],
                                            "e": ids["employment_forms"]})
    db.upgrade(url)
    with engine.connect() as c:
        assert c.execute(sa.text("select gender from members where username='before'")).scalar() is None
    assert by_region(url)[ZHEJIANG][-1] is None  # nobody's sex known: no share, not 100 %
    db.downgrade(url, "0009")
    with engine.connect() as c:
        assert c.execute(sa.text("select gender from members where username='before'")).scalar() == "female"
