"""JupyterHub's own admin page lists only members who have logged in (a member becomes a hub user at her first login):
the page says so, gives the platform's own counts, and links the platform's sign-ups page."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from hub.store.db import session_scope
from hub.store.orm import Member, MemberStatus


def test_admin_page_says_whom_it_lists_and_how_many_members_there_are(hub):
    page = hub.session("admin").get(f"{hub.url}/hub/admin")
    assert page.status_code == 200
    html = page.content.decode("utf-8")  # JupyterHub names the charset in the page, not in its header
    assert 'id="jinguo-admin-note"' in html and "只列出登录过笔记本平台的会员" in html
    assert "This page lists only members who have logged in" in html
    assert 'href="/services/jinguo/admin/signups"' in html
    with session_scope(hub.db_url) as s:
        approved = s.scalar(select(func.count()).select_from(Member).where(Member.status == MemberStatus.approved))
    shown = re.search(r'id="jinguo-approved-count">(\d+)<', html)
    assert shown and int(shown.group(1)) == approved > 0, html[:2000]
    assert 'id="react-admin-hook"' in html  # JupyterHub's own list is still there, below the note
