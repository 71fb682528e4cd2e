"""The platform's settings as every ``jinguo`` command reads them: the embedded defaults, JINGUO_* environment
variables, and ``--config FILE`` when given. Its own module so that the command groups (db, course, …) and
hub/cli/main.py share it without importing each other (main imports the groups' register functions)."""
from __future__ import annotations

from pathlib import Path

from hub.settings import JinguoConfig


def load_platform(config_file: str | None) -> JinguoConfig:
    from traitlets.config import Config, PyFileConfigLoader

    cfg = Config()
    if config_file:
        path = Path(config_file).resolve()
        loader = PyFileConfigLoader(path.name, str(path.parent))
        cfg = loader.load_config()
    return JinguoConfig(config=cfg)
