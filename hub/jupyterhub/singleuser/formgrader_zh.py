"""nbgrader's formgrader in Chinese, inside JupyterLab's Formgrader panel.

nbgrader's formgrader reads its Jinja templates from a FileSystemLoader fixed to its own folder: it has no setting
for a template path. This server extension loads nbgrader's formgrader itself (the role's jupyter_server_config.json
turns nbgrader's own entry off and this one on) and then puts our folder of translated templates in front of
nbgrader's, so a page we translated is ours and every other page stays nbgrader's. Our templates extend nbgrader's
own through the prefix ``nbgrader/`` and replace only the blocks with words, so nbgrader's scripts stay as they
are. The tables' rows and buttons are drawn by nbgrader's JavaScript and stay English.
"""
from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

TEMPLATES = Path(__file__).parent / "formgrader_zh"


def _jupyter_server_extension_points():
    return [{"module": "hub.jupyterhub.singleuser.formgrader_zh"}]


def chinese_loader(nbgrader_loader) -> ChoiceLoader:
    """Ours first; nbgrader's own under ``nbgrader/`` (what ours extend) and as the fallback for the rest."""
    return ChoiceLoader([FileSystemLoader(str(TEMPLATES)), PrefixLoader({"nbgrader": nbgrader_loader}),
                         nbgrader_loader])


def _load_jupyter_server_extension(serverapp) -> None:
    from nbgrader.server_extensions.formgrader import load_jupyter_server_extension

    load_jupyter_server_extension(serverapp)
    env = serverapp.web_app.settings["nbgrader_jinja2_env"]
    env.loader = chinese_loader(env.loader)
    serverapp.log.info("Formgrader templates in Chinese from %s", TEMPLATES)
