"""Sign-up through the real hub: every bad input gets a clear message and leaves nothing behind."""
from __future__ import annotations

import sqlalchemy as sa

from hub.store import db
from tests.conftest import xsrf

GOOD = {"username": "chenfang", "real_name": "陈芳", "unit": "gd-sz-elec", "region": "guangdong",
        "industry": "manufacturing", "employment_form": "full_time", "phone": "", "gender": "female",
        "signup_password": "Zhizao-2026!", "signup_password_confirmation": "Zhizao-2026!"}


def signup(hub, **changes):
    s = hub.session()
    s.get(f"{hub.url}/hub/signup")
    form = {**GOOD, **changes, "_xsrf": xsrf(s)}
    return s.post(f"{hub.url}/hub/signup", data=form)


def counts(hub, username):
    with db.engine_for(hub.db_url).connect() as c:
        members = c.execute(sa.text("select count(*) from members where username=:u"), {"u": username}).scalar()
    with sa.create_engine(hub.hub_db_url).connect() as c:
        infos = c.execute(sa.text("select count(*) from users_info where username=:u"), {"u": username}).scalar()
    return members, infos


def test_good_signup_writes_both_rows_pending(hub):
    r = signup(hub, username="chenfang")
    assert r.status_code == 200 and "审核通过后即可登录" in r.text
    assert counts(hub, "chenfang") == (1, 1)
    listed = hub.jinguo("user", "list", "--status", "pending").stdout
    assert "chenfang" in listed and "陈芳" in listed


def test_duplicate_user_name_is_refused_and_nothing_changes(hub):
    r = signup(hub, username="worker01", real_name="冒名者")
    assert r.status_code == 400
    assert "该用户名已被注册" in r.text and "already taken" in r.text
    with db.engine_for(hub.db_url).connect() as c:
        name = c.execute(sa.text("select real_name from members where username='worker01'")).scalar()
    assert name != "冒名者"


def test_missing_fields_are_all_named(hub):
    r = signup(hub, username="missingbits", real_name="", unit="", industry="")
    assert r.status_code == 400
    for text in ("请填写真实姓名", "请选择所在基层工会", "请选择行业", "real name is required"):
        assert text in r.text
    assert counts(hub, "missingbits") == (0, 0)


def test_over_long_strings_are_refused(hub):
    r = signup(hub, username="a" * 40, real_name="王" * 41)
    assert r.status_code == 400
    assert "用户名须为" in r.text and "姓名不能超过 40 个字" in r.text
    assert counts(hub, "a" * 40) == (0, 0)


def test_html_in_names_is_refused_and_echoed_escaped(hub):
    r = signup(hub, username="xss", real_name="<script>alert(1)</script>")
    assert r.status_code == 400
    assert "姓名不能包含特殊符号" in r.text
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text
    assert counts(hub, "xss") == (0, 0)


def test_unknown_union_and_weak_password(hub):
    r = signup(hub, username="wrongunit", unit="no-such-union")
    assert r.status_code == 400 and "所选基层工会不存在" in r.text
    assert counts(hub, "wrongunit") == (0, 0)
    r = signup(hub, username="weakpw", signup_password="123", signup_password_confirmation="123")
    assert r.status_code == 400 and "密码至少 8 位" in r.text
    r = signup(hub, username="mismatch", signup_password_confirmation="other-password-1")
    assert r.status_code == 400 and "两次输入的密码不一致" in r.text
    assert counts(hub, "weakpw") == (0, 0) and counts(hub, "mismatch") == (0, 0)


def sex_of(hub, username):
    with db.engine_for(hub.db_url).connect() as c:
        return c.execute(sa.text("select gender from members where username=:u"), {"u": username}).scalar()


def test_signup_asks_sex_with_the_reason_and_stores_the_answer(hub):
    page = hub.session().get(f"{hub.url}/hub/signup").text
    assert 'name="gender"' in page and ">女 <" in page and ">男 <" in page
    assert "五一劳动奖章" in page and "May Day" in page  # why the union asks
    assert signup(hub, username="liuqiang", real_name="刘强", gender="male").status_code == 200
    assert signup(hub, username="zhoumei", real_name="周梅", gender="female").status_code == 200
    assert (sex_of(hub, "liuqiang"), sex_of(hub, "zhoumei")) == ("male", "female")


def test_signup_without_sex_is_refused_with_the_reason_and_nothing_is_stored(hub):
    r = signup(hub, username="nosex", gender="")
    assert r.status_code == 400
    assert "请选择性别" in r.text and "choose your sex" in r.text and "五一劳动奖章" in r.text
    assert 'data-field="gender"' in r.text
    assert counts(hub, "nosex") == (0, 0)
    r = signup(hub, username="othersex", gender="other")
    assert r.status_code == 400 and "性别只能选" in r.text and counts(hub, "othersex") == (0, 0)
    # what she typed is kept: the other fields come back filled in
    assert 'value="othersex"' in r.text and "陈芳" in r.text
