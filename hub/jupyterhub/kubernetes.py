"""Kubernetes mode: Jinguo on top of what the Zero to JupyterHub (z2jh) chart configures.

The chart's own ``jupyterhub_config.py`` sets KubeSpawner, the hub database, the proxy, and (with ``cull.enabled``)
the idle culler's service and role; then it runs ``hub.extraConfig``. Our values put one line there::

    from hub.jupyterhub.kubernetes import configure_kubernetes; configure_kubernetes(c)

which ADDS Jinguo to that config: our authenticator, templates and custom scopes, our roles merged with the
chart's (by name), our platform service merged with the one the chart registered from ``hub.services`` (it holds
the API token), and a KubeSpawner subclass that points workers' servers at the platform service by its
Kubernetes Service name, picks the profiles her role may use, and mounts only the course folders she teaches.
The one-machine configuration (``hub/jupyterhub/config.py``) assigns ``load_roles`` and ``services`` outright; here
nothing the chart set is ever dropped.
"""
from __future__ import annotations

import os

from kubespawner import KubeSpawner
from traitlets import Instance, Integer, Unicode, default
from traitlets.config import Configurable

from hub.settings import JinguoConfig
from hub.jupyterhub.config import TEMPLATES, MemberCount
from hub.scopes import CUSTOM_SCOPES, OAUTH_CLIENT_SCOPES, SERVER_TOKEN_SCOPES, SERVICE, roles

GRADING_FOLDER = "批改"  # as on one machine (hub/jupyterhub/spawner.py): ~/批改/<course> opens formgrader on the course
TEACHING_ROLES = ("instructor", "organizer", "admin")


class KubernetesSettings(Configurable):
    """Where the platform's parts are, in the cluster (``c.KubernetesSettings.*`` in the chart values' ``hub: config:`` section)."""

    service_host = Unicode(
        help="Kubernetes Service name of the platform service, in the hub's namespace (deploy/kubernetes/"
        "jinguo-service.yaml). Workers' servers and the hub reach the service at http://HOST:PORT. "
        "Env: JINGUO_K8S_SERVICE_HOST. Default jinguo.",
    ).tag(config=True)

    @default("service_host")
    def _service_host_default(self) -> str:
        return os.environ.get("JINGUO_K8S_SERVICE_HOST", "jinguo")

    service_port = Integer(
        help="Port of that Service. Env: JINGUO_K8S_SERVICE_PORT. Default 8000.",
    ).tag(config=True)

    @default("service_port")
    def _service_port_default(self) -> int:
        return int(os.environ.get("JINGUO_K8S_SERVICE_PORT", "8000"))

    data_claim = Unicode(
        "jinguo-data",
        help="PersistentVolumeClaim (ReadWriteMany) of the platform service's data folder. An instructor's pod "
        "mounts from it only courses/<slug> of each course she teaches, at ~/批改/<slug>; learners' pods mount "
        "nothing of it (it holds solutions and hidden tests).",
    ).tag(config=True)

    home = Unicode("/home/jovyan", help="Home folder in the singleuser image (singleuser.storage.homeMountPath).",
                   ).tag(config=True)

    role_config_root = Unicode(
        "/etc/jinguo/singleuser",
        help="Folder in the singleuser image with one Jupyter config folder per role and common/ "
        "(a copy of hub/jupyterhub/singleuser/, see deploy/docker/singleuser.Dockerfile).",
    ).tag(config=True)

    @property
    def service_url(self) -> str:
        return f"http://{self.service_host}:{self.service_port}"


def merge_by_name(existing: list[dict], ours: list[dict], union_keys: tuple[str, ...] = ()) -> list[dict]:
    """``existing`` (what the chart set) plus ``ours``. For a name in both, the chart's entry keeps its values;
    ours fills in what it lacks, and list fields in ``union_keys`` (a role's scopes, groups, ...) are joined."""
    merged = [dict(e) for e in existing]
    index = {e.get("name"): e for e in merged}
    for entry in ours:
        have = index.get(entry["name"])
        if have is None:
            merged.append(dict(entry))
            index[entry["name"]] = merged[-1]
            continue
        for key, value in entry.items():
            if key in union_keys and key in have:
                have[key] = list(dict.fromkeys([*have[key], *value]))
            else:
                have.setdefault(key, value)
    return merged


def platform_service(settings: KubernetesSettings) -> dict:
    """The platform service as the hub knows it: external (its own Deployment), reached by its Service name."""
    return {"name": SERVICE, "url": settings.service_url, "display": False, "oauth_no_confirm": True,
            "oauth_client_allowed_scopes": list(OAUTH_CLIENT_SCOPES)}


class ProfilesByRole:
    """KubeSpawner's ``profile_list`` as a callable: a learner sees only profiles marked for learners (by the
    ``jinguo_roles`` key of each profile in ``singleuser.profileList``); teaching staff see theirs too."""

    def __init__(self, profiles: list[dict]):
        self.profiles = profiles

    def __call__(self, spawner) -> list[dict]:
        role = role_of(spawner.user)
        mine = [{k: v for k, v in p.items() if k != "jinguo_roles"} for p in self.profiles
                if role in p.get("jinguo_roles", ["learner", *TEACHING_ROLES])]
        return mine or [{k: v for k, v in self.profiles[0].items() if k != "jinguo_roles"}]


def role_of(user) -> str:
    groups = {g.name for g in user.groups}
    for role in ("admins", "organizers", "instructors"):
        if role in groups:
            return role.rstrip("s")
    return "learner"


class JinguoKubeSpawner(KubeSpawner):
    """KubeSpawner for Jinguo: her own volume (the chart's per-user PVC), the platform's API by Service name,
    her role's Jupyter config, and the course folders of the courses she teaches (nothing else of the data)."""

    platform = Instance(JinguoConfig)
    cluster = Instance(KubernetesSettings)

    @default("platform")
    def _platform_default(self) -> JinguoConfig:
        return JinguoConfig(parent=self)

    @default("cluster")
    def _cluster_default(self) -> KubernetesSettings:
        return KubernetesSettings(parent=self)

    def taught_courses(self) -> list[str]:
        if role_of(self.user) not in TEACHING_ROLES:
            return []
        from hub.jupyterhub import unix_groups as course_access
        from hub.store.db import session_scope

        with session_scope(self.platform.db_url) as s:
            return [c.slug for c in course_access.taught_courses(s, self.user.name)]

    def course_mounts(self, slugs: list[str]) -> tuple[list[dict], list[dict]]:
        if not slugs:
            return [], []
        volume = {"name": "jinguo-courses", "persistentVolumeClaim": {"claimName": self.cluster.data_claim}}
        mounts = [{"name": "jinguo-courses", "subPath": f"courses/{slug}",
                   "mountPath": f"{self.cluster.home}/{GRADING_FOLDER}/{slug}"} for slug in slugs]
        return [volume], mounts

    def get_env(self):
        env = super().get_env()
        role = role_of(self.user)
        env["JINGUO_API_URL"] = f"{self.cluster.service_url}/services/{SERVICE}/api"
        env["JINGUO_DEMO_MODE"] = "0"
        root = self.cluster.role_config_root
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([f"{root}/{role}", f"{root}/common"])
        taught = self.taught_courses()
        if taught:  # read by hub/jupyterhub/singleuser/{instructor,admin}/nbgrader_config.py
            env["JINGUO_COURSE_ID"] = taught[0]
            env["JINGUO_COURSE_ROOT"] = f"{self.cluster.home}/{GRADING_FOLDER}/{taught[0]}"
        env["LANG"] = env["LC_ALL"] = "C.UTF-8"
        return env

    async def get_pod_manifest(self):
        volumes, mounts = self.course_mounts(self.taught_courses())
        base_volumes, base_mounts = self.volumes, self.volume_mounts
        self.volumes = _with(base_volumes, {v["name"]: v for v in volumes})
        self.volume_mounts = _with(base_mounts, {f"jinguo-course-{i}": m for i, m in enumerate(mounts)})
        try:
            return await super().get_pod_manifest()
        finally:
            self.volumes, self.volume_mounts = base_volumes, base_mounts


def _with(current, extra: dict):
    """KubeSpawner's volumes/volume_mounts are a list or a dict (the chart uses a dict): add to either."""
    if isinstance(current, dict):
        return {**current, **extra}
    return [*current, *extra.values()]


def configure_kubernetes(c) -> JinguoConfig:
    """Add Jinguo to a z2jh hub config (run from ``hub.extraConfig``, after the chart's own settings)."""
    platform = JinguoConfig(config=c)
    settings = KubernetesSettings(config=c)
    hub = c.JupyterHub
    hub.authenticator_class = "hub.jupyterhub.auth.JinguoAuthenticator"
    hub.spawner_class = "hub.jupyterhub.kubernetes.JinguoKubeSpawner"
    hub.custom_scopes = {**(hub.custom_scopes if "custom_scopes" in hub else {}), **CUSTOM_SCOPES}
    hub.load_roles = merge_by_name(hub.load_roles if "load_roles" in hub else [], roles(),
                                   union_keys=("scopes", "groups", "users", "services"))
    hub.services = merge_by_name(hub.services if "services" in hub else [], [platform_service(settings)])
    hub.template_paths = [str(TEMPLATES), *(hub.template_paths if "template_paths" in hub else [])]
    hub.template_vars = {**(hub.template_vars if "template_vars" in hub else {}),
                         "jinguo_demo_mode": False, "jinguo_service": f"/services/{SERVICE}/",
                         "jinguo_member_count": lambda _user: MemberCount(platform.db_url)}
    hub.default_url = f"/services/{SERVICE}/"
    admins = c.Authenticator.admin_users if "admin_users" in c.Authenticator else set()
    c.Authenticator.admin_users = {*admins, "admin"}  # the bootstrap administrator, beside any the values name
    c.Spawner.server_token_scopes = list(SERVER_TOKEN_SCOPES)
    if "profile_list" in c.KubeSpawner and isinstance(c.KubeSpawner.profile_list, list) \
            and c.KubeSpawner.profile_list:
        c.KubeSpawner.profile_list = ProfilesByRole(c.KubeSpawner.profile_list)
    return platform
