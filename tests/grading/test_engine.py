"""The grading engine against real nbgrader, real bubblewrap, and hostile submissions."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grading import SandboxLimits, autograde, feedback_html, grade_submission
from tests.grading.corpus import HOSTILE, KINDS, copy_course, make_course, nbgrader_autograde, scores

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

HONEST = ["full", "partial", "wrong", "raising", "missing", "sys_exit"]
JINGUO = str(Path(sys.executable).parent / "jinguo")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Honest work graded by `nbgrader autograde` (ref) and by the engine, which also grades hostile work."""
    root = tmp_path_factory.mktemp("corpus")
    ref = make_course(root / "ref", {k: KINDS[k] for k in HONEST})
    ours = copy_course(ref, root / "ours")
    make_course(ours, {**KINDS, **HOSTILE})
    nbgrader_autograde(ref)
    results = {r.student: r for r in autograde(ours, "ps1", workers=2)}
    return {"ref": scores(ref), "ours": scores(ours), "results": results, "course": ours, "refdir": ref}


def test_honest_scores_equal_nbgrader(graded):
    assert {k: v for k, v in graded["ours"].items() if k in HONEST} == graded["ref"]
    assert graded["ref"]["full"] == (3.0, 4.0)  # the written answer waits for a person
    assert graded["ref"]["partial"] == (1.0, 4.0)


def test_autograded_notebooks_keep_the_real_test_source(graded):
    import nbformat

    nb = nbformat.read(graded["course"] / "autograded" / "full" / "ps1" / "problem.ipynb", as_version=4)
    ref = nbformat.read(graded["refdir"] / "autograded" / "full" / "ps1" / "problem.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in ref.cells]
    assert "jinguo" not in json.dumps(nb)  # no guard call, no verdict left behind


def test_a_failed_test_reads_as_if_she_ran_the_test_cell_herself(graded):
    nb = nbformat.read(graded["course"] / "autograded" / "partial" / "ps1" / "problem.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_hidden")
    text = "\n".join(cell.outputs[0]["traceback"])
    assert "jinguo" not in text and "zygote" not in text  # the guard's frames are gone
    assert f"In[{cell.execution_count}]" in text and "TypeError" in text
    assert "sum(values)" in text  # her own line that failed is shown
    assert "None" not in text.split("TypeError")[0]  # the hidden test's source is not


def test_every_submission_gets_a_status_and_cell_detail(graded):
    res = graded["results"]
    assert set(res) == set(KINDS) | set(HOSTILE)
    assert all(r.status == "graded" for r in res.values()), {k: (r.status, r.message) for k, r in res.items()}
    cells = {c.cell: c for c in res["partial"].notebooks[0].cells}
    assert cells["test_visible"].passed and not cells["test_hidden"].passed
    assert cells["test_hidden"].error.startswith("TypeError")
    assert "HIDDEN" not in json.dumps(res["partial"].to_json())
    assert cells["explain"].needs_manual_grade is False  # unanswered: nbgrader gives 0 at once
    assert cells["test_hidden"].test and not cells["explain"].test  # a written answer is not a test


@pytest.mark.parametrize("kind", ["fake_output", *HOSTILE])
def test_faked_passes_earn_nothing(graded, kind):
    # every one of these answers is wrong; nbgrader alone would give fake_output 3 points
    assert graded["results"][kind].score == 0.0, graded["results"][kind]


def test_no_network_no_course_files_and_the_grader_survives_its_parent_being_killed(graded):
    res = graded["results"]
    assert res["network"].score == 3.0, "the submission reached the network"
    assert res["read_source"].score == 3.0, "the submission saw the gradebook or other submissions"
    assert res["kill_parent"].score == 3.0


def test_a_kernel_that_exits_keeps_what_it_earned(tmp_path):
    kinds = {"exit_late": KINDS["full"] + "\nimport atexit\n", "full": KINDS["full"]}
    course = make_course(tmp_path / "c", kinds)
    # the visible test passes, then the kernel is killed by its own code before the hidden test
    import nbformat

    path = course / "submitted" / "exit_late" / "ps1" / "problem.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(3)"))
    nbformat.write(nb, path)
    res = {r.student: r for r in autograde(course, "ps1", workers=1)}
    assert res["exit_late"].score == 1.0 and "内核中途退出" in res["exit_late"].message
    assert res["full"].score == 3.0


def test_loop_fork_bomb_memory_disk_and_output_flood_are_contained(tmp_path):
    ok = "def 合计(values):\n    return sum(v for v in values if v is not None)"
    kinds = {
        # sorted first, so a worker starts its clock at once; at the top of her cell, so it runs out one clock
        # (in a function, each test cell calling it would wait for its own)
        "busy_loop": "while True:\n    pass\n" + ok,
        "forkbomb": "import os\nfor _ in range(100000):\n    try:\n        os.fork()\n    except OSError:\n        break\n" + ok,
        "memory": "x = []\ntry:\n    while True:\n        x.append(bytearray(50 * 2**20))\nexcept MemoryError:\n    pass\n" + ok,
        "disk": "i = 0\ntry:\n    while True:\n        open(f'f{i}', 'wb').write(b'x' * 2**20)\n        i += 1\nexcept OSError:\n    pass\n" + ok,
        "flood": "for _ in range(200000):\n    print('x' * 100)\n" + ok,
        "full": ok,
    }
    course = make_course(tmp_path / "c", kinds)
    # Limits the hogs hit quickly and clocks with room: the kernel starts at ~240 MB of address space, so 512 MB is
    # full after a few bytearrays even with two cores busy elsewhere, and every hog meets its limit (memory,
    # processes, disk, output) in about a second, far inside its 15-second cell clock; only the endless loop is
    # meant to run out of time.
    limits = SandboxLimits(cell_timeout=15, notebook_timeout=90, processes=64, memory_mb=512, disk_mb=64)
    res = {r.student: r for r in autograde(course, "ps1", workers=2, limits=limits)}
    loop = res["busy_loop"]
    assert loop.score == 0.0 and loop.status == "timeout" and "超时" in loop.message
    for kind in ("forkbomb", "memory", "disk", "flood", "full"):
        assert res[kind].score == 3.0, (kind, res[kind])


WALLS = """import os, sys
_broke = []
if os.getuid() == 0 or os.geteuid() == 0:
    _broke.append('runs as root')
try:
    os.setuid(0)
    _broke.append('became root')
except OSError:
    pass
for d in ('/usr/lib', '/opt/jinguo', sys.prefix, '/'):
    try:
        open(os.path.join(d, 'jinguo-wall.txt'), 'w').write('x')
        _broke.append('wrote into ' + d)
    except OSError:
        pass
if len([p for p in os.listdir('/proc') if p.isdigit()]) > 8:
    _broke.append('sees the host processes')
for p in ('/etc/passwd', '/root', '/var/lib', '{project}/hub', '{project}/.git'):
    if os.path.exists(p):
        _broke.append('sees ' + p)
if os.listdir('/home') != ['student']:
    _broke.append('sees other homes')
"""
BIG_FILE = """import os
_broke = []
try:
    with open('big.bin', 'wb') as fh:
        fh.write(b'x' * (8 * 2**20))
except OSError:
    pass
if os.path.exists('big.bin') and os.path.getsize('big.bin') > 4 * 2**20:
    _broke.append('wrote a file over the limit')
"""
FAIR = "def 合计(values):\n    assert not _broke, _broke\n    return sum(v for v in values if v is not None)"


def test_the_walls_hold_uid_read_only_system_pid_namespace_file_size_and_cpu(tmp_path):
    """Hostile work that tries each wall: a wall that gave way turns her right answer wrong (3 → 0 points)."""
    project = Path(__file__).resolve().parents[2]
    kinds = {"walls": WALLS.replace("{project}", str(project)) + FAIR, "big_file": BIG_FILE + FAIR,
             "cpu": "import time\nx = 0\nwhile True:\n    x += 1\n" + FAIR, "full": KINDS["full"]}
    course = make_course(tmp_path / "c", kinds)
    limits = SandboxLimits(cpu_seconds=3, cell_timeout=60, notebook_timeout=120, file_size_mb=4)
    started = time.monotonic()
    res = {r.student: r for r in autograde(course, "ps1", workers=2, limits=limits)}
    for kind in ("walls", "big_file", "full"):
        assert res[kind].score == 3.0, (kind, res[kind], res[kind].notebooks[0].cells)
    assert res["cpu"].score == 0.0 and "内核中途退出" in res["cpu"].message and "CPU" in res["cpu"].message
    assert time.monotonic() - started < 55  # stopped by its CPU seconds, not by the 60 s cell clock


def test_bad_notebooks_are_invalid_with_a_reason_and_the_rest_graded(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"], "json": "", "notnb": "", "gbk": "", "big": "",
                                          "renamed": "", "renamed_cell": KINDS["full"], "deleted_cell": KINDS["full"],
                                          "flipped_flags": KINDS["wrong"]})
    sub = course / "submitted"
    (sub / "json" / "ps1" / "problem.ipynb").write_text("{ not json")
    (sub / "notnb" / "ps1" / "problem.ipynb").write_text('{"hello": "world"}')
    (sub / "gbk" / "ps1" / "problem.ipynb").write_bytes('{"cells": "你好"}'.encode("gbk"))
    with open(sub / "big" / "ps1" / "problem.ipynb", "wb") as fh:
        fh.truncate(101 * 1024 * 1024)
    (sub / "renamed" / "ps1" / "problem.ipynb").rename(sub / "renamed" / "ps1" / "mine.ipynb")
    for student, change in (("renamed_cell", lambda cells: cells[3].metadata.nbgrader.update(grade_id="my_test")),
                            ("deleted_cell", lambda cells: cells.pop(3)),
                            # a test cell turned into her own answer cell and emptied: nbgrader itself fails on it
                            ("flipped_flags", lambda cells: [cells[3].metadata.nbgrader.update(grade=False, solution=True),
                                                             setattr(cells[3], "source", "pass")])):
        path = sub / student / "ps1" / "problem.ipynb"
        nb = nbformat.read(path, as_version=4)
        change(nb.cells)
        nbformat.write(nb, path)
    out = tmp_path / "r.json"
    run = subprocess.run([JINGUO, "grade", "ps1", "--course-dir", str(course), "--json", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = {r["student"]: r for r in json.loads(out.read_text())}
    assert rows["full"]["status"] == "graded" and rows["full"]["score"] == 3.0
    assert {"student", "assignment", "score", "max_score", "status", "message"} <= set(rows["full"])
    expected = {"json": "不是有效的 JSON", "notnb": "不是有效的笔记本", "gbk": "不是 UTF-8", "big": "超过",
                "renamed": "名称与作业不符", "renamed_cell": "改名", "deleted_cell": "缺少评分单元格 test_hidden",
                "flipped_flags": "test_hidden 的评分/答案标记被改动"}
    for student, words in expected.items():
        assert rows[student]["status"] == "invalid" and words in rows[student]["message"], rows[student]
        assert " / " in rows[student]["message"]  # Chinese and English


def test_a_script_without_a_main_guard_gets_a_clear_error_not_a_hang(tmp_path):
    """Workers start from a forkserver, which runs the caller's script again in each worker: unguarded, every
    worker dies at birth. The run must stop and say what to do, not replace workers forever."""
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    script = tmp_path / "grade_all.py"
    script.write_text(f"from grading import autograde\nautograde({str(course)!r}, 'ps1', workers=1)\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode != 0
    assert "评分进程反复启动失败" in run.stderr and "if __name__ == '__main__'" in run.stderr


def test_missing_source_assignment_fails_the_run_clearly(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    run = subprocess.run([JINGUO, "grade", "nope", "--course-dir", str(course)], capture_output=True, text=True)
    assert run.returncode == 2 and "找不到源作业" in run.stderr and "not found" in run.stderr


def test_nbgrader_export_and_feedback_work_and_feedback_hides_hidden_tests(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"], "partial": KINDS["partial"]})
    autograde(course, "ps1")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    bin_ = str(Path(sys.executable).parent / "nbgrader")
    exp = subprocess.run([bin_, "export"], cwd=course, env=env, capture_output=True, text=True)
    assert exp.returncode == 0, exp.stderr
    assert "partial" in (course / "grades.csv").read_text()
    fb = subprocess.run([bin_, "generate_feedback", "ps1"], cwd=course, env=env, capture_output=True, text=True)
    assert fb.returncode == 0, fb.stderr
    assert "0.25" in (course / "feedback" / "full" / "ps1" / "problem.html").read_text()  # nbgrader's shows it
    ours = feedback_html(course, "ps1", "partial")
    assert set(ours) == {"problem"} and "合计" in ours["problem"]
    assert "0.25" not in ours["problem"] and "HIDDEN" not in ours["problem"]


def test_grade_submission_from_bytes(tmp_path):
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    data = (course / "submitted" / "full" / "ps1" / "problem.ipynb").read_bytes()
    res = grade_submission(course, "ps1", "newcomer", {"problem.ipynb": data})
    assert (res.student, res.status, res.score, res.max_score) == ("newcomer", "graded", 3.0, 4.0)
    assert (course / "autograded" / "newcomer" / "ps1" / "problem.ipynb").exists()


def test_kill_9_midway_then_again_grades_every_submission_exactly_once(tmp_path):
    kinds = {f"s{i:02d}": KINDS["full"] if i % 2 else KINDS["partial"] for i in range(30)}
    course = make_course(tmp_path / "c", kinds)
    proc = subprocess.Popen([JINGUO, "grade", "ps1", "--course-dir", str(course), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(scores(course)) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partly = scores(course)
    assert 0 < len(partly) < len(kinds), "the kill came too late to test anything"
    out = tmp_path / "r.json"
    run = subprocess.run([JINGUO, "grade", "ps1", "--course-dir", str(course), "--json", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    final = scores(course)
    assert final == {s: ((3.0, 4.0) if int(s[1:]) % 2 else (1.0, 4.0)) for s in kinds}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert len(gb.assignment_submissions("ps1")) == len(kinds)  # none duplicated
    rows = json.loads(out.read_text())
    assert len(rows) == len(kinds) and all(r["status"] == "graded" for r in rows)


def test_nothing_passes_from_one_submission_to_the_next(tmp_path):
    ok = "def 合计(values):\n    return sum(v for v in values if v is not None)"
    kinds = {
        "a_leaves": "import os, subprocess\nfor d in ('/tmp', '/dev/shm', '.'):\n    open(os.path.join(d, 'left.txt'), 'w').write('x')\n"
                    "subprocess.Popen(['sleep', '1000'], start_new_session=True)\nimport builtins\nbuiltins.LEFT = 1\n" + ok,
        "b_checks": "import os\n_left = [d for d in ('/tmp', '/dev/shm', '.') if os.path.exists(os.path.join(d, 'left.txt'))]\n"
                    "_procs = [p for p in os.listdir('/proc') if p.isdigit() and p != '1' and int(p) != os.getpid()]\n"
                    "_left += [f'process {p}: ' + open(f'/proc/{p}/cmdline').read() for p in _procs if 'sleep' in open(f'/proc/{p}/cmdline').read()]\n"
                    "import builtins\n_left += ['builtin'] if hasattr(builtins, 'LEFT') else []\n"
                    "def 合计(values):\n    assert not _left, _left\n    return sum(v for v in values if v is not None)",
    }
    course = make_course(tmp_path / "c", kinds)
    res = {r.student: r for r in autograde(course, "ps1", workers=1)}
    assert res["a_leaves"].score == 3.0
    assert res["b_checks"].score == 3.0, res["b_checks"]


def test_no_bubblewrap_is_a_clear_error_never_a_silent_fallback(tmp_path, capsys):
    from grading import SandboxUnavailable
    from grading.sandbox import check_sandbox

    with pytest.raises(SandboxUnavailable) as err:
        check_sandbox("/nonexistent/bwrap")
    assert "bubblewrap" in err.value.zh and "apt-get install bubblewrap" in err.value.en
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    run = subprocess.run([JINGUO, "grade", "ps1", "--course-dir", str(course), "--no-sandbox"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "--no-sandbox" in run.stderr and "WARNING" in run.stderr


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue
        children.setdefault(int(rest.rsplit(") ", 1)[1].split()[1]), []).append(int(pid))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_workers_and_their_sandboxes_go_when_the_process_that_started_them_is_killed(tmp_path):
    """A service killed with -9 (no clean-up at all) must not leave its warm grading pool running for good: the
    forkserver, the workers and their sandboxed zygotes would hold about 200 MB each, forever."""
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    owner = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom grading import warm_up\n"
                              "warm_up(sys.argv[1], workers=2)\nprint('warm', flush=True)\ntime.sleep(600)\n",
                              str(course)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "warm"
        deadline = time.monotonic() + 30
        while len(pool := _descendants(owner.pid)) < 5 and time.monotonic() < deadline:  # server, 2 workers, zygotes
            time.sleep(0.2)
        assert len(pool) >= 5, pool
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 15
    while any(_running(p) for p in pool) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in pool if _running(p)], "grading processes outlived the process that started them"


def test_wiping_a_slot_keeps_the_mount_points_of_a_venv_under_tmp(tmp_path):
    """A clone under /tmp has its venv bound onto a folder in the slot's /tmp: wiping between submissions must
    keep that mount point (or later notebooks cannot import anything) and still remove what a submission left."""
    from grading.sandbox import _empty

    mount = tmp_path / "ci" / ".venv"
    mount.mkdir(parents=True)
    (tmp_path / "ci" / "left.txt").write_text("x")
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "f").write_text("x")
    _empty(tmp_path, {mount})
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["ci", "ci/.venv"]


def test_a_run_of_named_students_grades_exactly_their_folders(tmp_path):
    """The service names the students of each run (issue 20: their folders are looked up, not the whole of
    submitted/, which holds one per competitor). Names that are not a folder of submitted/ — a path that climbs
    out, a hidden name, a student with no hand-in — are never graded, as listing the folder never found them."""
    course = make_course(tmp_path / "c", {"alice": KINDS["full"], "bob": KINDS["wrong"], "carol": KINDS["full"]},
                         assignment="ps1")
    outside = tmp_path / "c" / "ps1"  # what "../ps1" would reach from submitted/<name>/
    outside.mkdir()
    (course / "submitted" / ".hidden" / "ps1").mkdir(parents=True)
    results = autograde(course, "ps1", ["carol", "alice", "nobody", "..", "../c", "", ".hidden/..", "alice"],
                        workers=1)
    assert [(r.student, r.status) for r in results] == [("alice", "graded"), ("carol", "graded")]
    assert not (course / "autograded" / "bob").exists()
