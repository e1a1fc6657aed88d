"""Core signals reach the receivers a manifest declares, for that app only."""
from __future__ import annotations

import pytest
from flask import Flask

from erp.core import signals


def test_a_receiver_hears_its_own_app_only():
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender.name, kwargs["institution"]))

    first, second = Flask("first"), Flask("second")
    signals.connect_hooks(first, {"institution_created": "receiver"}, {"receiver": receiver}.__getitem__)
    try:
        with first.app_context():
            signals.send(signals.institution_created, session=None, institution="QH001")
        with second.app_context():
            signals.send(signals.institution_created, session=None, institution="QH002")
    finally:
        signals.institution_created.disconnect(receiver, sender=first)
    assert heard == [("first", "QH001")]


def test_a_receiver_may_refuse_by_raising():
    class Refused(Exception):
        pass

    def refuse(sender, **kwargs):
        raise Refused(kwargs["voucher"])

    app = Flask("refusing")
    signals.connect_hooks(app, {"before_post": ("refuse",)}, {"refuse": refuse}.__getitem__)
    try:
        with app.app_context(), pytest.raises(Refused, match="V1"):
            signals.send(signals.before_post, session=None, voucher="V1", source=None)
    finally:
        signals.before_post.disconnect(refuse, sender=app)


def test_an_unknown_signal_name_in_a_manifest_is_an_error():
    with pytest.raises(KeyError, match="before_posting"):
        signals.connect_hooks(Flask("x"), {"before_posting": "r"}, lambda path: print)


def test_the_enabled_modules_hooks_are_connected(app):
    """Every receiver a loaded manifest declares is connected for the app."""
    for manifest in app.extensions["erp"].registry:
        for name, paths in manifest.hooks.items():
            connected = signals.SIGNALS[name].receivers_for(app)
            assert len(list(connected)) >= len((paths,) if isinstance(paths, str) else paths)
