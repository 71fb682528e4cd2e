"""XSRF on the platform's JSON API: a state-changing call authenticated by a cookie must carry the _xsrf token,
whatever ``Authorization`` header rides along; only a token that itself authenticated the call goes without.

The hostile page: another site makes the organizer's browser POST "reject worker27" (her cookie goes along), and
adds a bogus ``Authorization: token garbage`` header, which once switched the XSRF check off."""
from __future__ import annotations

import sqlalchemy as sa

from hub.store import db
from tests.conftest import xsrf

VICTIM = "worker27"  # a competitor whom a rival would like to see rejected


def status_of(hub, username: str) -> str:
    with db.engine_for(hub.db_url).connect() as c:
        return c.execute(sa.text("select status from members where username=:u"), {"u": username}).scalar()


def decisions(hub, username: str) -> int:
    with db.engine_for(hub.db_url).connect() as c:
        return c.execute(sa.text("select count(*) from audit_log where target_id=:u and action like 'member.%'"),
                         {"u": username}).scalar()


def organizer_browser(hub):
    """The organizer's browser: logged in to the hub and to the platform service (its cookie)."""
    s = hub.session("organizer")
    assert s.get(f"{hub.url}/services/jinguo/").status_code == 200
    return s


def test_cookie_with_a_bogus_authorization_header_still_needs_xsrf(hub):
    assert status_of(hub, VICTIM) == "approved"
    before = decisions(hub, VICTIM)
    s = organizer_browser(hub)
    url = f"{hub.url}/services/jinguo/api/members/{VICTIM}/reject"
    try:
        # The forged cross-site call: her cookie, a made-up token, no _xsrf.
        for header in ("token garbage", "Bearer garbage", "token "):
            r = s.post(url, json={"reason": "forged"}, headers={"Authorization": header,
                                                                "Origin": "http://evil.example",
                                                                "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"})
            assert r.status_code == 403, (header, r.status_code, r.text)
            assert r.json()["error"]["code"] in ("xsrf", "not_logged_in")
            assert status_of(hub, VICTIM) == "approved" and decisions(hub, VICTIM) == before
        # Without any header the same forged call was refused already; it still is.
        r = s.post(url, json={"reason": "forged"})
        assert r.status_code == 403 and status_of(hub, VICTIM) == "approved"

        # Her own page's call, with the _xsrf token the service gave her page: it works.
        r = s.post(url, json={"reason": "核实后不符合条件"}, headers={"X-XSRFToken": xsrf(s, "/services/jinguo/")})
        assert r.status_code == 200, r.text
        assert status_of(hub, VICTIM) == "rejected" and decisions(hub, VICTIM) == before + 1

        # A real API token without any cookie (a widget, a script): no _xsrf needed.
        token = hub.api_token("organizer", note="xsrf-test")
        import requests

        r = requests.post(f"{hub.url}/services/jinguo/api/members/{VICTIM}/approve", json={"reason": "复核通过"},
                          headers={"Authorization": f"token {token}"})
        assert r.status_code == 200, r.text
        assert status_of(hub, VICTIM) == "approved" and decisions(hub, VICTIM) == before + 2
    finally:
        if status_of(hub, VICTIM) != "approved":
            hub.jinguo("user", "approve", VICTIM)


def test_a_learner_cookie_with_a_bogus_token_cannot_submit_for_her(hub):
    """The same wall on a learner's route: a forged quiz answer or submission from another site is refused before
    any work is done (the refusal names _xsrf, in Chinese and English)."""
    s = hub.session("worker26")
    assert s.get(f"{hub.url}/services/jinguo/").status_code == 200
    r = s.post(f"{hub.url}/services/jinguo/api/competitions/no-such-cup/submissions", json={"task": "t"},
               headers={"Authorization": "token garbage"})
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "xsrf" and "_xsrf" in err["zh"] and "_xsrf" in err["en"]
