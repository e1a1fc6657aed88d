"""Sign-in: hashed passwords, generic failures, lock-out, hashed expiring revocable tokens, CSRF."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from erp.core.extensions import db
from erp.core.models import ApiToken, AuditEntry, User
from erp.core.timeutil import utcnow


def _token(client, username="finance", password="yigong2026"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_token_is_stored_only_as_a_hash_and_expires(app, demo):
    client = app.test_client()
    response = _token(client)
    assert response.status_code == 201
    token = response.json["token"]
    stored = db.session.scalars(select(ApiToken)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert 11 * 3600 < (stored.expires_at - utcnow()).total_seconds() <= 12 * 3600
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["role"] == "finance"
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401 and expired.json["error"]["code"] == "unauthorized"


def test_revoked_token_no_longer_works(demo, api):
    client = api("hr")
    assert client.get("/api/v1/me").status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_and_unknown_user_get_the_same_answer(app, demo):
    client = app.test_client()
    wrong_password = _token(client, "finance", "nope-nope")
    unknown_user = _token(client, "nobody", "yigong2026")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json == unknown_user.json


def test_five_failures_lock_the_account_for_a_while_and_it_is_audited(app, demo):
    client = app.test_client()
    for _ in range(5):
        assert _token(client, "chief", "wrong-password").status_code == 401
    # the right password does not open a locked account, and the answer does not say why
    locked = _token(client, "chief", "yigong2026")
    assert locked.status_code == 401
    assert locked.json == _token(client, "chief", "wrong-password").json
    user = db.session.scalar(select(User).where(User.username == "chief"))
    assert user.locked_until > utcnow() + timedelta(minutes=14)
    lock = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "lock")).one()
    assert lock.after["username"] == "chief"
    # after the lock expires the right password works again
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _token(client, "chief", "yigong2026").status_code == 201


def test_passwords_are_hashed(demo):
    user = db.session.scalar(select(User).where(User.username == "finance"))
    assert "yigong2026" not in user.password_hash and user.password_hash.startswith("pbkdf2:")


def test_api_without_token_is_401_with_json_error(app, demo):
    response = app.test_client().get("/api/v1/institutions")
    assert response.status_code == 401
    assert set(response.json["error"]) == {"code", "message", "fields"}


def test_web_login_needs_csrf_and_sets_httponly_samesite_cookie(app, demo, web):
    client = app.test_client()
    no_csrf = client.post("/login", data={"username": "finance", "password": "yigong2026"})
    assert no_csrf.status_code == 400
    assert client.get("/").status_code == 302  # still signed out: redirected to the login page
    signed_in = web("finance")
    cookie = signed_in.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    page = signed_in.get("/").get_data(as_text=True)
    assert "清河县紧密型县域医疗卫生共同体" in page
    # a form post without the CSRF token is refused even when signed in
    assert signed_in.post("/logout").status_code == 400


def test_web_login_failure_message_is_generic(app, demo):
    from tests.conftest import csrf_token

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": "finance", "password": "bad-password",
                                           "csrf_token": csrf_token(page)})
    assert "用户名或密码错误" in response.get_data(as_text=True)
