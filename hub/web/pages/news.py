"""News on the zone page, from package data until organizers publish their own."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=1)
def latest_news() -> list[dict]:
    text = resources.files("hub.data").joinpath("news.yaml").read_text("utf-8")
    return yaml.safe_load(text)["news"]
