"""hub/settings.py (issue 17): jinguo_config.py reaches every Configurable through one loader (service and CLI alike);
demo mode is asked once per process; the data-folder layout is said once; old module names still work, warning."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from traitlets.utils.importstring import import_item

from competitions.surveys.spec import EXAMPLES
from hub import settings
from hub.settings import JinguoConfig, competition_folder, course_folder, load_config
from hub.store.orm import Survey
from hub.web.app import JinguoService

HUB = Path(settings.__file__).resolve().parent


def service(monkeypatch, tmp_path, text: str, argv: list[str] | None = None) -> JinguoService:
    path = tmp_path / "jinguo_config.py"
    path.write_text("c = get_config()  # noqa\n" + text, encoding="utf-8")
    monkeypatch.setenv("JINGUO_CONFIG", str(path))
    monkeypatch.setenv("JINGUO_DATA_DIR", str(tmp_path / "data"))
    JinguoService.clear_instance()
    app = JinguoService()
    app.initialize(argv or [])
    return app


def test_the_settings_file_reaches_the_services_survey_settings_and_platform(monkeypatch, tmp_path):
    app = service(monkeypatch, tmp_path, "c.SurveySettings.min_group_size = 11\n"
                                         "c.JinguoConfig.public_url = 'https://jinguo.example.org'\n"
                                         "c.JinguoConfig.unix_prefix = 'zt-'\n")
    web = app.make_app()
    assert web.settings["survey_settings"].min_group_size == 11
    platform = web.settings["platform"]
    assert (platform.public_url, platform.unix_prefix) == ("https://jinguo.example.org", "zt-")
    from hub.web.pages.courses import verify_url  # was JinguoConfig(): the environment's default, never the file

    assert verify_url(platform, "/services/jinguo/", "ABC") == "https://jinguo.example.org/services/jinguo/certificates/ABC"


def test_survey_results_without_the_service_still_read_the_settings_file(monkeypatch, tmp_path):
    from hub.surveys.responses import min_group

    (tmp_path / "j.py").write_text("c = get_config()  # noqa\nc.SurveySettings.min_group_size = 40\n")
    monkeypatch.setenv("JINGUO_CONFIG", str(tmp_path / "j.py"))
    row = Survey(spec_yaml=(EXAMPLES / "women-workforce-2027.yaml").read_text(encoding="utf-8"))
    assert min_group(row) == 40  # was SurveySettings(): 5, whatever the file said


def test_publishing_shares_the_course_with_the_configured_unix_prefix(monkeypatch, tmp_path):
    """The second former JinguoConfig() site: courses/publish.py took the Unix prefix from the environment only.
    grant_course itself makes Unix groups as root: here only which prefix it is given is looked at."""
    from hub.courses import publish

    given = []
    monkeypatch.setattr(publish.course_access, "grant_course", lambda data_dir, prefix, slug, who: given.append(prefix))
    (tmp_path / "j.py").write_text("c = get_config()  # noqa\nc.JinguoConfig.unix_prefix = 'zq-'\n")
    monkeypatch.setenv("JINGUO_CONFIG", str(tmp_path / "j.py"))
    monkeypatch.delenv("JINGUO_UNIX_PREFIX", raising=False)
    publish._share(tmp_path, "office-data", [], "caller-")
    publish._share(tmp_path, "office-data", [], None)
    assert given == ["caller-", "zq-"]


def test_the_cli_reads_the_same_settings_file_with_its_config_on_top(monkeypatch, tmp_path):
    from hub.cli.main import load_platform

    (tmp_path / "jinguo_config.py").write_text("c = get_config()  # noqa\nc.JinguoConfig.public_url = 'https://a.example'\n"
                                               "c.JinguoConfig.service_port = 18999\n")
    (tmp_path / "hub_config.py").write_text("c = get_config()  # noqa\nc.JinguoConfig.public_url = 'https://b.example'\n")
    monkeypatch.setenv("JINGUO_CONFIG", str(tmp_path / "jinguo_config.py"))
    monkeypatch.delenv("JINGUO_PUBLIC_URL", raising=False)
    assert load_platform(None).public_url == "https://a.example"
    both = load_platform(str(tmp_path / "hub_config.py"))
    assert (both.public_url, both.service_port) == ("https://b.example", 18999)


def test_a_named_settings_file_that_is_missing_is_said(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("JINGUO_CONFIG", str(tmp_path / "nope.py"))
    with caplog.at_level("WARNING", logger="jinguo.settings"):
        assert load_config() == {}
    assert "找不到配置文件" in caplog.text and "not found" in caplog.text


def test_hub_values_come_from_hub_auth_traits(monkeypatch, tmp_path):
    # HubAuth.base_url reads JUPYTERHUB_SERVICE_PREFIX when jupyterhub is imported: a fresh process, as the hub starts
    env = dict(os.environ, JUPYTERHUB_SERVICE_PREFIX="/base/services/jinguo/", JUPYTERHUB_BASE_URL="/base/",
               JUPYTERHUB_SERVICE_URL="http://127.0.0.1:18555", JINGUO_CONFIG=str(tmp_path / "none.py"))
    code = ("from hub.web.app import JinguoService as S; a = S(); a.initialize([]); w = a.make_app(); "
            "print(w.settings['prefix'], w.settings['hub_prefix'], a.service_url, w.settings['hub_auth'] is a.hub_auth)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["/base/services/jinguo/", "/base/hub/", "http://127.0.0.1:18555", "True"], out.stderr
    # configurable like every other setting: the file's c.HubOAuth reaches it (was os.environ, read again)
    web = service(monkeypatch, tmp_path, "c.HubOAuth.hub_prefix = '/other/hub/'\n").make_app()
    assert web.settings["hub_prefix"] == "/other/hub/" and web.settings["hub_auth"].hub_prefix == "/other/hub/"


def test_demo_mode_is_asked_once(monkeypatch, tmp_path):
    from hub.jupyterhub import unix_groups
    from hub.store import data_folder

    asked = []

    def geteuid():
        asked.append(1)
        return 4242

    settings.running_as_root.cache_clear()
    monkeypatch.setattr(os, "geteuid", geteuid)
    try:
        web = service(monkeypatch, tmp_path, "").make_app()
        answers = [settings.demo_mode(), web.settings["demo_mode"], not data_folder.as_root(), not unix_groups.active(),
                   data_folder.process_umask() == data_folder.DEMO_UMASK]
        assert answers == [True] * 5 and len(asked) == 1
    finally:
        settings.running_as_root.cache_clear()  # the real answer again for the tests after this one


def test_no_room_asks_geteuid_itself():
    askers = [str(p.relative_to(HUB)) for p in HUB.rglob("*.py") if "geteuid" in p.read_text(encoding="utf-8")]
    assert askers == ["settings.py"]


def test_the_layout_is_said_once(tmp_path):
    from hub.competitions import admin
    from hub.courses import exchange, publish

    assert course_folder(tmp_path, "office-data") == tmp_path / "courses" / "office-data"
    assert competition_folder(str(tmp_path), "e-shop") == tmp_path / "competitions" / "e-shop"
    assert publish.course_dir is exchange.course_dir is course_folder and admin.competition_dir is competition_folder
    copies = re.compile(r"""/ ["'](courses|competitions)["']""")
    built = [f"{p.relative_to(HUB)}:{n}" for p in HUB.rglob("*.py") if p.name != "settings.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if copies.search(line)]
    assert built == []


OLD_MODULES = {"hub.hubconfig": ("configure", "hub.jupyterhub.config"),
               "hub.spawner": ("JinguoSpawner", "hub.jupyterhub.spawner"),
               "hub.kubernetes": ("JinguoKubeSpawner", "hub.jupyterhub.kubernetes"),
               "hub.auth": ("JinguoAuthenticator", "hub.jupyterhub.auth"),
               "hub.config": ("JinguoConfig", "hub.settings")}


@pytest.mark.parametrize("old", sorted(OLD_MODULES))
def test_old_module_names_in_a_deployments_config_still_work_with_a_warning(old):
    name, new = OLD_MODULES[old]
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=re.escape(f"{old} is now {new}")):
        thing = import_item(f"{old}.{name}")  # how JupyterHub reads spawner_class = "hub.spawner.JinguoSpawner"
    assert thing is getattr(import_item(new), name)


def test_a_config_file_with_the_old_import_still_configures_the_hub(tmp_path):
    """A deployment's own jupyterhub_config.py from before issue 17 (``from hub.hubconfig import configure``) and
    its sections, whose class names did not change, still reach the platform's settings."""
    for name in ("hub.hubconfig", "hub.spawner"):
        sys.modules.pop(name, None)
    old = tmp_path / "jupyterhub_config.py"
    old.write_text("from hub.hubconfig import JinguoConfig\nc = get_config()  # noqa\n"
                   f"c.JinguoConfig.data_dir = {str(tmp_path / 'data')!r}\nc.JinguoConfig.port = 18600\n"
                   "c.JupyterHub.spawner_class = 'hub.spawner.JinguoSpawner'\nc.GradingQueue.batch = 3\n")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        cfg = load_config(old)
        spawner = import_item(cfg.JupyterHub.spawner_class)
    assert sum(issubclass(w.category, DeprecationWarning) for w in said) >= 2
    from hub.jupyterhub.spawner import JinguoSpawner
    from hub.submissions.queue import GradingQueue

    assert spawner is JinguoSpawner
    assert JinguoConfig(config=cfg).port == 18600 and GradingQueue(config=cfg).batch == 3
