"""As root every instructor's server runs as her own Unix account: publishing a course shares its nbgrader folder
with a Unix group of its instructors, so her formgrader reads source/ and writes the gradebook, while a worker's
account cannot even enter it. Her processes are started the way the spawner starts her server (its preexec)."""
from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from hub.settings import JinguoConfig
from hub.jupyterhub.unix_groups import course_group
from hub.jupyterhub.spawner import JinguoSpawner
from tests.hub.courses.conftest import publish_directly

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="instructors get their own Unix accounts only as root")
SLUG = "office-data"

# What her formgrader does first: list the assignments, read a source notebook, record a manual grade.
PROBE = """
import json, os, sys
from pathlib import Path
root, slug = Path(sys.argv[1]), sys.argv[2]
out = {}
try:
    out["source"] = sorted(p.name for p in (root / "source").iterdir())
    out["notebook"] = len((root / "source" / "sums" / "sums.ipynb").read_text(encoding="utf-8")) > 0
except OSError as exc:
    out["source_error"] = type(exc).__name__
try:
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=slug) as gb:
        gb.update_or_create_student("formgrader-probe", first_name="probe")
        out["gradebook_students"] = [s.id for s in gb.students]
        gb.remove_student("formgrader-probe")
except Exception as exc:
    out["gradebook_error"] = f"{type(exc).__name__}: {exc}"[:200]
print(json.dumps(out))
"""


def _spawner(hub, username: str, role_group: str) -> JinguoSpawner:
    user = SimpleNamespace(name=username, groups=[SimpleNamespace(name=role_group)])
    platform = JinguoConfig(data_dir=str(hub.data_dir), db_url=hub.db_url, unix_prefix=hub.unix_prefix,
                            home_root=str(hub.home_root))
    return JinguoSpawner(user=user, platform=platform)


@pytest.fixture(scope="module")
def reachable(hub):
    """The session hub's data lives under pytest's private (0700) temp folder, which no account but root can pass;
    a bind mount shows the very same course folder, with its own owner and mode, at a path everyone can pass."""
    publish_directly(hub, SLUG, ("teacher1", "teacher2"))
    outer = Path(tempfile.mkdtemp(prefix="jg-formgrader-"))
    os.chmod(outer, 0o755)
    view = outer / SLUG
    view.mkdir()
    r = subprocess.run(["mount", "--bind", str(hub.data_dir / "courses" / SLUG), str(view)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"bind mount not allowed here: {r.stderr.decode()[:200]}")
    yield view
    subprocess.run(["umount", str(view)], capture_output=True)
    view.rmdir()
    outer.rmdir()


def _as(spawner: JinguoSpawner, folder: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE, str(folder), SLUG], preexec_fn=spawner.make_preexec_fn(""),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_instructor_opens_and_grades_in_her_course_folder_a_worker_cannot(hub, reachable):
    teacher1 = _spawner(hub, "teacher1", "instructors")
    teacher1.ensure_account()  # her account made (or found) and put in the groups of the courses she teaches
    group = course_group(hub.unix_prefix, SLUG)
    assert teacher1.unix_name in grp.getgrnam(group).gr_mem

    folder = hub.data_dir / "courses" / SLUG
    st = folder.stat()
    assert st.st_gid == grp.getgrnam(group).gr_gid and stat.S_IMODE(st.st_mode) == 0o2770
    db = (folder / "gradebook.db").stat()
    assert db.st_gid == st.st_gid and db.st_mode & 0o060 == 0o060

    seen = _as(teacher1, reachable)
    assert {"filters", "grouping", "sums"} <= set(seen.get("source", [])) and seen.get("notebook"), seen
    assert "formgrader-probe" in seen.get("gradebook_students", []), seen

    worker = _spawner(hub, "worker01", "learners")
    worker.ensure_account()
    assert worker.unix_name not in grp.getgrnam(group).gr_mem
    refused = _as(worker, reachable)
    assert refused.get("source_error") == "PermissionError" and "gradebook_error" in refused, refused
    assert "source" not in refused and "gradebook_students" not in refused


def test_account_made_after_publishing_joins_and_her_server_knows_the_course(hub, reachable):
    """teacher2's account did not exist when the course was published: the spawner adds her when it makes it,
    and her server's environment names her first course for formgrader."""
    teacher2 = _spawner(hub, "teacher2", "instructors")
    teacher2.ensure_account()
    assert teacher2.unix_name in grp.getgrnam(course_group(hub.unix_prefix, SLUG)).gr_mem
    assert "formgrader-probe" in _as(teacher2, reachable).get("gradebook_students", [])

    # grading (root) writes new folders later: they keep the course's group, so she can read them
    probe = hub.data_dir / "courses" / SLUG / "autograded" / "formgrader-probe" / "sums"
    probe.mkdir(parents=True)
    try:
        (probe / "sums.ipynb").write_text("{}")
        assert probe.stat().st_gid == (hub.data_dir / "courses" / SLUG).stat().st_gid
        assert probe.stat().st_mode & stat.S_ISGID
    finally:
        (probe / "sums.ipynb").unlink()
        probe.rmdir()
        probe.parent.rmdir()

    slug = teacher2.taught_course()
    assert slug == SLUG or (hub.data_dir / "courses" / slug).is_dir()
    config = Path(teacher2.role_config_root) / "instructor" / "nbgrader_config.py"
    env = {"JINGUO_COURSE_ROOT": str(hub.data_dir / "courses" / slug), "JINGUO_COURSE_ID": slug}
    loaded = subprocess.run(
        [sys.executable, "-c", "from traitlets.config.loader import PyFileConfigLoader as L; import sys; "
         "c = L('nbgrader_config.py', sys.argv[1]).load_config(); "
         "print(c.CourseDirectory.root, c.CourseDirectory.course_id)", str(config.parent)],
        env={**os.environ, **env}, capture_output=True, text=True)
    assert loaded.stdout.split() == [env["JINGUO_COURSE_ROOT"], slug], loaded.stderr
