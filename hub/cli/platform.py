"""The platform's settings as every ``jinguo`` command reads them: jinguo_config.py through the one loader the
service uses too (hub/settings.py load_config), JINGUO_* environment variables, and ``--config FILE`` on top. Its
own module so that the command groups (db, course, …) and hub/cli/main.py share it without importing each other
(main imports the groups' register functions)."""
from __future__ import annotations

from hub.settings import JinguoConfig, load_config


def load_platform(config_file: str | None) -> JinguoConfig:
    return JinguoConfig(config=load_config(config_file))
