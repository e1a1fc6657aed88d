"""The English catalogue is complete: every message of the code and templates is in it (`make translations` was
run), translated and not fuzzy, and the compiled .mo is the .po's current text — an untranslated string shows
Chinese in the English UI, which no page test would notice."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "translations" / "en" / "LC_MESSAGES"
# as babel.cfg and `make translations` (-k _l -k N_) read the source
METHODS = [("erp/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}


def _catalogue():
    with open(CATALOGUE / "messages.po", "rb") as po:
        return read_po(po)


def _untranslated(catalogue) -> list[str]:
    """The msgids an English reader would see in Chinese: empty (or a plural form empty) or fuzzy."""
    return [message.id if isinstance(message.id, str) else message.id[0] for message in catalogue
            if message.id and (message.fuzzy or not all(message.string if isinstance(message.string, tuple)
                                                          else [message.string]))]


def test_every_english_message_is_translated():
    catalogue = _catalogue()
    assert len(catalogue) > 100, "the English catalogue was not found"
    assert _untranslated(catalogue) == []


def test_the_catalogue_holds_every_message_of_the_source():
    """A string added to the code or a template without `make translations` is in no catalogue at all."""
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in _catalogue()}
    extracted = {(message if isinstance(message, str) else message[0]): f"{filename}:{line}"
                 for filename, line, message, _comments, _context
                 in extract_from_dir(str(REPO), METHODS, keywords=KEYWORDS)}
    assert extracted, "nothing was extracted from the source"
    assert {msgid: where for msgid, where in extracted.items() if msgid not in known} == {}


def test_the_compiled_catalogue_is_the_current_one():
    with open(CATALOGUE / "messages.mo", "rb") as mo:
        compiled = {message.id: message.string for message in read_mo(mo) if message.id}
    assert compiled == {message.id: message.string for message in _catalogue() if message.id}


def test_an_untranslated_or_fuzzy_message_is_reported():
    from babel.messages.catalog import Catalog

    catalogue = Catalog(locale="en")
    catalogue.add("预算", "Budget")
    catalogue.add("预占", "")
    catalogue.add("红字冲销", "Red-ink reversal", flags=["fuzzy"])
    assert _untranslated(catalogue) == ["预占", "红字冲销"]
