"""Roles, permissions, password sign-in with lock-out, API tokens, and the user's scope."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from erp.core import audit
from erp.core.models import ApiToken, Institution, User
from erp.core.scoping import Scope
from erp.core.timeutil import utcnow

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "finance": "医共体财务",
    "chief_accountant": "总会计师",
    "accountant": "成员单位会计",
    "clerk": "成员单位经办",
    "procurement": "采购员",
    "pharmacy": "药库/仓库管理员",
    "hr": "人事专员",
    "auditor": "审计",
}
ALL_ROLES = tuple(ROLES)
READ_ONLY_ROLES = frozenset({"auditor"})


class AuthenticationFailed(Exception):
    """Wrong username or password, or a locked account: deliberately one message for all."""

    message = "用户名或密码错误，或账户已被暂时锁定 (invalid credentials or account locked)"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password; count failures and lock the account for a while after too many."""
    config = current_app.config
    user = session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None or not user.active:
        # Hash anyway so that the response time does not reveal whether the user exists.
        check_password_hash(hash_password("x"), password)
        raise AuthenticationFailed()
    if user.locked_until and user.locked_until > now:
        raise AuthenticationFailed()
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + config["LOGIN_LOCK_DURATION"]
            user.failed_logins = 0
            audit.log_event(session, "lock", "User", str(user.id),
                            details={"username": user.username, "locked_until": user.locked_until.isoformat()})
        session.commit()
        raise AuthenticationFailed()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + current_app.config["API_TOKEN_TTL"]
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires_at))
    session.commit()
    return token, expires_at


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row.user


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.commit()
    return True


def scope_for(session: Session, user: User) -> Scope:
    """The institutions a user may see: those listed (with their village clinics), else the community."""
    if user.whole_community:
        ids = session.scalars(select(Institution.id).where(Institution.community_id == user.community_id))
        institution_ids = frozenset(ids)
    else:
        listed = {inst.id for inst in user.institutions}
        # A township centre's users manage its village clinics too (乡村一体化).
        children = session.scalars(select(Institution.id).where(Institution.parent_id.in_(listed)))
        institution_ids = frozenset(listed | set(children))
    return Scope(user.community_id, institution_ids, user.whole_community, user.role in READ_ONLY_ROLES)


@dataclass(frozen=True)
class Permissions:
    """permission name -> roles, merged from every module's manifest."""

    table: dict[str, tuple[str, ...]]

    def allows(self, role: str, permission: str) -> bool:
        if permission not in self.table:
            raise KeyError(f"unknown permission {permission!r}: declare it in a module manifest")
        return role in self.table[permission]
