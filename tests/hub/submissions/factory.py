"""A platform of the demo's people (``jinguo demo --people-only``: the whole living demo takes a minute and would
publish courses as the machine's groups) with one competition's task folder, and her answer put into its notebook:
what the queue tests hand in through hub.submissions.receive."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.grading.corpus import KINDS, make_course


def answer(nb: dict, body: str) -> dict:
    """The released notebook with ``body`` as her answer cell."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer":
            cell["source"] = body
    return nb


def people_and_task(tmp_path: Path, slug: str) -> tuple[Path, str, Path, dict]:
    """(data folder, database URL, the competition's nbgrader folder, its released task1 notebook)."""
    data = tmp_path / "data"
    env = dict(os.environ, JINGUO_DATA_DIR=str(data))
    seeded = subprocess.run([str(Path(sys.executable).parent / "jinguo"), "demo", "--people-only"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    course = make_course(data / "competitions" / slug, {"seed": KINDS["full"]}, assignment="task1")
    release = json.loads(nbformat.writes(nbformat.read(course / "release" / "task1" / "problem.ipynb", 4)))
    return data, f"sqlite:///{data / 'jinguo.sqlite'}", course, release
