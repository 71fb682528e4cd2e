"""One submission never reaches the next: hostile work graded by the SAME worker, one after the other, against the
real sandbox. Each wall that gave way turns a right answer wrong (3 → 0 points)."""
from __future__ import annotations

import json
import os

import nbformat
import pytest

from grading import SandboxLimits, autograde
from tests.grading.corpus import KINDS, make_course

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox switches to an unprivileged uid: run as root")

FAIR = "def 合计(values):\n    assert not _broke, _broke\n    return sum(v for v in values if v is not None)"
PLACES = ("/run", "/dev", "/dev/shm", "/dev/mqueue", "/tmp", "/ipc", "/home/student", "/var/tmp", "/", "/opt",
          "/home", "/etc", "/proc", "/usr")

# Helpers that need a syscall Python's os module lacks run in a fresh interpreter: it has no audit hook, as a
# program the submission starts would not.
SYSCALLS = r'''
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
what = sys.argv[1]
if what == "userns":
    ok = libc.unshare(0x10000000) == 0  # CLONE_NEWUSER
elif what == "mq_create":
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    ok = rt.mq_open(b"/jinguo-marker", 0o100 | 2, 0o600, None) >= 0  # O_CREAT | O_RDWR
elif what == "mq_find":
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    ok = rt.mq_open(b"/jinguo-marker", 2) >= 0
elif what == "key_add":  # add_key("user", "jinguo-marker", "x", 1, KEY_SPEC_USER_KEYRING)
    ok = libc.syscall(248, b"user", b"jinguo-marker", b"x", 1, -4) >= 0
elif what == "key_find":  # keyctl(KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", "jinguo-marker", 0)
    ok = libc.syscall(250, 10, -4, b"user", b"jinguo-marker", 0) >= 0
print("yes" if ok else "no")
'''

LEAVE = '''import os, subprocess, sys
PLACES = {places!r}
_broke = []
def _call(what):
    return subprocess.run([sys.executable, "-I", "-c", {syscalls!r}, what], capture_output=True, text=True).stdout.strip()
for d in PLACES:
    try:
        with open(os.path.join(d, "jinguo-marker"), "w") as fh:
            fh.write("left by the first student")
    except OSError:
        pass
# 160 MB in 20 MB files (each under the file-size limit) into every place: none may hold more than the slot's disk
for d in PLACES:
    written = 0
    try:
        os.makedirs(os.path.join(d, "jinguo-fill"), exist_ok=True)
        for i in range(8):
            with open(os.path.join(d, "jinguo-fill", str(i)), "wb") as fh:
                fh.write(b"x" * (20 * 2**20))
            written += 20
    except OSError:
        pass
    if written > 64:
        _broke.append(f"wrote {{written}} MB into {{d}}, past the 64 MB disk limit")
    for i in range(8):
        try:
            os.unlink(os.path.join(d, "jinguo-fill", str(i)))
        except OSError:
            pass
if subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode == 0:
    _broke.append("unshare -U worked")
if _call("userns") == "yes":
    _broke.append("unshare(CLONE_NEWUSER) worked")
_call("mq_create")
_call("key_add")
subprocess.run(["ipcmk", "-M", "4096"], capture_output=True)  # a SysV shared memory segment
'''

CHECK = '''import os, subprocess, sys
PLACES = {places!r}
def _call(what):
    return subprocess.run([sys.executable, "-I", "-c", {syscalls!r}, what], capture_output=True, text=True).stdout.strip()
_broke = [d for d in PLACES if os.path.exists(os.path.join(d, "jinguo-marker"))]
_broke += ["a POSIX message queue" for _ in [1] if _call("mq_find") == "yes"]
_broke += ["a key in the keyring" for _ in [1] if _call("key_find") == "yes"]
_broke += [line for line in subprocess.run(["ipcs", "-m"], capture_output=True, text=True).stdout.splitlines()
           if line.startswith("0x")]
'''


def test_nothing_a_submission_writes_anywhere_reaches_the_next_one_and_no_place_passes_the_disk_limit(tmp_path):
    """The first student leaves a marker in every place she can write (files, a POSIX message queue, a key in her
    uid's keyring, a SysV segment), fills every place past the disk limit and tries to make a user namespace; the second student,
    graded next by the same worker, gets her points only if she finds none of it. On the code before this fix
    /run and /dev kept the marker and took 160 MB past the 64 MB limit, the queue and the key stayed, and
    unshare(CLONE_NEWUSER) worked."""
    fill = {"places": PLACES, "syscalls": SYSCALLS}
    kinds = {"a_leaves": LEAVE.format(**fill) + FAIR, "b_checks": CHECK.format(**fill) + FAIR}
    course = make_course(tmp_path / "c", kinds)
    limits = SandboxLimits(disk_mb=64, file_size_mb=32, cell_timeout=60, notebook_timeout=170)
    res = {r.student: r for r in autograde(course, "ps1", workers=1, limits=limits)}
    for kind in kinds:
        cells = res[kind].notebooks[0].cells if res[kind].notebooks else []
        assert res[kind].score == 3.0, (kind, res[kind].status, res[kind].message, [(c.cell, c.error) for c in cells])


def test_a_symlink_in_a_submitted_folder_is_invalid_and_no_hidden_test_is_read(tmp_path):
    """A link named like a data file that points at the course's source notebook: the sandbox's copy used to
    follow it, so her code read the hidden tests and printed them into her graded notebook."""
    reader = ("import json\ntry:\n    _seen = open('data.csv', encoding='utf-8').read()\nexcept OSError:\n    _seen = ''\n"
              "print(_seen)\n" + KINDS["full"])
    course = make_course(tmp_path / "c", {"linker": reader, "dirlinker": reader, "full": KINDS["full"]})
    folder = course / "submitted" / "linker" / "ps1"
    (folder / "data.csv").symlink_to("../../../source/ps1/problem.ipynb")
    (course / "submitted" / "dirlinker" / "ps1" / "data").symlink_to("../../../source/ps1")
    results = autograde(course, "ps1", workers=1)
    res = {r.student: r for r in results}
    assert res["full"].status == "graded" and res["full"].score == 3.0
    for kind, link in (("linker", "data.csv"), ("dirlinker", "data")):
        assert res[kind].status == "invalid", res[kind]
        assert "符号链接" in res[kind].message and "symbolic link" in res[kind].message and link in res[kind].message
    hidden_line = "合计([1, None, 2])"
    assert hidden_line not in json.dumps([r.to_json() for r in results], ensure_ascii=False)
    for student in ("linker", "dirlinker"):
        for path in (course / "autograded" / student).rglob("*") if (course / "autograded" / student).exists() else []:
            if path.is_file():
                assert hidden_line not in path.read_text(errors="replace"), path


def test_the_copy_into_the_sandbox_never_follows_a_link(tmp_path):
    """The second wall: whatever a caller hands the slot, links and special files stay outside."""
    from grading.sandbox import _copy_submission

    secret = tmp_path / "source.ipynb"
    secret.write_text("hidden tests")
    files, notebooks, dest = tmp_path / "files", tmp_path / "nbs", tmp_path / "dest"
    for d in (files, notebooks, dest):
        d.mkdir()
    (files / "data.csv").symlink_to(secret)
    (files / "folder").symlink_to(tmp_path)
    (files / "real.csv").write_text("1,2")
    os.mkfifo(files / "pipe")
    (notebooks / "problem.ipynb").symlink_to(secret)
    nbformat.write(nbformat.v4.new_notebook(), notebooks / "mine.ipynb")
    _copy_submission(files, notebooks, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["mine.ipynb", "real.csv"]


def test_check_sandbox_requires_a_bubblewrap_that_can_disable_user_namespaces(tmp_path):
    from grading import SandboxUnavailable
    from grading.sandbox import check_sandbox

    old = tmp_path / "bwrap"
    old.write_text("#!/bin/sh\necho 'usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]'\n")
    old.chmod(0o755)
    with pytest.raises(SandboxUnavailable) as err:
        check_sandbox(str(old))
    assert "--disable-userns" in err.value.zh and "--disable-userns" in err.value.en
    check_sandbox()  # the machine's own bubblewrap is fine


def test_the_seccomp_program_is_built_by_libseccomp():
    from grading.sandbox import seccomp_program

    program = seccomp_program()
    assert program and len(program) % 8 == 0  # struct sock_filter: 8 bytes each

