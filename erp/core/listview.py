"""The reusable list view: pagination, filters, sort and Excel export over a scoped ORM select."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from io import BytesIO

from flask import render_template, request, send_file, url_for

from erp.core.api_framework import paginate
from erp.core.extensions import db
from erp.core.formatting import format_amount
from erp.core.request_input import INT_MAX
from erp.core.rendering import build_xlsx
from erp.core.timeutil import to_local, utcnow


MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | amount | int | date
    sort: Any = None  # the SQL expression to order by, when sortable
    value: Callable[[Any], Any] | None = None

    def get(self, row) -> Any:
        return self.value(row) if self.value else getattr(row, self.key)

    def display(self, row) -> Any:
        """The cell as the page shows it: an amount grouped to the fen (420,000.00); Excel keeps the number."""
        value = self.get(row)
        if self.kind == "amount" and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return format_amount(value)
        return value


@dataclass(frozen=True)
class Filter:
    key: str
    label: str
    apply: Callable[[Any, str], Any]  # (statement, value) -> statement
    choices: tuple[tuple[str, str], ...] = ()
    input: str = "text"  # the input's type when there are no choices, e.g. "date"


@dataclass
class ListView:
    title: str
    statement: Any
    columns: list[Column]
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = ""
    per_page: int = 50
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    row_url: Callable[[Any], str] | None = None
    template: str = "list.html"  # a page extending list.html (its blocks) for a list of its own
    context: dict = field(default_factory=dict)  # what that page needs besides the list

    def _query(self):
        statement = self.statement
        values = {f.key: request.args.get(f.key, "").strip() for f in self.filters}
        for flt in self.filters:
            if values[flt.key]:
                statement = flt.apply(statement, values[flt.key])
        sortable = {c.key: c.sort for c in self.columns if c.sort is not None}
        sort = request.args.get("sort", self.default_sort)
        if sort.lstrip("-") not in sortable:  # an unknown column (a typed or stale link): the list's own order
            sort = self.default_sort
        if sort.lstrip("-") in sortable:
            expression = sortable[sort.lstrip("-")]
            statement = statement.order_by(expression.desc() if sort.startswith("-") else expression)
        return statement, values, sort

    def render(self):
        statement, values, sort = self._query()
        if request.args.get("export") == "xlsx":
            return self._xlsx(db.session.scalars(statement))
        # bounded like the API's page (PageQuery): ?page=99999999999999999999 is an empty page, not an overflow
        page = min(max(request.args.get("page", 1, type=int), 1), INT_MAX)
        per_page = min(max(request.args.get("per_page", self.per_page, type=int), 1), MAX_PER_PAGE)
        items, total = paginate(statement, page, per_page)
        pages = max((total + per_page - 1) // per_page, 1)
        return render_template(self.template, view=self, items=items, total=total, page=page, pages=pages,
                               values=values, sort=sort, link=self._link, **self.context)

    @staticmethod
    def _link(**changes) -> str:
        args = {**request.args.to_dict(), **changes}
        args.pop("export", None)
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def _xlsx(self, items):
        columns = [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns]
        data = build_xlsx(self.title, columns, [{c.key: c.get(item) for c in self.columns} for item in items])
        name = f"{self.title}-{to_local(utcnow()):%Y%m%d%H%M}.xlsx"
        return send_file(BytesIO(data), download_name=name, as_attachment=True,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
