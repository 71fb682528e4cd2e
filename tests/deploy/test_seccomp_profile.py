"""The grading pods' seccomp profile (deploy/kubernetes/seccomp/jinguo-bwrap.json) and capabilities (grading-
worker.yaml) let the real sandbox grade, and the runtime default's refusal of namespace flags would not: a real
`jinguo grade` run, sandbox on, confined by the profile through libseccomp and by the pod's capability set
(setpriv --bounding-set)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.grading.corpus import KINDS, make_course

PROJECT = Path(__file__).resolve().parents[2]
PROFILE = PROJECT / "deploy" / "kubernetes" / "seccomp" / "jinguo-bwrap.json"
CONFINE = Path(__file__).with_name("seccomp_confine.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-seccomp (libseccomp's bindings)
BIN = Path(sys.executable).parent


def _has_seccomp_bindings() -> bool:
    return subprocess.run([SYSTEM_PYTHON, "-c", "import seccomp"], capture_output=True).returncode == 0


pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the grading sandbox starts as root"),
    pytest.mark.skipif(not _has_seccomp_bindings(), reason="apt-get install python3-seccomp"),
]


def pod_capabilities() -> list[str]:
    """The capabilities grading-worker.yaml adds to its container (after dropping ALL)."""
    docs = yaml.safe_load_all((PROJECT / "deploy" / "kubernetes" / "grading-worker.yaml").read_text())
    pod = next(d for d in docs if d and d["kind"] == "Deployment")["spec"]["template"]["spec"]
    return pod["containers"][0]["securityContext"]["capabilities"]["add"]


def _grade(course: Path, out: Path, *confine: str, confined: bool = True,
           caps: list[str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    prefix = [SYSTEM_PYTHON, str(CONFINE), str(PROFILE), *confine, "--"] if confined else []
    caps = pod_capabilities() if caps is None else caps
    if confined:  # root with only the pod's capabilities, as in the pod (there inside its own user namespace)
        prefix = ["setpriv", "--bounding-set=-all," + ",".join("+" + c.lower() for c in caps), "--", *prefix]
    return subprocess.run([*prefix, str(BIN / "jinguo"), "grade", "ps1", "--course-dir", str(course), "--workers", "1",
                           "--json", str(out)], env=env, capture_output=True, text=True, timeout=600)


def test_profile_lets_the_sandbox_grade_and_the_default_restriction_would_not(tmp_path):
    profile = json.loads(PROFILE.read_text())
    names = set(profile["syscalls"][0]["names"])
    assert {"unshare", "clone", "mount", "pivot_root"} <= names
    assert not names & {"bpf", "ptrace", "kexec_load", "init_module", "setns", "keyctl", "userfaultfd",
                        "perf_event_open", "io_uring_setup", "open_by_handle_at"}

    kinds = {"full": KINDS["full"], "partial": KINDS["partial"], "wrong": KINDS["wrong"]}
    free, course = make_course(tmp_path / "free", kinds), make_course(tmp_path / "c", kinds)
    r = _grade(free, tmp_path / "free.json", confined=False)
    assert r.returncode == 0, r.stderr[-3000:]
    r = _grade(course, tmp_path / "out.json")
    assert r.returncode == 0, r.stderr[-3000:]

    def scores(path: Path) -> dict[str, tuple]:
        return {row["student"]: (row["status"], row["score"], row["max_score"]) for row in json.loads(path.read_text())}

    confined = scores(tmp_path / "out.json")
    assert confined == scores(tmp_path / "free.json")  # the same scores as with no profile at all
    assert confined["full"][1] > confined["wrong"][1]

    # what a pod gets without our profile: namespaces refused, so the sandbox cannot start and nothing is graded
    denied = make_course(tmp_path / "d", {"full": KINDS["full"]})
    r = _grade(denied, tmp_path / "denied.json", "--deny-namespaces")
    assert r.returncode != 0 and "bwrap: No permissions to create new namespace" in r.stderr, r.stderr[-2000:]


def test_the_pods_capabilities_are_all_needed(tmp_path):
    """Without DAC_OVERRIDE (say) root cannot clean a slot's 0700 folders: the sandbox does not start."""
    caps = [c for c in pod_capabilities() if c != "DAC_OVERRIDE"]
    course = make_course(tmp_path / "c", {"full": KINDS["full"]})
    r = _grade(course, tmp_path / "out.json", caps=caps)
    assert r.returncode != 0 and "Permission denied" in r.stderr, r.stderr[-2000:]
