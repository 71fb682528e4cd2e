"""What every page and API handler shares: who is calling, what she may do, one database session."""
from __future__ import annotations

import functools
import json
import sys
import traceback
from typing import Any, Callable
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from jupyterhub.services.auth import HubOAuth, HubOAuthenticated
from sqlalchemy.orm import Session
from tornado import web
from tornado.ioloop import IOLoop
from tornado.log import app_log, gen_log

from competitions.yamlspec import SpecError
from hub.store.db import _sessionmaker
from hub.people.members import get_member
from hub.refusals import Refused
from hub.store.orm import Member

SPEC_MAX_BYTES = 1024 * 1024  # a YAML spec is a few KB; a larger upload is a wrong file

_jinja = Environment(loader=PackageLoader("hub.web", "templates"),
                     autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


# The name handlers used before hub/refusals.py, kept for code written against it (branches in flight); it is the
# same class. New code raises Refused.
Refusal = Refused


_GENERIC = {
    400: ("bad_request", "请求有误", "Bad request"),
    403: ("forbidden", "您没有权限访问这里", "You are not allowed here"),
    404: ("not_found", "页面不存在", "Not found"),
    405: ("method_not_allowed", "不支持的操作", "Method not allowed"),
    413: ("too_large", "文件太大", "Too large"),
    500: ("server_error", "服务器出错了，请稍后再试；数据没有丢失", "Server error; nothing was lost, try again later"),
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # every table she downloads


def check_spec_size(text: str | bytes) -> None:
    if len(text) > SPEC_MAX_BYTES:
        raise Refused(413, "too_large", "文件太大（不能超过 1 MB），请确认选的是 YAML 文件",
                      "File too large (max 1 MB); is it the YAML file?")


def requires(*scopes: str) -> Callable:
    """Refuse unless the caller holds every scope (JupyterHub RBAC; the scopes are hub/scopes.py's constants)."""

    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        async def checked(self: BaseHandler, *args: Any, **kwargs: Any) -> Any:
            user = self.current_user
            if user is None:
                if self.is_api:
                    raise Refused(403, "not_logged_in", "请先登录", "Log in first")
                self.redirect(self.get_login_url())
                return None
            held = set(self.hub_auth.check_scopes(set(scopes), user))
            if held != set(scopes):
                raise Refused(403, "forbidden", "您没有权限进行此操作", "You are not allowed to do this")
            return await method(self, *args, **kwargs)

        checked.required_scopes = scopes  # type: ignore[attr-defined]
        return checked

    return wrap


class LoopHubOAuth(HubOAuth):
    """jupyterhub's HubOAuth, asked on the web loop. Its synchronous ``get_user`` (what ``current_user`` calls)
    runs the check in a background thread and blocks the caller until it returns: on every request, even one its
    cache answers, and while the hub is slow to answer a token it has not seen yet, every other request waits too
    (issue 20: in a rush of 1000, 39 % of the service loop's time went to that wait). ``BaseHandler.prepare``
    asks without blocking (``sync=False``); the model it got is what the synchronous call then returns."""

    def get_user(self, handler: web.RequestHandler, *, sync: bool = True) -> Any:
        if sync and hasattr(handler, "_cached_hub_user"):  # set by HubAuth._get_user, once per request
            return handler._cached_hub_user
        return super().get_user(handler, sync=sync)


class BaseHandler(HubOAuthenticated, web.RequestHandler):
    is_api = False

    @property
    def hub_auth(self):
        """The service's HubOAuth, built once with its config (hub/web/app.py), not jupyterhub's parentless one."""
        return self.settings.get("hub_auth") or super().hub_auth

    async def prepare(self) -> None:
        """Who is calling, asked of the hub without holding up the web loop (LoopHubOAuth)."""
        await self.hub_auth.get_user(self, sync=False)

    @property
    def db(self) -> Session:
        if not hasattr(self, "_db"):
            self._db = _sessionmaker(self.settings["db_url"])()
        return self._db

    def on_finish(self) -> None:
        if hasattr(self, "_db"):
            self._db.close()

    @property
    def member(self) -> Member | None:
        user = self.current_user
        if not user:
            return None
        if not hasattr(self, "_member"):
            self._member = get_member(self.db, user["name"])
        return self._member

    def can(self, scope: str) -> bool:
        user = self.current_user
        return bool(user and self.hub_auth.check_scopes({scope}, user))

    async def off_loop(self, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` in a worker thread while the web loop answers everyone else: for CPU work on what a
        person uploaded (parsing YAML is pure Python). The handler waits, so its session is used by one thread
        at a time."""
        return await IOLoop.current().run_in_executor(None, work, *args)

    def spec_text(self, field: str) -> str | bytes:
        """A posted YAML field, refused when it is larger than any spec (1 MB) before anything parses it."""
        text = self.get_body_argument(field, "")
        check_spec_size(text)
        return text

    async def create_from_spec(self, create: Callable[[str | bytes, str], Any],
                               again: Callable[[list, str], None]) -> Any | None:
        """The YAML an organizer pasted (``spec_yaml``) or uploaded (``spec_file``, templates/_spec_form.html), given to
        ``create(text, filename)`` off the web loop and committed. A SpecError stores nothing and calls
        ``again(problems, text)`` to show the form again with every problem (400); a Refused is answered as every
        Refused is. Returns what ``create`` made, or None when it showed the problems."""
        upload = self.request.files.get("spec_file")
        if upload and upload[0]["body"]:
            text, filename = upload[0]["body"], upload[0]["filename"]
            check_spec_size(text)
        else:
            text, filename = self.spec_text("spec_yaml"), "<表单 form>"
        try:
            row = await self.off_loop(create, text, filename)
            self.db.commit()
            return row
        except SpecError as exc:
            self.db.rollback()
            self.set_status(400)
            again(exc.problems, text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        return None

    def render_page(self, template: str, **ns: Any) -> None:
        ns.setdefault("user", self.current_user)
        ns.setdefault("member", self.member if self.current_user else None)
        ns.update(prefix=self.settings["prefix"], hub_prefix=self.settings["hub_prefix"],
                  demo_mode=self.settings["demo_mode"], xsrf_form_html=self.xsrf_form_html, can=self.can)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(_jinja.get_template(template).render(**ns))

    def send_download(self, name: str, body: bytes | str, content_type: str) -> None:
        """A file she saves (a results table, a certificate, a task's files): the one way every page names it.
        ``filename*`` (RFC 6266/5987) keeps a Chinese name whole; the plain ``filename`` is its ASCII fallback."""
        fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}")
        self.finish(body)

    def _handle_request_exception(self, e: BaseException) -> None:
        """The one place a Refused (raised by a room, or by a handler itself) becomes the HTTP answer: nothing of
        the request is committed, the status is the refusal's, and write_error says it. Anything else is
        Tornado's (an HTTPError's status, else 500)."""
        if not isinstance(e, Refused):
            super()._handle_request_exception(e)
            return
        if hasattr(self, "_db"):
            self._db.rollback()
        gen_log.warning("%d %s: %s (%s)", e.status, self._request_summary(), e.code, e.en)  # as Tornado logs an HTTPError
        if not self._finished:
            self.send_error(e.status, exc_info=sys.exc_info())

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if not isinstance(exc, Refused):  # Tornado's own errors (404 route, 405, 413) and crashes: generic words
            exc = Refused(status_code, *_GENERIC.get(status_code, _GENERIC[500] if status_code >= 500 else
                                                     _GENERIC[400]))
            if status_code >= 500 and kwargs.get("exc_info", (None, None))[1] is not None:
                app_log.error("".join(traceback.format_exception(*kwargs["exc_info"])))
        if self.is_api:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(exc.to_json(), ensure_ascii=False))
        else:
            self.render_page("error.html", status=status_code, zh=exc.zh, en=exc.en, user=None, member=None)


class APIHandler(BaseHandler):
    is_api = True

    def get_login_url(self) -> str:
        raise Refused(403, "not_logged_in", "请先登录", "Log in first")

    def check_xsrf_cookie(self) -> None:
        # Tornado asks this before anyone knows who is calling, and the hub's cookie login asks it too; the answer
        # waits for prepare(), when the hub has said whether her token or her cookie authenticated the request.
        if getattr(self, "_identity_known", False):
            super().check_xsrf_cookie()  # JupyterHub's check: skipped only when the token itself authenticated

    async def prepare(self) -> None:
        """A state-changing call authenticated by her cookie must carry the _xsrf token; one authenticated by an
        API token (widgets, her server) needs none. A mere ``Authorization`` header is not a token that
        authenticated anything: with a bogus one, the cookie is what identifies her, and the check applies."""
        await super().prepare()
        user = self.current_user  # the hub decides: a valid token sets _token_authenticated, else the cookie
        self._identity_known = True
        if user is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                self.check_xsrf_cookie()
            except web.HTTPError:
                raise Refused(403, "xsrf", "请求缺少有效的安全令牌（_xsrf）：请刷新页面后重试；从其他网站发来的请求不被接受",
                              "The request lacks a valid _xsrf token: reload the page and try again; requests sent "
                              "from other sites are refused") from None

    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "bad_json", "请求内容不是有效的 JSON", "Request body is not valid JSON")
        if not isinstance(body, dict):
            raise Refused(400, "bad_json", "请求内容应为 JSON 对象", "Request body must be a JSON object")
        return body

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False, default=str))
