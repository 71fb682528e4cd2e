"""The platform service process, started by JupyterHub as the managed service "jinguo"."""
from __future__ import annotations

import logging
import os

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
from jupyterhub.utils import url_path_join
from tornado import ioloop, web
from traitlets import Instance, Unicode, default
from traitlets.config import Application

from hub.courses import certificates
from hub.settings import JinguoConfig, config_file, demo_mode, load_config, venv_bin_on_path
from hub.store.data_folder import set_process_umask
from hub.store.db import upgrade
from hub.competitions.boards import BoardCache
from hub.submissions.queue import GradingQueue
from hub.courses.manual_grades import ManualGradeSync
from hub.surveys.responses import SurveySettings
from hub.web import lifecycle
from hub.web.base import LoopHubOAuth
from hub.web.api import (competitions as competitions_api, exchange as exchange_api, members as members_api,
                         quiz as quiz_api, root as api)
from hub.web.pages import (competitions as competition_pages, courses as course_pages, nominations as nominations_pages,
                           phone as phone_pages, reports as report_pages, studios as studio_pages,
                           surveys as survey_pages, zone as pages)

# Each module lists its own ROUTES as (path relative to the service prefix, handler); add a module here.
# phone_pages before course_pages: its courses/SLUG/lessons/N (a number) comes before lessons/NAME.
ROUTE_MODULES = (pages, members_api, quiz_api, api, competitions_api, competition_pages, nominations_pages,
                 survey_pages, studio_pages, report_pages, phone_pages, course_pages, exchange_api)


class OAuthCallback(HubOAuthCallbackHandler):
    """jupyterhub's OAuth callback, with the service's own HubOAuth (base.py's handlers use the same one)."""

    @property
    def hub_auth(self) -> HubOAuth:
        return self.settings.get("hub_auth") or super().hub_auth


class JinguoService(Application):
    name = "jinguo-service"
    description = "巾帼数字工坊平台服务 / Jinguo platform service"

    prefix = Unicode(help="URL prefix the hub routes to this service.").tag(config=True)
    config_file = Unicode(
        help="Python file of settings for the service (c.GradingQueue.batch = 8, c.ManualGradeSync.interval = 60, "
             "...). Env: JINGUO_CONFIG. Default: jinguo_config.py in the project folder, when it exists.",
    ).tag(config=True)

    @default("config_file")
    def _config_file_default(self) -> str:
        return str(config_file())

    service_url = Unicode(
        help="URL the hub reaches this service at; its port is the one the service listens on. "
             "Env: JUPYTERHUB_SERVICE_URL (set by the hub). Default: http://127.0.0.1:{JinguoConfig.service_port}.",
    ).tag(config=True)

    @default("service_url")
    def _service_url_default(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_URL") or f"http://127.0.0.1:{JinguoConfig(parent=self).service_port}"

    def initialize(self, argv=None) -> None:
        super().initialize(argv)
        self.update_config(load_config(path=self.config_file, log=self.log))  # the CLI's loader too (hub/settings.py)
        self.update_config(self.cli_config)  # the command line wins over the file

    @default("log_level")
    def _log_level_default(self) -> int:
        # INFO, as the hub logs: an admin sees re-queued submissions, warmed pools and why the service stopped
        return logging.INFO

    @default("prefix")
    def _prefix_default(self) -> str:
        base = self.hub_auth.base_url  # HubAuth reads JUPYTERHUB_SERVICE_PREFIX; "/" outside a hub
        return base if base != "/" else "/services/jinguo/"

    hub_auth = Instance(HubOAuth, help="How the service asks the hub who is logged in; its traits (api_url, "
                        "api_token, base_url, hub_prefix, ...) are the JUPYTERHUB_* values the hub gave the service, "
                        "read once. Configurable as c.HubOAuth.*; asked on the web loop (hub/web/base.py LoopHubOAuth).")

    @default("hub_auth")
    def _hub_auth_default(self) -> HubOAuth:
        return LoopHubOAuth(parent=self)

    def make_app(self, grading_queue: GradingQueue | None = None, boards: BoardCache | None = None) -> web.Application:
        platform = JinguoConfig(parent=self)
        p = self.prefix
        routes = [(url_path_join(p, "oauth_callback"), OAuthCallback)]
        for module in ROUTE_MODULES:
            routes += [(url_path_join(p, path), handler) for path, handler in module.ROUTES]
        routes.append((url_path_join(p, "api/.*"), api.NotFoundHandler))  # last: unknown API paths answer JSON
        return web.Application(
            routes, prefix=p, hub_prefix=self.hub_auth.hub_prefix, hub_auth=self.hub_auth,
            platform=platform, survey_settings=SurveySettings(parent=self),  # built with the service's config
            db_url=platform.db_url, data_dir=platform.data_dir, demo_mode=demo_mode(),
            cookie_secret=os.urandom(32), xsrf_cookies=True,
            default_handler_class=pages.NotFoundPage, grading_queue=grading_queue, boards=boards,
        )

    def start(self) -> None:
        platform = JinguoConfig(parent=self)
        venv_bin_on_path()
        upgrade(platform.db_url)
        url = self.service_url
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        boards = BoardCache(ioloop.IOLoop.current())
        queue = GradingQueue(parent=self, db_url=platform.db_url, data_dir=platform.data_dir,
                             on_graded=[boards.on_graded, certificates.on_graded])
        manual = ManualGradeSync(parent=self, db_url=platform.db_url, data_dir=platform.data_dir, queue=queue)
        server = self.make_app(queue, boards).listen(port, address=platform.service_ip, xheaders=True)
        # The port is ours: say so in the pid file the next `jinguo serve` checks after a crash (lifecycle.py).
        pid_file = lifecycle.pid_file_for(platform.data_dir)
        lifecycle.write_pid_file(pid_file, port)
        # the grading queue's pool exists once queue.start has run; the manual-grade look needs no stopping
        lifecycle.stop_on_signals(self.log, (server.stop, lambda: hasattr(queue, "_pool") and queue.stop()),
                                  pid_file)
        ioloop.IOLoop.current().add_callback(queue.start)
        ioloop.IOLoop.current().add_callback(manual.start)
        self.log.info("Jinguo service on %s", url)
        ioloop.IOLoop.current().start()


def main() -> None:
    set_process_umask()  # what the service and its grading workers write stays the platform's (hub/store/data_folder.py)
    JinguoService.launch_instance()
