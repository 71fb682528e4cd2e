"""Who may do what: JupyterHub RBAC scopes checked by the platform service on every route."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import xsrf

ORGANIZER_ROUTES = ["/services/jinguo/api/members", "/services/jinguo/api/stats/coverage",
                    "/services/jinguo/admin/signups"]


def test_learner_is_refused_organizer_and_admin_routes(hub):
    s = hub.session("worker02")
    for route in ORGANIZER_ROUTES:
        r = s.get(hub.url + route, allow_redirects=False)
        assert r.status_code == 403, route
    r = s.get(hub.url + "/services/jinguo/api/members")
    assert r.json()["error"]["zh"] == "您没有权限进行此操作"
    r = s.post(hub.url + "/services/jinguo/api/members/worker03/reject", json={"reason": "x"},
               headers={"X-XSRFToken": xsrf(s, "/services/jinguo/")})
    assert r.status_code == 403
    assert "approved" in hub.jinguo("user", "list").stdout.split("worker03")[1].splitlines()[0]


def test_organizer_reaches_them_and_sees_coverage(hub):
    s = hub.session("organizer")
    r = s.get(hub.url + "/services/jinguo/api/stats/coverage")
    assert r.status_code == 200
    assert sum(r.json()["region"].values()) >= 30
    assert "新就业形态·网约配送员（外卖骑手）" in r.json()["employment_form"]


def test_anonymous_is_sent_to_log_in(hub):
    r = hub.session().get(hub.url + "/services/jinguo/")
    assert r.url.startswith(hub.url + "/hub/login")
    r = hub.session().get(hub.url + "/services/jinguo/api/me", allow_redirects=False)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_logged_in"


def test_hidden_form_field_grants_nothing(hub):
    s = hub.session("worker04")
    s.get(hub.url + "/services/jinguo/")
    r = s.post(hub.url + "/services/jinguo/admin/signups", allow_redirects=False,
               data={"username": "worker05", "decision": "reject", "role": "admin",
                     "_xsrf": xsrf(s, "/services/jinguo/")})
    assert r.status_code == 403


def test_openapi_document_lists_routes_and_their_scopes(hub):
    doc = hub.session().get(hub.url + "/services/jinguo/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert doc["paths"]["/members"]["get"]["x-required-scopes"] == ["custom:jinguo:approve"]


@pytest.mark.skipif(os.geteuid() != 0, reason="per-worker Unix accounts exist only when the hub runs as root")
def test_a_learner_cannot_read_another_learners_home(hub):
    for name in ("worker06", "worker07"):
        s = hub.session(name)
        r = s.get(f"{hub.url}/hub/spawn")  # what the 进入我的笔记本 button does
        assert r.status_code == 200, r.text
    import time
    deadline = time.monotonic() + 60
    secret = hub.home_root / "worker07" / "私人笔记.txt"
    while not (hub.home_root / "worker07").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    secret.write_text("只属于我 / mine only")
    os.chown(secret, (hub.home_root / "worker07").stat().st_uid, -1)
    other = hub.unix_prefix + "worker06"
    r = subprocess.run(["runuser", "-u", other, "--", "cat", str(secret)], capture_output=True, text=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = subprocess.run(["runuser", "-u", other, "--", "ls", str(hub.home_root / "worker07")],
                       capture_output=True, text=True)
    assert r.returncode != 0


def _lab_page_config(hub, name: str) -> dict:
    import json
    import time

    s = hub.session(name)
    hub.start_server(s, name)
    deadline = time.monotonic() + 90
    while not hub.server_ready(s, name) and time.monotonic() < deadline:
        time.sleep(0.3)
    html = s.get(f"{hub.url}/user/{name}/lab").text
    raw = html.split('<script id="jupyter-config-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    return json.loads(raw)


def test_learners_get_the_assignment_list_and_instructors_formgrader(hub):
    learner = _lab_page_config(hub, "worker09")["disabledExtensions"]
    instructor = _lab_page_config(hub, "teacher1")["disabledExtensions"]
    assert "@jupyter/nbgrader:formgrader" in learner and "@jupyter/nbgrader:create-assignment" in learner
    assert "@jupyter/nbgrader:assignment-list" not in learner
    assert "@jupyter/nbgrader:formgrader" not in instructor
