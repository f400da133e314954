"""Role ranking and the Vietnamese names of roles, shared by the router and the handlers."""

from __future__ import annotations

from storage.models import Role

RANK: dict[Role, int] = {Role.CITIZEN: 0, Role.MEMBER: 1, Role.LEADER: 2, Role.HEAD: 3, Role.ADMIN: 4}

ROLE_NAMES: dict[Role, str] = {
    Role.CITIZEN: "người dân",
    Role.MEMBER: "thành viên Tổ công nghệ số cộng đồng",
    Role.LEADER: "tổ trưởng Tổ công nghệ số cộng đồng",
    Role.HEAD: "người đứng đầu đơn vị",
    Role.ADMIN: "quản trị viên",
}

# Who may use a command "from role X up", in words, for refusals.
AUDIENCE: dict[Role, str] = {
    Role.CITIZEN: "mọi người",
    Role.MEMBER: "thành viên, tổ trưởng Tổ công nghệ số cộng đồng, người đứng đầu đơn vị và quản trị viên",
    Role.LEADER: "tổ trưởng Tổ công nghệ số cộng đồng, người đứng đầu đơn vị và quản trị viên",
    Role.HEAD: "người đứng đầu đơn vị và quản trị viên",
    Role.ADMIN: "quản trị viên xã/phường",
}


def at_least(role: Role, minimum: Role) -> bool:
    return RANK[role] >= RANK[minimum]


def parse_role(text: str) -> Role | None:
    """Accept an English role name or its Vietnamese word."""
    key = text.strip().lower()
    aliases = {
        "citizen": Role.CITIZEN, "dan": Role.CITIZEN, "nguoidan": Role.CITIZEN,
        "member": Role.MEMBER, "thanhvien": Role.MEMBER,
        "leader": Role.LEADER, "totruong": Role.LEADER,
        "head": Role.HEAD, "dungdau": Role.HEAD, "lanhdao": Role.HEAD,
        "admin": Role.ADMIN, "quantri": Role.ADMIN,
    }
    return aliases.get(key)
