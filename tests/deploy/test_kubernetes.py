"""Jinguo's Kubernetes deployment, validated offline (no cluster runs here): our values against the chart's schema,
the chart's own hub config run with our Kubernetes mode, a learner's and an instructor's pod manifests from a real
KubeSpawner, and the manifests and Dockerfiles that go beside them."""
from __future__ import annotations

import asyncio
import concurrent.futures
import copy
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import yaml

from tests.deploy import z2jh

pytestmark = pytest.mark.skipif(not z2jh.CHART.is_dir(), reason=f"z2jh chart files not found at {z2jh.CHART}")
DEPLOY = z2jh.PROJECT / "deploy"


def _run_apart(coro):
    """asyncio.run in a thread of its own: a browser test earlier in the session (Playwright's sync API) leaves an
    event loop running in the main thread, where asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(z2jh.schema())
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)]


# ── values.yaml against the chart's schema ───────────────────────────────────────────────────────────────────

def test_our_values_merged_over_the_chart_defaults_validate():
    assert _errors(z2jh.merged_values()) == []


def test_secret_example_validates_too():
    over = z2jh.merge(z2jh.load_yaml(z2jh.VALUES), z2jh.load_yaml(DEPLOY / "kubernetes" / "values.secret.example.yaml"))
    assert _errors(z2jh.merged_values(over)) == []


@pytest.mark.parametrize("breakage", ["typo", "db_type", "cull_timeout"])
def test_a_broken_copy_does_not_validate(breakage):
    values = copy.deepcopy(z2jh.load_yaml(z2jh.VALUES))
    if breakage == "typo":  # singleuser.storage.capacity misspelt: helm would ignore it silently without the schema
        values["singleuser"]["storage"]["capacty"] = values["singleuser"]["storage"].pop("capacity")
    elif breakage == "db_type":
        values["hub"]["db"]["type"] = "postgresql"  # the chart says "postgres"
    else:
        values["cull"]["timeout"] = "an hour"
    assert _errors(z2jh.merged_values(values)) != []


# ── the chart's hub config + our Kubernetes mode ─────────────────────────────────────────────────────────────

@pytest.fixture
def hub_config(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGUO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JINGUO_DB_URL", f"sqlite:///{tmp_path / 'jinguo.sqlite'}")
    monkeypatch.setenv("JINGUO_HUB_DB_URL", f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}")
    return z2jh.run_chart_config(tmp_path / "etc", z2jh.merged_values())


def test_chart_config_plus_our_mode_keeps_the_culler_and_adds_jinguo(hub_config):
    c = hub_config
    from hub.scopes import CUSTOM_SCOPES, roles
    from hub.jupyterhub.kubernetes import JinguoKubeSpawner

    assert c.JupyterHub.spawner_class == "hub.jupyterhub.kubernetes.JinguoKubeSpawner"
    assert issubclass(JinguoKubeSpawner, __import__("kubespawner").KubeSpawner)
    assert c.JupyterHub.authenticator_class == "hub.jupyterhub.auth.JinguoAuthenticator"
    assert set(CUSTOM_SCOPES) <= set(c.JupyterHub.custom_scopes)
    services = {s["name"]: s for s in c.JupyterHub.services}
    role_by_name = {r["name"]: r for r in c.JupyterHub.load_roles}
    # the chart's idle culler, with its scoped role, survives our mode
    assert "jupyterhub-idle-culler" in services
    assert "--timeout=3600" in services["jupyterhub-idle-culler"]["command"]
    assert role_by_name["jupyterhub-idle-culler"]["services"] == ["jupyterhub-idle-culler"]
    assert set(role_by_name["jupyterhub-idle-culler"]["scopes"]) == {
        "list:users", "read:users:activity", "read:servers", "delete:servers"}
    # our service: by its Kubernetes Service name, with the token the chart keeps for it, and our OAuth settings
    jinguo = services["jinguo"]
    assert jinguo["url"] == "http://jinguo:8000" and jinguo["api_token"] == "12" * 32
    assert "command" not in jinguo  # its own Deployment, not a process of the hub pod
    assert set(CUSTOM_SCOPES) <= set(jinguo["oauth_client_allowed_scopes"])
    # every one of our roles, and a role named in values.yaml keeps its words and gains our scopes
    for ours in roles():
        assert set(ours["scopes"]) <= set(role_by_name[ours["name"]]["scopes"]), ours["name"]
    assert role_by_name["jinguo-admin"]["groups"] == ["admins"]
    assert [r["name"] for r in c.JupyterHub.load_roles].count("jinguo-admin") == 1
    # the chart's own settings are still there
    assert c.JupyterHub.cleanup_servers is False
    assert c.KubeSpawner.image == "registry.example.org/jinguo/singleuser:0.1.0"
    assert c.KubeSpawner.storage_pvc_ensure is True


def test_one_machine_config_would_have_wiped_the_culler(tmp_path, monkeypatch):
    """Why the Kubernetes mode exists: hub/jupyterhub/config.py's configure() after the chart leaves no culler role."""
    monkeypatch.setenv("JINGUO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JINGUO_CULL_IDLE_TIMEOUT", "0")
    values = z2jh.merged_values()
    values["hub"]["config"].pop("Authenticator")  # its admin_users list would trip configure()'s set.add first
    values["hub"]["extraConfig"] = {"00-jinguo": "from hub.jupyterhub.config import configure\nconfigure(c)\n"}
    c = z2jh.run_chart_config(tmp_path / "etc", values)
    assert "jupyterhub-idle-culler" not in {r["name"] for r in c.JupyterHub.load_roles}


# ── pod manifests from a real KubeSpawner, offline ───────────────────────────────────────────────────────────

KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: offline, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: hub, user: {token: unused}}]
contexts: [{name: offline, context: {cluster: offline, user: hub, namespace: jinguo}}]
current-context: offline
"""


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    """KubeSpawner loads a client configuration when it is made; building a manifest never calls the cluster, so
    one that points at a closed port (nothing listens on 9) proves that too."""
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    from kubernetes_asyncio.config import kube_config

    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))  # read from KUBECONFIG at import


async def _manifest(config, name: str, groups: list[str]) -> dict:
    """Her pod as KubeSpawner would send it to the API server (plain JSON, camelCase)."""
    from kubernetes_asyncio.client import ApiClient

    pod = await _spawner(config, name, groups).get_pod_manifest()
    return ApiClient().sanitize_for_serialization(pod)


def _spawner(config, name: str, groups: list[str]):
    from hub.jupyterhub.kubernetes import JinguoKubeSpawner

    user = SimpleNamespace(name=name, id=7, url=f"/user/{name}/", escaped_name=name,
                           groups=[SimpleNamespace(name=g) for g in groups], spawners={}, settings={})
    spawner = JinguoKubeSpawner(_mock=True, config=config, user=user)
    spawner.api_token = "token"
    return spawner


def test_learner_pod_has_her_storage_and_uid_and_no_course_folder(hub_config, kubeconfig, tmp_path):
    _seed_courses(tmp_path)
    learner = _run_apart(_manifest(hub_config, "worker01", ["learners"]))
    teacher = _run_apart(_manifest(hub_config, "teacher1", ["instructors"]))

    def claims(pod):
        return {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
                if "persistentVolumeClaim" in v}

    def mounts(pod):
        return {m["mountPath"]: m.get("subPath") for m in pod["spec"]["containers"][0]["volumeMounts"]}

    container = learner["spec"]["containers"][0]
    assert list(claims(learner).values()) == ["claim-worker01"]  # her own volume, and no other
    assert "/home/jovyan" in mounts(learner)
    assert container["securityContext"]["runAsUser"] == 1000
    assert learner["spec"]["securityContext"]["fsGroup"] == 100
    assert not any("批改" in path for path in mounts(learner))  # nothing of the course folders
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JINGUO_API_URL"] == "http://jinguo:8000/services/jinguo/api"
    assert env["JUPYTER_CONFIG_PATH"].startswith("/etc/jinguo/singleuser/learner")
    assert "JINGUO_COURSE_ROOT" not in env
    # the instructor: her own claim, and only the course she teaches, at ~/批改/<slug>
    assert set(claims(teacher).values()) == {"claim-teacher1", "jinguo-data"}
    course_mounts = {p: sub for p, sub in mounts(teacher).items() if "批改" in p}
    assert course_mounts == {"/home/jovyan/批改/office-data": "courses/office-data"}
    assert {e["name"]: e.get("value") for e in teacher["spec"]["containers"][0]["env"]}["JINGUO_COURSE_ROOT"] \
        == "/home/jovyan/批改/office-data"


def _seed_courses(tmp_path):
    """The demo's people in a real platform database (the fixture's JINGUO_DB_URL), two published courses, and
    teacher1 teaching office-data only."""
    from sqlalchemy import select

    from hub.settings import JinguoConfig
    from hub.store.db import session_scope
    from hub.demo.people import seed_demo
    from hub.store.orm import Course, Enrolment, Member, Role, utcnow

    platform = JinguoConfig()
    seed_demo(platform)
    with session_scope(platform.db_url) as s:
        courses = [Course(slug=slug, title=slug, summary="", published_at=utcnow(), published_by="admin")
                   for slug in ("office-data", "legal-basics")]
        s.add_all(courses)
        s.flush()
        teacher = s.scalar(select(Member).where(Member.username == "teacher1"))
        s.add(Enrolment(member_id=teacher.id, course_id=courses[0].id, role=Role.instructor))


def test_a_learner_is_offered_only_the_learner_profile(hub_config, kubeconfig):
    async def slugs(name: str, groups: list[str]) -> list[str]:
        spawner = _spawner(hub_config, name, groups)
        return [p["slug"] for p in spawner.profile_list(spawner)]

    assert _run_apart(slugs("worker01", ["learners"])) == ["learner"]
    assert _run_apart(slugs("teacher1", ["instructors"])) == ["learner", "instructor"]
