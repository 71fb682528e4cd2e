"""The Zero to JupyterHub chart's files (../shared/z2jh, copied unchanged from the chart) put to work offline:
our values merged over the chart's defaults as helm does, and the chart's own hub jupyterhub_config.py run on
them in a temporary root, as the hub pod runs it."""
from __future__ import annotations

import copy
import os
from pathlib import Path

import yaml
from traitlets.config import Config, PyFileConfigLoader

PROJECT = Path(__file__).resolve().parents[2]
CHART = Path(os.environ.get("JINGUO_Z2JH_DIR", PROJECT.parent / "shared" / "z2jh"))
if not CHART.is_dir():  # the lead's checkout (/work/main) and the helpers' worktrees (/work/wt/NAME) sit apart
    CHART = Path("/work/shared/z2jh")
VALUES = PROJECT / "deploy" / "kubernetes" / "values.yaml"
MOUNT = "/usr/local/etc/jupyterhub"  # where the chart mounts the hub's config, values and secrets


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def merge(base, over):
    """Helm's merge of values: maps merge key by key, anything else (lists too) is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def merged_values(values: dict | None = None) -> dict:
    return merge(load_yaml(CHART / "values.yaml"), load_yaml(VALUES) if values is None else values)


def schema() -> dict:
    return load_yaml(CHART / "values.schema.yaml")


def run_chart_config(root: Path, values: dict, release: str = "jinguo") -> Config:
    """Lay out what the hub pod sees (templates/hub/{deployment,secret,configmap}.yaml) under ``root`` and run the
    chart's jupyterhub_config.py there: the chart's files unchanged but for the mount folder they name."""
    cfg_dir = root / "config"
    secret_dir = root / "secret"
    cfg_dir.mkdir(parents=True)
    secret_dir.mkdir()
    values = dict(values, Chart={"Name": "jupyterhub", "Version": "4.3.0"},
                  Release={"Name": release, "Namespace": "jinguo", "Service": "Helm"})
    (secret_dir / "values.yaml").write_text(yaml.safe_dump(values, allow_unicode=True))
    secrets = {"hub.config.JupyterHub.cookie_secret": "ab" * 32, "hub.config.CryptKeeper.keys": "cd" * 32,
               "hub.config.ConfigurableHTTPProxy.auth_token": "ef" * 32}
    secrets.update({f"hub.services.{name}.apiToken": "12" * 32 for name in values["hub"].get("services", {})})
    for key, value in secrets.items():
        (secret_dir / key).write_text(value)
    names = {"hub": "hub", "proxy-api": "proxy-api", "proxy-public": "proxy-public", "singleuser": "singleuser",
             "image-pull-secret": "image-pull-secret", "user-scheduler": "user-scheduler",
             "priority": f"{release}-default-priority"}
    for short, full in names.items():
        (cfg_dir / short).write_text(full)
    os.environ.setdefault("HUB_SERVICE_PORT", "8081")
    os.environ.setdefault("PROXY_API_SERVICE_PORT", "8001")
    files = root / "files"
    files.mkdir()
    for name in ("jupyterhub_config.py", "z2jh.py"):
        text = (CHART / "files" / "hub" / name).read_text().replace(MOUNT, str(root))
        (files / name).write_text(text)
    import sys
    sys.modules.pop("z2jh", None)  # the chart's helper caches what it read (lru_cache): a fresh one per root
    loader = PyFileConfigLoader("jupyterhub_config.py", path=str(files))
    return loader.load_config()
