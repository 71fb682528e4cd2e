"""An admin's settings file reaches the platform service: the grading queue and the platform take what
jinguo_config.py says, the command line wins over the file, and a named file that is missing is said so."""
from __future__ import annotations

from hub.settings import JinguoConfig
from hub.submissions.queue import GradingQueue
from hub.web.app import JinguoService


def service(monkeypatch, tmp_path, text: str | None, argv: list[str] | None = None) -> JinguoService:
    path = tmp_path / "jinguo_config.py"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("JINGUO_CONFIG", str(path))
    JinguoService.clear_instance()
    app = JinguoService()
    app.initialize(argv or [])
    return app


def test_the_settings_file_reaches_the_grading_queue(monkeypatch, tmp_path):
    app = service(monkeypatch, tmp_path, "c = get_config()\nc.GradingQueue.batch = 8\nc.GradingQueue.warm_ahead = 0\n"
                                         "c.JinguoConfig.service_port = 18123\n# 中文注释也可以\n")
    queue = GradingQueue(parent=app)
    assert (queue.batch, queue.warm_ahead, queue.workers) == (8, 0, 2)  # workers: the default, untouched
    assert JinguoConfig(parent=app).service_port == 18123


def test_the_command_line_wins_over_the_file(monkeypatch, tmp_path):
    app = service(monkeypatch, tmp_path, "c = get_config()\nc.GradingQueue.batch = 8\n",
                  argv=["--GradingQueue.batch=4"])
    assert GradingQueue(parent=app).batch == 4


def test_a_missing_settings_file_is_reported_not_ignored(monkeypatch, tmp_path, capsys):
    app = service(monkeypatch, tmp_path, None)
    assert GradingQueue(parent=app).batch == 64  # the default (issue 20: fewer, larger runs in a rush)
    said = capsys.readouterr().err
    assert "找不到配置文件" in said and "jinguo_config.py not found" in said
