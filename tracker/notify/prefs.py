"""A person's choice, per notification kind, of the channels besides in-app (mail today)."""

from __future__ import annotations

from .. import audit
from ..accounts import roles
from ..errors import FieldErrors
from ..extensions import db
from ..unit_of_work import unit_of_work
from . import channels
from .handoffs import HANDOFFS, wants


def table(user) -> list[tuple[str, str, dict[str, bool]]]:
    """(kind, label, {channel: on}) for every handoff kind, in the table's order."""
    return [(h.kind, h.label, {c.name: wants(user, h.kind, c.name) for c in channels.CHANNELS}) for h in HANDOFFS]


def save(actor, chosen: dict[str, set[str]]) -> int:
    """Set the actor's own preferences: ``chosen`` maps each channel to the kinds it should carry (every
    other kind is turned off for it). Returns how many choices changed; an event records them."""
    roles.require(actor, "notifications.choose")
    kinds = {h.kind for h in HANDOFFS}
    names = {c.name for c in channels.CHANNELS}
    unknown = [k for ks in chosen.values() for k in ks if k not in kinds] + [c for c in chosen if c not in names]
    if unknown:
        raise FieldErrors({"prefs": "提交的通知类别无法识别，请刷新页面后重新选择。"})
    with unit_of_work():
        from ..accounts.models import User

        user = db.session.get(User, actor.id)
        prefs = {k: dict(v) for k, v in (user.notify_prefs or {}).items()}
        changed: dict[str, list] = {}
        for channel in names:
            for kind in kinds:
                on = kind in chosen.get(channel, set())
                if wants(user, kind, channel) != on:
                    changed[f"{kind}:{channel}"] = [not on, on]
                prefs.setdefault(kind, {})[channel] = on
        user.notify_prefs = prefs
        if changed:
            audit.log("user.notify_prefs_changed", user, actor, changed)
    return len(changed)
