"""Nothing in the data folder is readable by a worker's own Unix account (issue 15, hub/store/data_folder.py).

A real hub, installed as an admin would (every folder above its data folder passable by everyone, as the admin guide
asks so that instructors reach their course folders), goes through a whole season: a course published and released
from the command line, two learners hand in and read their feedback, a competition opened from the command line
with its task folder put in place by the organizer's shell, both competitors graded, a backup and a report made.
Then, as worker01's own account (her groups, the way her server is started), every folder of the data folder is
listed and every file opened: she must get nothing — not the competition's source/ with its hidden tests, no
gradebook, not worker02's submitted, autograded or feedback notebook, no database, secret or backup."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from hub.settings import JinguoConfig
from hub.jupyterhub.spawner import JinguoSpawner
from hub.testing import start_hub, stop_hub
from tests.conftest import platform_client, unix_names_of
from tests.hub.lab.courses import enrol, solved
from tests.grading.corpus import KINDS
from tests.journeys.competition import open_competition
from tests.journeys.test_competition_submissions import notebook, wait_final

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="workers get their own Unix accounts only as root")]
COURSE, ASSIGNMENT, SLUG = "office-data", "sums", "walls-2026"
LEARNERS = ("worker01", "worker02")

# Run as her: try every path; print what she could list or read.
WALKER = """
import json, os, sys
paths = json.load(sys.stdin)
seen = {"listed": [], "read": [], "passed": []}
for path, kind in paths:
    try:
        if kind == "dir":
            os.listdir(path)
            seen["listed"].append(path)
        else:
            with open(path, "rb") as fh:
                fh.read(1)
            seen["read"].append(path)
    except OSError:
        pass
    if kind == "dir":
        try:
            os.stat(os.path.join(path, "."))
            seen["passed"].append(path)
        except OSError:
            pass
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def site():
    """A hub under a folder everyone may pass (pytest's own temp folder is root's alone, which would hide every
    mistake below it), with the hub's Unix names in this process's environment for the helpers that publish."""
    root = Path(tempfile.mkdtemp(prefix="jg-walls-"))
    os.chmod(root, 0o755)
    try:
        hub = start_hub(root / "site")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        with unix_names_of(hub):
            yield SimpleNamespace(hub=hub, root=root)
    finally:
        stop_hub(hub)
        shutil.rmtree(root, ignore_errors=True)


def _ok(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr[-2000:]


def _her_account(hub, username: str) -> JinguoSpawner:
    """Her Unix account made as her first server start makes it; its preexec is how her server becomes her."""
    platform = JinguoConfig(data_dir=str(hub.data_dir), db_url=hub.db_url, unix_prefix=hub.unix_prefix,
                            home_root=str(hub.home_root))
    spawner = JinguoSpawner(user=SimpleNamespace(name=username, groups=[SimpleNamespace(name="learners")]),
                            platform=platform)
    spawner.ensure_account()
    return spawner


def _wait_graded(hub, token: str, sid: int) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        data = requests.get(f"{hub.url}/services/jinguo/api/exchange/submissions/{sid}",
                            headers={"Authorization": f"token {token}"}, timeout=60).json()
        if data["status"] not in ("received", "queued", "grading", "retrying"):
            return data
        time.sleep(0.5)
    raise AssertionError(f"submission {sid} not graded")


def _season(site) -> None:
    """Everything that writes into the data folder, done the way the platform's people do it."""
    hub = site.hub
    _ok(hub.jinguo("course", "publish", COURSE, "--instructor", "teacher1"))
    _ok(hub.jinguo("course", "release", COURSE, ASSIGNMENT))
    enrol(hub, COURSE, LEARNERS)
    for name, replace in zip(LEARNERS, (None, {"answer": "def 合计(values):\n    return 0"})):
        token = hub.api_token(name, "walls")
        api = f"{hub.url}/services/jinguo/api/exchange"
        sent = requests.post(f"{api}/courses/{COURSE}/assignments/{ASSIGNMENT}/submissions",
                             headers={"Authorization": f"token {token}"}, timeout=60,
                             json={"notebooks": {f"{ASSIGNMENT}.ipynb": solved(hub, COURSE, ASSIGNMENT, replace)}})
        assert sent.status_code in (200, 201, 202), sent.text[:300]
        sid = sent.json()["submissions"][0]["id"]
        assert _wait_graded(hub, token, sid)["status"] == "graded"
        feedback = requests.get(f"{api}/submissions/{sid}/feedback", headers={"Authorization": f"token {token}"},
                                timeout=120)
        assert feedback.status_code == 200, feedback.text[:300]

    course = open_competition(hub, site.root, SLUG, "数据目录隔离测试赛", per_day=5, open_for=timedelta(days=1))
    for name, kind in zip(LEARNERS, ("full", "partial")):
        client = platform_client(hub, name)
        receipt = client.submit(SLUG, "task1", notebook(course, KINDS[kind]))
        assert wait_final(client, receipt["id"], timeout=180, slug=SLUG)["status"] == "graded"

    _ok(hub.jinguo("db", "backup", "--out", str(site.root / "backups")))
    (site.root / "reports").mkdir(exist_ok=True)  # the admin's own folder for it
    _ok(hub.jinguo("report", "--out", str(site.root / "reports" / "participation.xlsx")))


def _everything(site) -> list[tuple[str, str]]:
    """Every folder and file the platform wrote (links are not followed by anyone: skipped)."""
    hub = site.hub
    out = []
    for top in (hub.data_dir, site.root / "backups"):
        for path in [top, *sorted(top.rglob("*"))]:
            st = path.lstat()
            if not stat.S_ISLNK(st.st_mode):
                out.append((str(path), "dir" if stat.S_ISDIR(st.st_mode) else "file"))
    out.append((str(site.root / "reports" / "participation.xlsx"), "file"))
    return out


def test_a_worker_reads_nothing_in_the_data_folder(site):
    _season(site)
    hub, data = site.hub, site.hub.data_dir
    paths = _everything(site)
    names = {p for p, _ in paths}
    comp, course = data / "competitions" / SLUG, data / "courses" / COURSE
    must_hold = [comp / "source" / "task1" / "problem.ipynb", comp / "gradebook.db", course / "gradebook.db",
                 course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                 comp / "submitted" / "worker02" / "task1" / "problem.ipynb",
                 comp / "autograded" / "worker02" / "task1" / "problem.ipynb",
                 course / "submitted" / "worker02" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                 course / "autograded" / "worker02" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                 data / "jinguo.sqlite", data / "jupyterhub.sqlite", data / "jupyterhub_cookie_secret"]
    assert not [str(p) for p in must_hold if str(p) not in names], "the season did not write what the walk is for"
    assert any(p.endswith(".tar.gz") for p in names)

    her = _her_account(hub, "worker01")
    account = pwd.getpwnam(her.unix_name)
    (hub.home_root / "worker01" / "mine.txt").write_text("她自己的文件")
    os.chown(hub.home_root / "worker01" / "mine.txt", account.pw_uid, account.pw_gid)
    paths.append((str(hub.home_root / "worker01" / "mine.txt"), "file"))
    r = subprocess.run([sys.executable, "-c", WALKER], input=json.dumps(paths), preexec_fn=her.make_preexec_fn(""),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    seen = json.loads(r.stdout.strip().splitlines()[-1])

    # The walk is real: she passes through the data folder (instructors must reach their courses) and reads her own.
    assert str(data) in seen["passed"] and str(data / "courses") in seen["passed"], seen["passed"][:5]
    mine = str(hub.home_root / "worker01" / "mine.txt")
    assert mine in seen["read"], "the walker could not even read her own file"
    foreign = [p for p in seen["read"] if p != mine]
    assert not foreign, "她读到了 / she could read:\n" + "\n".join(foreign[:30])
    assert seen["listed"] == [], seen["listed"][:20]
    passed = set(seen["passed"]) - {str(data), str(data / "courses")}
    assert not passed, sorted(passed)[:20]


def test_no_permission_for_others_anywhere_in_the_data_folder(site):
    """The modes themselves (so that a folder opened by mistake later hides nothing): no other-read or other-write
    bit anywhere, other-execute only on the data folder and courses/ (passing through, never listing)."""
    if not (site.hub.data_dir / "competitions" / SLUG / "autograded").exists():
        pytest.skip("needs the season of the test above")
    data = site.hub.data_dir
    passable = {data, data / "courses"}
    loose = []
    for path, _kind in _everything(site):
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        allowed = 0o001 if Path(path) in passable else 0
        if mode & 0o007 & ~allowed:
            loose.append(f"{oct(mode)} {path}")
    assert not loose, "\n".join(loose[:30])
