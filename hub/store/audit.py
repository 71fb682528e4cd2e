"""The one way anything in the platform is audited: a row in the append-only audit log (hub/store/orm.py AuditLog,
which refuses updates and deletes), written in the caller's session so the change and its record commit together."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.store.orm import AuditLog


def audit(session: Session, actor: str, action: str, target_type: str, target_id: Any,
          before: dict | None = None, after: dict | None = None, reason: str = "") -> None:
    session.add(AuditLog(actor=actor, action=action, target_type=target_type, target_id=str(target_id),
                         before=before, after=after, reason=reason))
