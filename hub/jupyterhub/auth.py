"""Sign-up, approval and log-in: NativeAuthenticator for passwords, the platform database for who she is.

The platform database is the source of truth for a person's role and approval; the hub learns her
groups from it at every log-in and refresh (``manage_groups``), so RBAC follows the platform.
"""
from __future__ import annotations

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LocalBase
from nativeauthenticator.handlers import LoginHandler as NativeLoginHandler
from traitlets import Bool, Instance, default

from hub.people import accounts

from hub.people import members

from hub.store import seed as reference
from hub.settings import JinguoConfig
from hub.store.db import session_scope
from hub.store.orm import Member, MemberStatus, Role


class JinguoAuthenticator(NativeAuthenticator):
    """Passwords by NativeAuthenticator; approval, role and groups from the platform database."""

    platform = Instance(JinguoConfig, help="Where the platform database is.")

    @default("platform")
    def _platform_default(self) -> JinguoConfig:
        return JinguoConfig(parent=self)

    @default("manage_groups")
    def _manage_groups_default(self) -> bool:
        return True

    @default("minimum_password_length")
    def _min_pw_default(self) -> int:
        return 8

    @default("check_common_password")
    def _common_pw_default(self) -> bool:
        return True

    @default("auth_refresh_age")
    def _refresh_default(self) -> int:
        # Role or course changes reach the hub within a minute, not at next log-in.
        return 60

    @default("allow_all")
    def _allow_all_default(self) -> bool:
        # Approval is checked in authenticate(); the allow-list would be a second, stale copy.
        return True

    bootstrap_admin_login = Bool(
        True,
        help="Let the names in Authenticator.admin_users log in with their NativeAuthenticator password "
        "even before they have a platform profile, so a fresh install can be administered.",
    ).tag(config=True)

    def auth_model_for(self, member: Member | None, username: str) -> dict | None:
        if member is None:
            if self.bootstrap_admin_login and username in self.admin_users:
                return {"name": username, "admin": True, "groups": ["admins"]}
            return None
        if member.status != MemberStatus.approved:
            return None
        return {"name": member.username, "admin": member.role == Role.admin,
                "groups": members.hub_groups(member),
                "auth_state": None}

    def waiting_message(self, username: str) -> str:
        """What someone with a right password but no log-in reads: waiting, or refused with the organizer's
        review comment (the reason of the last decision in the audit log)."""
        with session_scope(self.platform.db_url) as s:
            member = members.get_member(s, username)
            if member is not None and member.status == MemberStatus.rejected:
                comment = members.review_comment(s, username)
                said = f"审核意见 / comment: {comment}" if comment else ""
                return ("您的注册未通过工会审核，如有疑问请联系所在工会 / Your sign-up was not approved; ask your union. "
                        + said).strip()
        return "您的注册正在等待工会审核，审核通过后即可登录 / Your sign-up is awaiting approval."

    def member_model(self, username: str) -> dict | None:
        with session_scope(self.platform.db_url) as s:
            return self.auth_model_for(members.get_member(s, username), username)

    async def authenticate(self, handler, data):
        username = self.normalize_username(data.get("username", ""))
        info = self.get_user(username)
        if info is None or (self.allowed_failed_logins and self.is_blocked(username)):
            return None
        if not info.is_valid_password(data.get("password", "")):
            self.add_login_attempt(username)
            return None
        model = self.member_model(username)
        if model is not None:
            self.successful_login(username)
        return model

    async def refresh_user(self, user, handler=None):
        model = self.member_model(user.name)
        # False logs out someone whose approval was withdrawn.
        return model if model is not None else False

    def get_handlers(self, app):
        handlers = dict(super().get_handlers(app))
        handlers[r"/login"] = JinguoLoginHandler
        handlers[r"/signup"] = JinguoSignUpHandler
        return list(handlers.items())


class JinguoLoginHandler(NativeLoginHandler):
    def _render(self, login_error=None, username=None):
        return self.render_template(
            "native-login.html", next=self.get_argument("next", default=""), username=username,
            login_error=login_error, login_url=self.settings["login_url"],
            enable_signup=self.authenticator.enable_signup, xsrf=self.xsrf_token.decode("ascii"))

    async def post(self):
        data = {k: self.get_argument(k, strip=(k == "username")) for k in self.request.body_arguments
                if k != "_xsrf"}
        user = await self.login_user(data)
        if user:
            self._jupyterhub_user = user
            self.redirect(self.get_next_url(user))
            return
        username = data.get("username", "")[:64]
        error = "用户名或密码错误 / Invalid user name or password."
        info = self.authenticator.get_user(username)
        if info is not None and info.is_valid_password(data.get("password", "")):
            error = self.authenticator.waiting_message(username)
        self.set_status(403)
        self.finish(await self._render(login_error=error, username=username))


class JinguoSignUpHandler(LocalBase):
    """/hub/signup: password plus who she is; both databases written, or neither."""

    def _choices(self) -> dict:
        with session_scope(self.authenticator.platform.db_url) as s:
            return reference.choices(s)

    async def _page(self, form: dict, errors: list | None = None, done: bool = False, status: int = 200):
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        html = await self.render_template("jinguo-signup.html", form=form, errors=errors or [], done=done,
                                          choices=self._choices(), sexes=members.SEXES,
                                          sex_reason=(members.SEX_REASON_ZH, members.SEX_REASON_EN),
                                          min_pw=self.authenticator.minimum_password_length,
                                          xsrf=self.xsrf_token.decode("ascii"))
        self.finish(html)

    async def get(self):
        await self._page({})

    async def post(self):
        auth: JinguoAuthenticator = self.authenticator
        form = {k: self.get_body_argument(k, "", strip=False) for k in (
            "username", "real_name", "unit", "region", "industry", "employment_form", "phone", "gender")}
        password = self.get_body_argument("signup_password", "", strip=False)
        confirmation = self.get_body_argument("signup_password_confirmation", "", strip=False)
        profile = members.read_profile(form, sex_required=True)
        errors = list(profile.errors)
        if password != confirmation:
            errors.append(members.MemberError(400, "password_mismatch", "两次输入的密码不一致", "passwords do not match",
                                               field="password"))
        elif not auth.is_password_strong(password):
            errors.append(members.MemberError(
                400, "weak_password", f"密码至少 {auth.minimum_password_length} 位，且不能是常见密码",
                f"password needs at least {auth.minimum_password_length} characters and must not be a common one",
                field="password"))
        if not errors and auth.user_exists(profile.username):
            errors.append(members.MemberError(409, "username_taken", "该用户名已被注册", "this user name is already taken",
                                               field="username"))
        if errors:
            await self._page(form, errors, status=400)
            return
        try:
            accounts.create_account(auth.platform.db_url, auth.db, profile, password)
        except members.MemberError as exc:
            await self._page(form, [exc], status=400)
            return
        self.log.info("Sign-up of %s awaits approval", profile.username)
        await self._page({}, done=True)

