"""Business errors raised by services; the API turns them into JSON, the web UI into messages."""
from __future__ import annotations


class BusinessError(Exception):
    """A rule refused the action. ``fields`` names the offending inputs."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    @classmethod
    def for_field(cls, field: str, message: str, code: str | None = None) -> "BusinessError":
        return cls(message, {field: [message]}, code)

    def within(self, prefix: str) -> "BusinessError":
        """The same error with its fields and message naming the part of the input it is about
        (``vouchers[12].lines[1].account``, ``issuer.lines[0].debit``); returns itself."""
        self.fields = {f"{prefix}.{name}": messages for name, messages in self.fields.items()} or {prefix: [self.message]}
        self.message = f"{prefix}: {self.message}"
        self.args = (self.message,)
        return self


class NotFound(BusinessError):
    status = 404
    code = "not_found"


class Conflict(BusinessError):
    """The record's state does not allow the action (e.g. posting a posted voucher)."""

    status = 409
    code = "conflict"


class Forbidden(BusinessError):
    status = 403
    code = "forbidden"
