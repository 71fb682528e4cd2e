"""nbgrader's Assignments panel for learners and organizers, loaded when she first opens it, not when her server starts.

The panel's server side (hub.lab.exchange.lab, then nbgrader's assignment_list and validate_assignment) imports
nbgrader's apps, nbconvert and SQLAlchemy: ~28 MB and ~1 s of CPU per server (bench/server_parts.py), paid by every
competitor's server at the start of a competition though most open the panel later or never (issue 20). This
extension answers the panel's URLs with one stand-in handler; the first request loads the three real extensions
(their settings and handlers, in the order they would have loaded) and every request is then answered by the real
handler its URL matches, as if they had been loaded at start. Enabled in learner/ and organizer/ config folders,
which switch the three off; instructors and admins load them (and formgrader) at start.
"""
from __future__ import annotations

import importlib
import re
import threading

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join

# in their load order: ours answers before nbgrader's own on the URLs both have (hub/lab/exchange/lab.py)
REAL = ("hub.lab.exchange.lab", "nbgrader.server_extensions.assignment_list",
        "nbgrader.server_extensions.validate_assignment")
# every URL the three answer (nbgrader's default_handlers and hub.lab.exchange.lab.HANDLERS)
URLS = r"/(?:assignments(?:/[^/]+)?|courses|nbgrader_version)"
SETTINGS_KEY = "jinguo_deferred_nbgrader"


def _handler_table(module) -> list:
    return getattr(module, "HANDLERS", None) or getattr(module, "default_handlers", None) \
        or module.handlers.default_handlers


def load_real(serverapp) -> list[tuple[re.Pattern, type]]:
    """Load the real extensions once; their (URL pattern, handler) pairs in the order Tornado would ask them."""
    state = serverapp.web_app.settings[SETTINGS_KEY]
    with state["lock"]:
        if state["routes"] is None:
            base_url = serverapp.web_app.settings["base_url"]
            routes = []
            for name in REAL:
                module = importlib.import_module(name)
                module._load_jupyter_server_extension(serverapp)  # its settings (the panel's manager, root_dir)
                routes += [(re.compile(url_path_join(base_url, path) + "$"), handler)
                           for path, handler in _handler_table(module)]
            state["routes"] = routes
            serverapp.log.info("Jinguo: nbgrader's Assignments panel loaded on first use / 作业面板已按需加载")
        return state["routes"]


class StandIn(JupyterHandler):
    """Becomes the real handler of its URL before Tornado asks it anything else (prepare runs first)."""

    async def prepare(self):
        serverapp = self.settings[SETTINGS_KEY]["serverapp"]
        for pattern, handler in load_real(serverapp):
            match = pattern.match(self.request.path)
            if match:
                break
        else:
            return await super().prepare()  # then Tornado answers 404 or 405 as for any unknown URL
        # Tornado calls the method named by the request on self after prepare(): the real handler's, with its own
        # path arguments. Every handler here is a JupyterHandler without initialize() arguments.
        self.__class__ = handler
        if match.groupdict():
            self.path_args, self.path_kwargs = [], {k: self.decode_argument(v, name=k)
                                                    for k, v in match.groupdict().items()}
        else:
            self.path_args, self.path_kwargs = [self.decode_argument(v) for v in match.groups()], {}
        result = self.prepare()
        if result is not None:
            await result

    def get(self, *args, **kwargs):  # reached only for a URL no real handler has
        self.send_error(404)


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "hub.jupyterhub.singleuser.deferred_nbgrader"}]


def _load_jupyter_server_extension(serverapp) -> None:
    web_app = serverapp.web_app
    web_app.settings[SETTINGS_KEY] = {"serverapp": serverapp, "routes": None, "lock": threading.Lock()}
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], URLS), StandIn)])
