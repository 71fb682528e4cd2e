"""The jinguo command as an IT officer uses it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JINGUO = str(Path(sys.executable).parent / "jinguo")


def run(*args, env=None):
    return subprocess.run([JINGUO, *args], capture_output=True, text=True, env=env, timeout=120)


def test_help_is_chinese_and_english():
    out = run("--help").stdout
    assert "写入演示数据" in out and "seed demo data" in out and "grade" in out


def test_demo_is_idempotent_and_seeds_every_division(tmp_path):
    env = dict(os.environ, JINGUO_DATA_DIR=str(tmp_path))
    first = run("demo", "--people-only", env=env)  # the whole living demo: tests/hub/demo/test_demo.py
    assert first.returncode == 0, first.stderr
    assert "新增 36 人" in first.stdout and "worker01" in first.stdout
    assert "新增 0 人" in run("demo", "--people-only", env=env).stdout
    rows = [line.split("\t") for line in run("user", "list", env=env).stdout.splitlines()]
    roles = [r[2] for r in rows]
    assert len(rows) == 36 and roles.count("learner") >= 30
    assert roles.count("instructor") == 2 and roles.count("organizer") == 1 and roles.count("admin") == 1


def test_user_add_and_errors(tmp_path):
    env = dict(os.environ, JINGUO_DATA_DIR=str(tmp_path), JINGUO_NEW_PASSWORD="Secret-pass-1")
    assert run("db", "upgrade", env=env).returncode == 0
    ok = run("user", "add", "zhaoli", "--real-name", "赵丽", "--unit", "ha-zz-food", "--region", "henan",
             "--industry", "manufacturing", "--employment-form", "full_time", "--role", "instructor", env=env)
    assert ok.returncode == 0, ok.stderr
    again = run("user", "add", "zhaoli", "--real-name", "赵丽", "--unit", "ha-zz-food", "--region", "henan",
                "--industry", "manufacturing", "--employment-form", "full_time", env=env)
    assert again.returncode == 1 and "该用户名已被注册" in again.stderr and "already taken" in again.stderr
    bad = run("user", "add", "wangwu", "--real-name", "王五", "--unit", "nowhere", "--region", "henan",
              "--industry", "manufacturing", "--employment-form", "full_time", env=env)
    assert bad.returncode == 1 and "所选基层工会不存在" in bad.stderr
    assert "wangwu" not in run("user", "list", env=env).stdout
