"""Creating a person in both databases at once: the platform profile and the hub password.

Both rows are written, or neither: the member row rolls back if the password row fails, and the
password row is removed if the platform commit fails.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import bcrypt
from nativeauthenticator.orm import UserInfo
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from hub.people import members
from hub.store.db import session_scope
from hub.store.orm import MemberStatus, Role


def password_user_exists(hub_session: Session, username: str) -> bool:
    return UserInfo.find(hub_session, username) is not None


def create_account(platform_url: str, hub_session: Session, profile: members.Profile, password: str, *,
                   role: Role = Role.learner, status: MemberStatus = MemberStatus.pending,
                   actor: str = "") -> None:
    """Raise MemberError (nothing written) or write both rows."""
    if password_user_exists(hub_session, profile.username):
        raise members.MemberError(409, "username_taken", "该用户名已被注册", "this user name is already taken",
                                  field="username")
    info: UserInfo | None = None
    try:
        with session_scope(platform_url) as s:
            members.add_member(s, profile, role=role, status=status, actor=actor)
            info = UserInfo(username=profile.username,
                            password=bcrypt.hashpw(password.encode(), bcrypt.gensalt()), is_authorized=True)
            hub_session.add(info)
            hub_session.commit()
    except BaseException:
        hub_session.rollback()
        if info is not None and inspect(info).persistent:
            hub_session.delete(info)
            hub_session.commit()
        raise


def set_password(hub_session: Session, username: str, password: str) -> None:
    info = UserInfo.find(hub_session, username)
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
    if info is None:
        hub_session.add(UserInfo(username=username, password=hashed, is_authorized=True))
    else:
        info.password = hashed
    hub_session.commit()


@contextmanager
def hub_session(hub_db_url: str) -> Iterator[Session]:
    """A session on JupyterHub's database for the CLI (the users_info table made if missing)."""
    # JupyterHub's own factory creates and stamps its schema, so the hub later finds a database it knows.
    from jupyterhub.orm import new_session_factory

    session = new_session_factory(hub_db_url)()
    UserInfo.__table__.create(session.get_bind(), checkfirst=True)
    try:
        yield session
    finally:
        session.close()
