"""`jinguo competition validate|open|list` as an organizer runs them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from courses.clock import to_beijing

from hub.store.db import session_scope
from hub.store.orm import AuditLog, Competition

JINGUO = str(Path(sys.executable).parent / "jinguo")
PROJECT = Path(__file__).resolve().parents[3]
EXAMPLE = PROJECT / "competitions" / "examples" / "womens-digital-2026.yaml"
BAD = PROJECT / "tests" / "competitions" / "data" / "bad-competition.yaml"


def run(*args, env):
    return subprocess.run([JINGUO, *args], capture_output=True, text=True, env=env, timeout=120)


def test_validate_names_each_problem_with_its_line_in_both_languages(tmp_path):
    env = dict(os.environ, JINGUO_DATA_DIR=str(tmp_path))
    good = run("competition", "validate", str(EXAMPLE), env=env)
    assert good.returncode == 0 and "检查通过" in good.stdout
    bad = run("competition", "validate", str(BAD), env=env)
    assert bad.returncode == 1
    marked = [(n, line.split("# !")[1].split("|")[0].strip()) for n, line in
              enumerate(BAD.read_text(encoding="utf-8").splitlines(), 1) if "# !" in line and not line.startswith("#")]
    assert len(marked) >= 5
    for line_no, path in marked:
        assert f"第 {line_no} 行 / line {line_no}, {path}:" in bad.stderr, (line_no, path, bad.stderr)
    missing = run("competition", "validate", str(tmp_path / "nope.yaml"), env=env)
    assert missing.returncode == 2 and "找不到文件" in missing.stderr


def test_open_publishes_once_audits_and_refuses_a_broken_file(tmp_path):
    env = dict(os.environ, JINGUO_DATA_DIR=str(tmp_path))
    url = f"sqlite:///{tmp_path / 'jinguo.sqlite'}"
    assert run("competition", "open", str(BAD), env=env).returncode == 1
    first = run("competition", "open", str(EXAMPLE), "--reason", "2026 年赛事", env=env)
    assert first.returncode == 0, first.stderr
    assert "已发布" in first.stdout
    assert "已发布，内容未变" in run("competition", "open", str(EXAMPLE), env=env).stdout
    edited = tmp_path / "edited.yaml"
    shutil.copy(EXAMPLE, edited)
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# 修订：补充说明\n", encoding="utf-8")
    assert run("competition", "open", str(edited), env=env).returncode == 0
    listed = run("competition", "list", env=env).stdout.splitlines()
    assert len(listed) == 1 and "\topen\t" in listed[0]
    with session_scope(url) as s:
        rows = s.scalars(select(Competition)).all()
        assert len(rows) == 1 and rows[0].spec_yaml.endswith("# 修订：补充说明\n")
        # the opening time reads in Beijing time, as on every page (it printed the stored UTC before)
        assert listed[0].split("\t")[3] == to_beijing(rows[0].opened_at).strftime("%Y-%m-%d %H:%M")
        log = s.scalars(select(AuditLog).where(AuditLog.action == "competition.open").order_by(AuditLog.id)).all()
        assert [e.reason for e in log] == ["2026 年赛事", ""]
        assert log[0].before is None and log[1].before["sha256"] != log[1].after["sha256"]
