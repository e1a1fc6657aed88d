"""Declarative markers that the central session rules act on (scoping and audit)."""
from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Scoped:
    """A record that belongs to one institution: queries see only the user's institutions and
    writes outside them are refused, by the session rules in ``erp.core.scoping``."""

    __scope_attr__ = "institution_id"

    @classmethod
    def scope_column(cls):
        return getattr(cls, cls.__scope_attr__)

    def scope_institution_id(self) -> int | None:
        value = getattr(self, self.__scope_attr__)
        if value is None:
            # a pending row linked through its relationship: the foreign key is set only at flush
            related = self.__dict__.get("institution")
            value = related.id if related is not None else None
        return value


class InstitutionOwned(Scoped):
    """Scoped through an ``institution_id`` column."""

    @declared_attr
    def institution_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("institution.id"), index=True)


class Audited:
    """Every create, change and state transition is written to the hash-chained audit log."""

    # attributes whose changes are not worth (or must not be) logged, e.g. password hashes
    __audit_exclude__: frozenset[str] = frozenset()
    # many-to-many collections logged as the related ids (their link table has no record of its own)
    __audit_collections__: tuple[str, ...] = ()
