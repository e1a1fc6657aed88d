"""Marshmallow schemas of the procurement API (one file per business object)."""
