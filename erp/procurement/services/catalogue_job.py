"""The catalogue import as a background job (:mod:`erp.core.jobs`): the page and the API submit the workbook and
answer at once with the job; the job page (``/jobs/{id}``), ``GET /api/v1/jobs/{id}`` and ``erp jobs wait``
show its progress — checking the rows is the first half, writing them the second. Its result file is the
import report: the counts and the code warnings, or, when any row is wrong, every error (nothing imported:
the job's transaction is rolled back and the job fails with the message)."""
from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from erp.core import jobs
from erp.core.api_framework import FileResult
from erp.core.models import Job, User
from erp.core.rendering import XLSX_MIMETYPE
from erp.core.security import require_whole_community
from erp.procurement.services.catalogue_import import (CatalogueImportFailed, error_report, import_catalogue,
                                                       result_report)


def submit_import(session: Session, user: User, data: bytes, filename: str) -> Job:
    """Queue the import of ``data`` (an .xlsx) into the user's community catalogue; runs once ``session``
    commits. Refused (403) unless the user's scope is the whole community: the catalogue is the community's."""
    require_whole_community(user, "统一用药目录")
    name = filename or "目录.xlsx"
    return jobs.submit(session, run_import, user.community_id, base64.b64encode(data).decode("ascii"), name,
                       title=f"导入统一用药目录 {name}", user=user)


def run_import(context, community_id: int, data: str, filename: str) -> dict:
    """The job: import, reporting progress; attach the report; answer the counts."""
    stem = filename.rsplit(".", 1)[0] or "目录"

    def progress(stage: str, done: int, total: int) -> None:
        message = (f"已写入 {done} / {total} 行 (wrote {done} of {total} rows)" if stage == "write"
                   else f"已检查 {done} / {total} 行 (checked {done} of {total} rows)")
        context.progress(done + (total if stage == "write" else 0), 2 * total, message)

    try:
        result = import_catalogue(context.session, community_id, base64.b64decode(data), progress)
    except CatalogueImportFailed as failure:
        context.attach(FileResult(error_report(failure.errors, filename), f"目录导入错误-{stem}.xlsx", XLSX_MIMETYPE))
        raise
    context.attach(FileResult(result_report(result, filename), f"目录导入结果-{stem}.xlsx", XLSX_MIMETYPE))
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "warnings": len(result.warnings)}
