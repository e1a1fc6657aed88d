"""Sign-in hardening: atomic failure counts and lock-out per account and per address (threads on PostgreSQL),
the same work whatever the outcome, and sign-out that kills the session cookie server-side."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from erp.core import security
from erp.core.extensions import db
from erp.core.models import LoginThrottle, User
from erp.core.timeutil import utcnow
from tests.conftest import csrf_token


def _token(client, username="finance", password="yigong2026", address="127.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_a_cookie_captured_before_sign_out_no_longer_works(app, demo, web):
    client = web("finance")
    assert client.get("/").status_code == 200
    captured = client.get_cookie("session").value
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", captured)
    assert attacker.get("/").status_code == 302  # sent to the login page
    assert web("finance").get("/").status_code == 200  # signing in again works


@pytest.mark.parametrize("case", ["unknown user", "wrong password", "locked account", "inactive user"])
def test_every_failure_does_the_same_one_hash_check(app, demo, monkeypatch, case):
    user = db.session.scalar(select(User).where(User.username == "chief"))
    if case == "locked account":
        user.locked_until = utcnow() + timedelta(minutes=5)
    if case == "inactive user":
        user.active = False
    db.session.commit()
    calls = {"check": 0, "generate": 0}
    real_check = security.check_password_hash
    security._dummy_hash()  # made once per process, like the first request after start
    monkeypatch.setattr(security, "check_password_hash",
                        lambda *args: calls.__setitem__("check", calls["check"] + 1) or real_check(*args))
    monkeypatch.setattr(security, "generate_password_hash",
                        lambda *args, **kwargs: calls.__setitem__("generate", calls["generate"] + 1))
    username = "nobody" if case == "unknown user" else "chief"
    password = "yigong2026" if case != "wrong password" else "wrong-password"
    with app.test_request_context():
        with pytest.raises(security.AuthenticationFailed):
            security.authenticate(db.session, username, password, "10.0.0.1")
    assert calls == {"check": 1, "generate": 0}


def test_too_many_failures_from_one_address_lock_it_for_every_account(app, demo):
    client = app.test_client()
    users = ["finance", "chief", "accountant", "clerk", "hr"]
    for attempt in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        assert _token(client, users[attempt % 5], "wrong", "10.9.9.9").status_code == 401
    assert _token(client, "admin", "yigong2026", "10.9.9.9").status_code == 401  # the address is locked
    assert _token(client, "admin", "yigong2026", "10.9.9.8").status_code == 201  # another is not


def test_ended_windows_are_dropped_so_many_addresses_cannot_grow_the_throttle_table(app, demo):
    window = app.config["LOGIN_LOCK_DURATION"]
    long_ago = utcnow() - window - timedelta(seconds=1)
    db.session.add_all([LoginThrottle(address=f"10.1.0.{n}", failures=2, window_start=long_ago) for n in range(50)])
    db.session.add(LoginThrottle(address="10.2.0.1", failures=2, window_start=utcnow()))
    db.session.commit()
    assert _token(app.test_client(), "finance", "wrong", "10.3.0.1").status_code == 401
    left = dict(db.session.execute(select(LoginThrottle.address, LoginThrottle.failures)).all())
    assert left == {"10.2.0.1": 2, "10.3.0.1": 1}  # the current windows stay, the ended ones are gone


def _at_once(app, requests: list[tuple[str, str]]) -> list[int]:
    barrier = threading.Barrier(len(requests))
    results: list[int] = [0] * len(requests)

    def send(index, username, password):
        client = app.test_client()
        barrier.wait()
        results[index] = _token(client, username, password, f"10.1.0.{index}").status_code

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_forty_concurrent_wrong_passwords_lock_the_account(app, demo):
    results = _at_once(app, [("chief", "wrong-password")] * 40)
    assert results == [401] * 40
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "chief"))
    assert user.locked_until is not None and user.locked_until > utcnow() + timedelta(minutes=14)
    assert _token(app.test_client(), "chief", "yigong2026", "10.2.0.1").status_code == 401


@pytest.mark.postgres
def test_the_right_password_among_nineteen_wrong_ones_does_not_unlock_the_account(app, demo):
    results = _at_once(app, [("chief", "wrong-password")] * 19 + [("chief", "yigong2026")])
    assert results[:19] == [401] * 19
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "chief"))
    # whatever the order, the account ends locked: a success never overwrites a concurrent lock
    assert user.locked_until is not None and user.locked_until > utcnow() + timedelta(minutes=14)
    assert _token(app.test_client(), "chief", "yigong2026", "10.2.0.1").status_code == 401


def test_pages_send_the_security_headers(app, demo, web):
    for response in (app.test_client().get("/login"), web("finance").get("/")):
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert not re.search(r"\son[a-z]+=", response.get_data(as_text=True))  # no inline event handler


def _login_cookie(client, base_url: str):
    page = client.get("/login", base_url=base_url).get_data(as_text=True)
    client.post("/login", base_url=base_url, data={"username": "finance", "password": "yigong2026",
                                                   "csrf_token": csrf_token(page)})
    return client.get_cookie("session", domain="localhost")


def test_the_session_cookie_is_secure_over_https_only(app, demo):
    assert _login_cookie(app.test_client(), "https://localhost").secure
    assert not _login_cookie(app.test_client(), "http://localhost").secure


def test_behind_a_proxy_the_forwarded_scheme_and_address_count():
    from erp import create_app
    from erp.core.config import TestConfig

    app = create_app(type("Proxied", (TestConfig,), {"PROXY_HOPS": 1, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))

    @app.get("/_seen")
    def seen():
        from flask import request

        return f"{request.scheme} {request.remote_addr}"

    answer = app.test_client().get("/_seen", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.7.7.7"})
    assert answer.get_data(as_text=True) == "https 10.7.7.7"
