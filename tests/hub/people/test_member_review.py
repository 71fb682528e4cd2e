"""Organizers on the real hub: the approval page's review comment (审核意见), stored, audited and shown to a refused
applicant; the member list shows 性别 and an organizer corrects it with a reason."""
from __future__ import annotations

from sqlalchemy import select

from hub.store import db
from hub.store.orm import AuditLog
from tests.conftest import xsrf
from tests.hub.people.test_signup import sex_of, signup

SIGNUPS = "/services/jinguo/admin/signups"
MEMBERS = "/services/jinguo/admin/members"


def organizer(hub):
    s = hub.session("organizer")
    s.get(hub.url + SIGNUPS)
    return s


def audit_rows(hub, username, action):
    with db.session_scope(hub.db_url) as s:
        return [(r.actor, r.reason, r.before, r.after) for r in s.scalars(
            select(AuditLog).where(AuditLog.target_id == username, AuditLog.action == action).order_by(AuditLog.id))]


def test_refusal_with_a_review_comment_is_audited_and_shown_to_her(hub):
    assert signup(hub, username="sunxia", real_name="孙霞", gender="female",
                  signup_password="Sunxia-2026!", signup_password_confirmation="Sunxia-2026!").status_code == 200
    s = organizer(hub)
    page = s.get(hub.url + SIGNUPS).text
    assert 'name="reason"' in page and "审核意见" in page and "孙霞" in page
    comment = "所填基层工会与单位证明不符，请重新注册 <b>"
    r = s.post(hub.url + SIGNUPS, data={"username": "sunxia", "decision": "reject", "reason": comment,
                                        "_xsrf": xsrf(s, "/services/jinguo/")})
    assert r.status_code == 200 and "已处理：sunxia" in r.text
    [(actor, reason, _before, after)] = audit_rows(hub, "sunxia", "member.rejected")
    assert (actor, reason, after["status"]) == ("organizer", comment, "rejected")

    her = hub.session()
    her.get(f"{hub.url}/hub/login")
    r = her.post(f"{hub.url}/hub/login?next=", data={"username": "sunxia", "password": "Sunxia-2026!",
                                                     "_xsrf": xsrf(her)})
    text = r.content.decode("utf-8")  # the hub's login page names no charset
    assert r.status_code == 403
    assert "未通过" in text and "not approved" in text
    assert "所填基层工会与单位证明不符" in text and "<b>" not in text.split("所填基层工会")[1][:40]  # escaped


def test_a_comment_too_long_is_refused_whole_and_the_decision_not_taken(hub):
    assert signup(hub, username="longnote", real_name="龙晓", gender="female").status_code == 200
    s = organizer(hub)
    r = s.post(hub.url + SIGNUPS, data={"username": "longnote", "decision": "approve", "reason": "很" * 501,
                                        "_xsrf": xsrf(s, "/services/jinguo/")})
    assert r.status_code == 400 and "审核意见不能超过 500 字" in r.text
    assert "pending" in hub.jinguo("user", "list", "--status", "pending").stdout.split("longnote")[1].splitlines()[0]


def test_member_list_shows_sex_and_an_organizer_corrects_it_with_a_reason(hub):
    assert signup(hub, username="wujun", real_name="吴军", gender="female").status_code == 200  # a slip of hers
    s = organizer(hub)
    page = s.get(hub.url + MEMBERS, params={"q": "wujun"}).text
    assert 'data-username="wujun"' in page and '<td class="sex">女</td>' in page
    no_reason = s.post(hub.url + MEMBERS, data={"username": "wujun", "gender": "male", "reason": " ",
                                                "_xsrf": xsrf(s, "/services/jinguo/")})
    assert no_reason.status_code == 400 and "请写明更正理由" in no_reason.text and sex_of(hub, "wujun") == "female"
    r = s.post(hub.url + MEMBERS, data={"username": "wujun", "gender": "male", "reason": "本人来电更正",
                                        "_xsrf": xsrf(s, "/services/jinguo/")})
    assert r.status_code == 200 and "已更正：wujun" in r.text
    assert sex_of(hub, "wujun") == "male"
    [(actor, reason, before, after)] = audit_rows(hub, "wujun", "member.sex_corrected")
    assert (actor, reason, before["gender"], after["gender"]) == ("organizer", "本人来电更正", "female", "male")
    unknown = s.get(hub.url + MEMBERS, params={"sex": "unknown"})
    assert unknown.status_code == 200 and 'data-username="wujun"' not in unknown.text

    learner = hub.session("worker03")
    learner.get(hub.url + "/services/jinguo/")
    r = learner.post(hub.url + MEMBERS, allow_redirects=False,
                     data={"username": "worker03", "gender": "male", "reason": "x",
                           "_xsrf": xsrf(learner, "/services/jinguo/")})
    assert r.status_code == 403 and sex_of(hub, "worker03") == "female"
    assert learner.get(hub.url + MEMBERS, allow_redirects=False).status_code == 403


def test_her_zone_and_the_api_show_her_sex(hub):
    s = hub.session("worker28")  # a man among the demo's members
    assert '<dd id="sex">男</dd>' in s.get(hub.url + "/services/jinguo/").text
    assert s.get(hub.url + "/services/jinguo/api/me").json()["gender"] == "male"
