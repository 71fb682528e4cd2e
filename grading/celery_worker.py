"""What a Celery grading worker needs that shares no disk with the service: an assignment as a content-addressed
bundle (its source folder with the hidden tests, and the course's nbgrader_config.py), unpacked once per hash into
a private scratch course with its own gradebook, and one submission graded there from its bytes; what grading made
of it (the autograded folder) goes back to the service as a tar.gz.

The course's own gradebook is never opened here: the service stays its single writer (grading/celery_gradebook.py
writes a worker's hand-in into it). Nothing here imports hub/.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

from grading.errors import CourseError
from grading.results import GradeResult

_BIN = Path(sys.executable).parent
_unpacking = threading.Lock()


def tar_gz(members: list[tuple[str, bytes]]) -> bytes:
    """Files as a reproducible tar.gz (no times or owners, gzip mtime 0): the same files give the same bytes."""
    import gzip

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def untar_gz(data: bytes, what: str) -> dict[str, bytes]:
    """{relative name: bytes} of a tar.gz made by tar_gz: plain files under its root only, else CourseError."""
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():  # this Python has no "data" filter: checked by hand
            name = Path(member.name)
            if not member.isfile() or name.is_absolute() or ".." in name.parts:
                raise CourseError("评分包内容不合法", f"{what} holds {member.name!r}")
            out[name.as_posix()] = tar.extractfile(member).read()
    return out


def make_bundle(course_dir: str | Path, assignment: str) -> bytes:
    """The assignment's source folder and the course's nbgrader_config.py as a reproducible tar.gz: the same
    assignment gives the same bytes, so its sha256 names it."""
    course = Path(course_dir)
    members = [(p, p.relative_to(course).as_posix()) for p in sorted((course / "source" / assignment).rglob("*"))
               if p.is_file() and not any(part.startswith(".") for part in p.relative_to(course).parts)]
    if (course / "nbgrader_config.py").is_file():
        members.insert(0, (course / "nbgrader_config.py", "nbgrader_config.py"))
    return tar_gz([(name, path.read_bytes()) for path, name in members])


def autograded_files(course: Path, assignment: str, student: str) -> bytes | None:
    """The hand-in's autograded folder in the scratch course (its notebooks with their outputs and nbgrader's
    timestamp.txt) as a tar.gz, for the service to write into the course's own folder and gradebook; None when
    grading made none."""
    folder = Path(course) / "autograded" / student / assignment
    names = sorted(p for p in folder.glob("*") if p.is_file() and (p.suffix == ".ipynb" or p.name == "timestamp.txt"))
    if not any(p.suffix == ".ipynb" for p in names):
        return None
    return tar_gz([(p.name, p.read_bytes()) for p in names])


def bundle_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scratch_course(root: str | Path, sha: str, assignment: str, fetch: Callable[[], bytes]) -> Path:
    """The private scratch course of bundle ``sha``, unpacked and its gradebook generated on first use (``fetch``
    gives the bundle's bytes, from the database); cached under ``root`` by hash, so a worker fetches each
    assignment once. A bundle whose bytes do not match its name is refused."""
    course = Path(root) / sha
    if (course / ".ready").exists():
        return course
    with _unpacking:
        if (course / ".ready").exists():
            return course
        data = fetch()
        if bundle_sha(data) != sha:
            raise CourseError("评分包校验失败", f"grading bundle {sha[:12]} does not match its hash")
        Path(root).mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=root))
        for name, content in untar_gz(data, f"grading bundle {sha[:12]}").items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(content)
        env = dict(os.environ, PATH=f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        done = subprocess.run([str(_BIN / "nbgrader"), "generate_assignment", assignment, "--force", "--create"],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CourseError("无法准备评分用的作业", f"could not generate {assignment} in the scratch course: "
                              f"{done.stderr[-300:]}")
        (tmp / ".ready").write_text(sha)
        if course.exists():  # a half-made one from a killed worker
            shutil.rmtree(course, ignore_errors=True)
        tmp.rename(course)
        return course


def grade_in_scratch(course: Path, assignment: str, student: str, notebooks: dict[str, bytes],
                     timestamp: datetime | None, sandbox: bool = True) -> GradeResult:
    """One hand-in graded in a scratch course from its bytes (grading/'s warm pool per scratch course)."""
    from grading.api import store_submission
    from grading.engine import autograde

    store_submission(course, assignment, student, notebooks, timestamp)
    return autograde(course, assignment, [student], workers=1, sandbox=sandbox)[0]
