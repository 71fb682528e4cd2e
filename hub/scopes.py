"""The platform's RBAC vocabulary: its five custom scopes, the roles that grant them, and what a worker's own
server may do with its token. Every other module names a scope through these constants, never as a literal, so a
scope is renamed or audited in one place (JupyterHub checks them; hub/web/base.py:requires enforces them)."""
from __future__ import annotations

SERVICE = "jinguo"  # the managed service's name: /services/jinguo/, its role, its OAuth client

LEARN = "custom:jinguo:learn"
TEACH = "custom:jinguo:teach"
ORGANIZE = "custom:jinguo:organize"
APPROVE = "custom:jinguo:approve"
ADMIN = "custom:jinguo:admin"

CUSTOM_SCOPES = {
    LEARN: {"description": "学习、参赛、提交作业 / learn, compete and submit"},
    TEACH: {"description": "发布课程、批改作业 / publish courses and grade"},
    ORGANIZE: {"description": "组织竞赛与推荐、查看统计 / run competitions, nominations, statistics"},
    APPROVE: {"description": "审核注册 / approve sign-ups"},
    ADMIN: {"description": "平台管理 / administer the platform"},
}
SERVICE_ACCESS = f"access:services!service={SERVICE}"

# What a worker's server token may do: report activity, reach its own server, call the platform as her.
SERVER_TOKEN_SCOPES = ["users:activity!user", "access:servers!user", SERVICE_ACCESS, LEARN, "read:users:groups!user"]
# What the platform's OAuth client may ask of a person logging in to it.
OAUTH_CLIENT_SCOPES = [*CUSTOM_SCOPES, "read:users:groups!user"]


def roles() -> list[dict]:
    """Groups → RBAC roles, each with the scopes it needs and no more."""
    return [
        {"name": "user", "scopes": ["self", SERVICE_ACCESS]},
        {"name": "jinguo-learner", "description": "女职工学员 / learner", "groups": ["learners"],
         "scopes": [LEARN]},
        {"name": "jinguo-instructor", "description": "讲师 / instructor", "groups": ["instructors"],
         "scopes": [LEARN, TEACH, "list:users", "read:users:name"]},
        {"name": "jinguo-organizer", "description": "工会组织者 / organizer", "groups": ["organizers"],
         "scopes": [LEARN, ORGANIZE, APPROVE, "list:users", "read:users:name", "read:users:activity"]},
        {"name": "jinguo-admin", "description": "平台管理员 / administrator", "groups": ["admins"],
         "scopes": list(CUSTOM_SCOPES)},
        {"name": "jinguo-service", "description": "平台服务 / the platform service", "services": [SERVICE],
         "scopes": ["list:users", "read:users", "read:groups", "access:servers", "read:servers"]},
    ]
