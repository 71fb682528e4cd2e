"""The OpenAPI document lists what each route answers, no more: only the methods its handler's own class defines.
GET /competitions/{slug}/submissions was listed (and answered with the competition) because its handler inherited
the competition's GET; docs/api.md promises POST there only."""
from __future__ import annotations

from hub.web.api.competitions import ROUTES, SubmissionsHandler
from hub.web.app import JinguoService
from hub.web.openapi import openapi_document

VERBS = ("get", "post", "put", "delete")


def document() -> dict:
    return openapi_document(JinguoService(config_file="/nonexistent/jinguo_config.py").make_app())


def test_submissions_route_lists_post_only():
    paths = document()["paths"]
    submissions = next(p for p in paths if p.startswith("/competitions/") and p.endswith("/submissions"))
    assert sorted(paths[submissions]) == ["post"]
    assert "get" not in vars(SubmissionsHandler)  # tornado answers 405 for it


def test_every_listed_method_is_one_its_handler_defines():
    app = JinguoService(config_file="/nonexistent/jinguo_config.py").make_app()
    listed = openapi_document(app)["paths"]
    api = app.settings["prefix"] + "api/"
    handlers = {rule.matcher.regex.pattern.rstrip("$")[len(api):]: rule.target for rule in app.wildcard_router.rules
                if getattr(rule.matcher, "regex", None) is not None and isinstance(rule.target, type)
                and rule.matcher.regex.pattern.startswith(api)}
    assert len(listed) >= 20 and len(handlers) >= len(listed)
    own = {verb for handler in handlers.values() for verb in VERBS if verb in vars(handler)}
    assert {verb for ops in listed.values() for verb in ops} <= own
    for path, handler in ROUTES:  # each competition route: exactly its own methods
        mine = sorted(v for v in VERBS if v in vars(handler))
        assert any(sorted(ops) == mine for ops in listed.values()), (path, mine)
