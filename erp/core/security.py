"""Roles, permissions, password sign-in with lock-out, API tokens, and the user's scope."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from erp.core import audit
from erp.core.errors import Forbidden
from erp.core.models import ApiToken, Institution, LoginThrottle, User
from erp.core.registry import N_
from erp.core.scoping import Scope
from erp.core.timeutil import utcnow

ROLES: dict[str, str] = {  # titles marked for the catalogue (the header shows them in the user's language)
    "admin": N_("系统管理员"),
    "finance": N_("医共体财务"),
    "chief_accountant": N_("总会计师"),
    "accountant": N_("成员单位会计"),
    "clerk": N_("成员单位经办"),
    "procurement": N_("采购员"),
    "pharmacy": N_("药库/仓库管理员"),
    "hr": N_("人事专员"),
    "auditor": N_("审计"),
}
ALL_ROLES = tuple(ROLES)
READ_ONLY_ROLES = frozenset({"auditor"})


class AuthenticationFailed(Exception):
    """Wrong username or password, or a locked account: deliberately one message for all."""

    message = "用户名或密码错误，或账户已被暂时锁定 (invalid credentials or account locked)"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone types, in the configured method: checked when there is no usable account, so
    that an unknown user, a locked account and a wrong password cost the same one hash check."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_urlsafe(32))
    return _DUMMY_HASHES[method]


def authenticate(session: Session, username: str, password: str, address: str | None = None) -> User:
    """Check a password with the same work whatever the outcome; count failures atomically per account and
    per source address, and lock either for a while after too many (a locked one refuses the right password)."""
    config = current_app.config
    now = utcnow()
    user = session.scalar(select(User).where(User.username == username))
    usable = user is not None and user.active
    matches = check_password_hash(user.password_hash if usable else _dummy_hash(), password)
    account_locked = usable and user.locked_until is not None and user.locked_until > now
    if address is not None and _address_locked(session, address, now):
        session.rollback()
        raise AuthenticationFailed()
    if matches and usable and not account_locked:
        # granted only if no concurrent failure locked the account since it was read (one row, one statement)
        granted = session.execute(
            update(User).where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
            .values(failed_logins=0, locked_until=None, last_login_at=now).returning(User.id)
            .execution_options(synchronize_session=False)).scalar()
        if granted is not None:
            session.commit()
            session.refresh(user)
            return user
    if usable and not account_locked and not matches:
        _count_account_failure(session, user, now)
    if address is not None and not matches:
        _count_address_failure(session, address, now)
    session.commit()
    raise AuthenticationFailed()


def _count_account_failure(session: Session, user: User, now: datetime) -> None:
    """``failed_logins + 1`` in the database, locking (and restarting the count) at the limit, atomically."""
    limit, until = current_app.config["LOGIN_MAX_FAILURES"], now + current_app.config["LOGIN_LOCK_DURATION"]
    reached = User.failed_logins + 1 >= limit
    locked = session.execute(
        update(User).where(User.id == user.id)
        .values(failed_logins=case((reached, 0), else_=User.failed_logins + 1),
                locked_until=case((reached, until), else_=User.locked_until))
        .returning(User.locked_until).execution_options(synchronize_session=False)).scalar_one()
    if locked == until:
        audit.log_event(session, "lock", "User", str(user.id),
                        details={"username": user.username, "locked_until": until.isoformat()})


def _count_address_failure(session: Session, address: str, now: datetime) -> None:
    window = current_app.config["LOGIN_LOCK_DURATION"]
    table = LoginThrottle.__table__
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stale = table.c.window_start <= now - window
    # rows of windows that have ended count nothing any more: drop them, so that many addresses (a scan, a
    # botnet) cannot grow the table without bound
    session.execute(delete(table).where(stale, table.c.address != address[:64]))
    session.execute(insert(table).values(address=address[:64], failures=1, window_start=now).on_conflict_do_update(
        index_elements=[table.c.address],
        set_={"failures": case((stale, 1), else_=table.c.failures + 1),
              "window_start": case((stale, now), else_=table.c.window_start)}))


def _address_locked(session: Session, address: str, now: datetime) -> bool:
    config = current_app.config
    row = session.get(LoginThrottle, address[:64])
    return (row is not None and row.window_start > now - config["LOGIN_LOCK_DURATION"]
            and row.failures >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"])


def end_sessions(session: Session, user: User) -> None:
    """Sign out everywhere: the session cookies carry the generation, which no longer matches."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_generation=User.session_generation + 1)
                    .execution_options(synchronize_session=False))
    session.commit()


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a session cookie names (``"id:generation"``), if the account is active and not signed out
    since the cookie was issued."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii() and generation.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
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


def may_change_community_settings(user: User | None) -> bool:
    """Community-wide settings (the 平行记账 mapping, the posting templates …) are changed only by a user whose
    scope is the whole community (a system session, no user, may)."""
    return user is None or user.whole_community


def require_whole_community(user: User | None, setting: str) -> None:
    """Refuse (403) unless :func:`may_change_community_settings`; ``setting`` names it in the refusal."""
    if not may_change_community_settings(user):
        raise Forbidden(f"{setting}由医共体统一维护，仅限全医共体范围的用户修改 "
                        f"(a community-wide setting: only a whole-community user changes it)",
                        code="community_wide_setting")


def scope_for(session: Session, user: User) -> Scope:
    """The institutions a user may see: those listed (with their village clinics), else the community."""
    listed = user.listed_institution_ids()
    if not listed:
        ids = session.scalars(select(Institution.id).where(Institution.community_id == user.community_id))
        institution_ids = frozenset(ids)
    else:
        # A township centre's users manage its village clinics too (乡村一体化).
        children = session.scalars(select(Institution.id).where(Institution.parent_id.in_(listed)))
        institution_ids = frozenset(listed | set(children))
    return Scope(user.community_id, institution_ids, not listed, user.role in READ_ONLY_ROLES)


@dataclass(frozen=True)
class Permissions:
    """permission name -> roles, merged from every module's manifest."""

    table: dict[str, tuple[str, ...]]

    def allows(self, role: str, permission: str) -> bool:
        if permission not in self.table:
            raise KeyError(f"unknown permission {permission!r}: declare it in a module manifest")
        return role in self.table[permission]
