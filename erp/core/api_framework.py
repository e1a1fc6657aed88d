"""The conventions every module's JSON API follows, in one place.

``api_route`` declares an endpoint with its permission and marshmallow schemas; it authenticates the
bearer token, activates the user's institution scope, parses and validates input (422 naming the
field), commits the business action as one transaction (rolled back on any error), honours an
``Idempotency-Key`` on document-creating POSTs, serialises the output (or sends a :class:`FileResult` as a
download), and records everything the OpenAPI document needs.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from io import BytesIO
from typing import Callable

from flask import Blueprint, current_app, g, jsonify, request, send_file
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from erp.core.dbutil import concurrency_failure
from erp.core.errors import BusinessError
from erp.core.extensions import db
from erp.core.models import IdempotencyRecord, User
from erp.core.money import MoneyError, decimal_str, parse_amount
from erp.core.request_input import INT_MAX, bad_text_fields, field_paths, out_of_range_ints
from erp.core.scoping import OutOfScope
from erp.core.session_context import activate_user
from erp.core.validation_messages import in_user_language

API_PREFIX = "/api/v1"
JSON = "application/json"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


@dataclass
class Operation:
    """One documented API operation (for the OpenAPI document)."""

    rule: str
    method: str
    summary: str
    permission: str | None
    query: type[Schema] | None
    body: type[Schema] | None
    response: type[Schema] | None
    paged: bool
    status: int
    public: bool
    tags: list[str] = field(default_factory=list)
    produces: tuple[str, ...] = (JSON,)


@dataclass(frozen=True)
class FileResult:
    """A file for a view to return instead of JSON (a PDF, an Excel workbook): sent as an attachment with
    its (Chinese) file name. The route lists the media types it answers with in ``produces=``."""

    content: bytes
    filename: str
    mimetype: str

    def send(self):
        return send_file(BytesIO(self.content), mimetype=self.mimetype, as_attachment=True,
                         download_name=self.filename)


OPERATIONS: list[Operation] = []


def refuse_bad_text() -> None:
    """Before any API view: NUL or a lone surrogate in the path, the query or the JSON body → 422 naming the
    field (code ``invalid_text``)."""
    found = bad_text_fields(request.view_args or {})
    for key, value in request.args.items(multi=True):
        found.update(bad_text_fields({key: value}))
    if request.is_json:
        found.update(bad_text_fields(request.get_json(silent=True)))
    if found:
        raise ApiError(422, "invalid_text", "文本含有不允许的字符 (text with NUL or a lone surrogate)", found)


class DecimalText(fields.Field):
    """A decimal number in as a JSON string or JSON number (exact, see :class:`ExactJSONProvider`), loaded
    as its plain text ("10", "12.5"); the service checks range and places. Out as given."""

    default_error_messages = {"invalid": "应为十进制数，如 \"12.5\" (a decimal number, e.g. \"12.5\")"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.make_error("invalid")
        return str(value)


class AmountField(fields.Field):
    """Money in and out: a decimal string ("1234.50") or an exact JSON number, loaded as a ``Decimal``
    with two places; anything not exact to the fen is refused naming the field (never rounded)."""

    default_error_messages = {"invalid": "金额应为十进制数，如 \"1234.50\" (a decimal amount, e.g. \"1234.50\")"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else decimal_str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise self.make_error("invalid")
        try:  # the sign is the service's rule (a debit must be positive, an adjustment may not be)
            return parse_amount(value if value != "" else "0", field=attr, allow_negative=True)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=INT_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def paginate(statement, page: int, per_page: int) -> tuple[list, int]:
    """One page of an ORM select (scope criteria apply) and the total count."""
    # counted over the statement as a subquery: replacing its columns by count(*) would drop its FROM
    # when nothing else names the table (an unfiltered list counted 1); the scope criteria reach inside
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    def dump(self, schema: Schema) -> dict:
        return {"items": schema.dump(self.items, many=True), "total": self.total, "page": self.page,
                "per_page": self.per_page}


def paged_query(statement, query: dict) -> Page:
    items, total = paginate(statement, query["page"], query["per_page"])
    return Page(items, total, query["page"], query["per_page"])


def bearer_user() -> User:
    from erp.core.security import user_for_token

    header = request.headers.get("Authorization", "")
    match = re.fullmatch(r"Bearer\s+(\S+)", header)
    user = user_for_token(db.session, match.group(1)) if match else None
    if user is None:
        raise ApiError(401, "unauthorized", "a valid bearer token is required (POST /api/v1/auth/token)")
    g.bearer_token = match.group(1)
    return user


def require_permission(user: User, permission: str) -> None:
    if not current_app.extensions["erp"].permissions.allows(user.role, permission):
        raise ApiError(403, "forbidden", f"your role {user.role!r} lacks the permission {permission!r}")


def _request_fingerprint() -> str:
    return hashlib.sha256(request.method.encode() + request.path.encode() + request.get_data()).hexdigest()


def _replay(key: str) -> tuple | None:
    record = db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == g.user.id, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.request_hash != _request_fingerprint():
        raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request",
                       {"Idempotency-Key": ["already used for a different request"]})
    return jsonify(record.response), record.status_code


def _parse(schema_cls: type[Schema] | None, source: str):
    if schema_cls is None:
        return None
    if source == "body":
        data = request.get_json(silent=True)
        if data is None and not request.get_data():
            data = {}  # no body at all: the schema decides (one whose fields are all optional accepts it)
        if data is None and request.is_json and request.get_data():
            raise ApiError(400, "invalid_json", "the request body is not valid JSON",
                           {"_body": ["不是有效的 JSON (not valid JSON)"]})
        if not isinstance(data, dict):
            raise ApiError(400, "bad_request", "the request body must be a JSON object",
                           {"_body": ["应为 JSON 对象 (a JSON object)"]})
    else:
        data = request.args.to_dict()
    loaded = schema_cls().load(data)
    if found := out_of_range_ints(loaded):
        raise ApiError(422, "validation_error", "invalid input", found)
    return loaded


def api_route(bp: Blueprint, rule: str, method: str = "GET", *, permission: str | None, summary: str,
              query: type[Schema] | None = None, body: type[Schema] | None = None,
              response: type[Schema] | None = None, paged: bool = False, status: int = 200,
              idempotent: bool = False, public: bool = False, produces: tuple[str, ...] = (JSON,)) -> Callable:
    """Declare an API endpoint. The view gets ``query=`` / ``body=`` (loaded dicts) and returns the
    object to dump with ``response``, a :class:`Page` of them when ``paged``, a ready dict, or a
    :class:`FileResult` of one of the media types it ``produces`` (e.g. ``(JSON, "application/pdf")``)."""

    def decorator(view: Callable) -> Callable:
        OPERATIONS.append(Operation((bp.url_prefix or "") + rule, method, summary, permission, query, body,
                                    response, paged, status, public, [bp.name], tuple(produces)))

        @wraps(view)
        def endpoint(**url_args):
            if not public:
                g.user = bearer_user()
                activate_user(db.session, g.user)
                if permission:
                    require_permission(g.user, permission)
            key = request.headers.get("Idempotency-Key") if idempotent and method == "POST" else None
            if key and (replayed := _replay(key)):
                return replayed
            kwargs = dict(url_args)
            if query:
                kwargs["query"] = _parse(query, "query")
            if body:
                kwargs["body"] = _parse(body, "body")
            result = view(**kwargs)
            if isinstance(result, FileResult):
                if result.mimetype not in produces:
                    raise TypeError(f"{view.__name__} returned {result.mimetype}, not declared in produces=")
                if method != "GET":
                    db.session.commit()
                return result.send()
            if response is None:
                payload = result
            else:
                payload = result.dump(response()) if paged else response().dump(result)
            if key:
                db.session.add(IdempotencyRecord(user_id=g.user.id, key=key, method=method, path=request.path,
                                                 request_hash=_request_fingerprint(), status_code=status,
                                                 response=payload))
            if method != "GET":
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    if key and (replayed := _replay(key)):
                        return replayed
                    raise
            return jsonify(payload), status

        bp.add_url_rule(rule, view.__name__, endpoint, methods=[method])
        return endpoint

    return decorator


def register_error_handlers(app, web_error: Callable[[int, str | None], object] | None = None) -> None:
    """JSON errors for every /api path; never a 500 for bad input. Other paths get ``web_error(status,
    message)`` (the web UI's error page in its layout; message None: the status's own text)."""

    def page(status: int, message: str | None = None):
        return web_error(status, message) if web_error else (message or "", status)

    def is_api() -> bool:
        return request.path.startswith(API_PREFIX)

    def rollback_then(status, code, message, fields=None):
        db.session.rollback()
        return error_response(status, code, message, fields)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return rollback_then(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        named = {name: [in_user_language(m) for m in found] if isinstance(found, list) else found
                 for name, found in field_paths(messages).items()}
        return rollback_then(422, "validation_error", "invalid input", named)

    @app.errorhandler(BusinessError)
    def _business(exc: BusinessError):
        if not is_api():
            db.session.rollback()
            return page(exc.status, exc.message)
        return rollback_then(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(OutOfScope)
    def _out_of_scope(exc: OutOfScope):
        if not is_api():
            db.session.rollback()
            return page(403, str(exc))
        return rollback_then(403, "out_of_scope", str(exc))

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):
        """A value the database refuses (out of range, malformed) that no schema caught: the client's
        input, so a 422, never a 500. Schemas should catch it first and name the field."""
        db.session.rollback()
        current_app.logger.warning("input refused by the database: %s", exc.orig)
        if not is_api():
            return page(422, "输入的数值无效 (a value is out of range)")
        return error_response(422, "invalid_value", "输入的数值无效 (a value is out of range or malformed)",
                              {"_schema": ["数值超出范围或格式不正确 (a value is out of range or malformed)"]})

    @app.errorhandler(IntegrityError)
    @app.errorhandler(OperationalError)
    def _lost_race(exc):
        """Two requests changed one document at once and the database refused the loser (deadlock,
        serialization failure, a duplicate key): a 409 to retry, never a 500. Anything else stays a 500."""
        db.session.rollback()
        refused = concurrency_failure(exc)
        if refused is None:
            raise exc
        current_app.logger.info("concurrent change refused by the database (%s): %s", refused, exc.orig)
        message = "单据已被他人同时修改，请刷新后重试 (the document was changed concurrently: reload and retry)"
        if not is_api():
            return page(409, message)
        return error_response(409, "conflict", message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not is_api():
            if web_error is None or exc.code is None or exc.code < 400:
                return exc
            custom = exc.description if exc.description != type(exc).description else None
            response = page(exc.code, custom)
            if isinstance(response, tuple):  # keep 405's Allow, 401's WWW-Authenticate
                response = current_app.make_response(response)
                for name, value in exc.get_headers():
                    if name.lower() != "content-type":
                        response.headers[name] = value
            return response
        response, status = rollback_then(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description)
        for name, value in exc.get_headers():  # 405's Allow, 401's WWW-Authenticate
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status

    @app.before_request
    def _refuse_bad_text():
        if is_api():
            refuse_bad_text()
