"""A race the row locks did not prevent, refused by the database itself (deadlock, serialization failure, lock
not available, a duplicate key), answers 409 ``conflict`` — to the API as JSON, to the web as the error page —
never a 500; any other database failure is still a server error."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from erp import create_app
from erp.core.config import TestConfig
from erp.core.dbutil import concurrency_failure


class DriverError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.fixture
def raising_app(tmp_path):
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                                               "WTF_CSRF_ENABLED": False}))
    failures = {"deadlock": OperationalError("UPDATE sequence_counter …", {}, DriverError("40P01")),
                "serialization": OperationalError("UPDATE voucher …", {}, DriverError("40001")),
                "nowait": OperationalError("SELECT … FOR UPDATE NOWAIT", {}, DriverError("55P03")),
                "duplicate": IntegrityError("INSERT INTO voucher …", {}, DriverError("23505")),
                "outage": OperationalError("SELECT 1", {}, DriverError("08006")),
                "check": IntegrityError("INSERT INTO voucher_line …", {}, DriverError("23514"))}

    def fail(name):
        raise failures[name]

    app.add_url_rule("/api/v1/test-race/<name>", "api_race", fail, methods=["POST"])
    app.add_url_rule("/test-race/<name>", "web_race", fail, methods=["POST"])
    return app


@pytest.mark.parametrize("name", ["deadlock", "serialization", "nowait", "duplicate"])
def test_a_lost_race_is_a_409_conflict(raising_app, name):
    client = raising_app.test_client()
    response = client.post(f"/api/v1/test-race/{name}")
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict", response.json
    assert "重试" in response.json["error"]["message"]
    page = client.post(f"/test-race/{name}")
    assert page.status_code == 409 and "重试" in page.get_data(as_text=True)


@pytest.mark.parametrize("name", ["outage", "check"])
def test_other_database_failures_are_not_disguised_as_conflicts(raising_app, name):
    raising_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises((OperationalError, IntegrityError)):
        raising_app.test_client().post(f"/api/v1/test-race/{name}")


def test_sqlite_reports_a_duplicate_key_in_its_message():
    import sqlite3

    error = IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed: voucher.number"))
    assert concurrency_failure(error) == "unique violation"
    assert concurrency_failure(IntegrityError("INSERT …", {}, sqlite3.IntegrityError("NOT NULL constraint failed"))) \
        is None
