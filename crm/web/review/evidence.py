"""The evidence of a match as a reviewer reads it: what agreed, what differed, and why.

`matching.compare` records its evidence as data (field names, the name comparison, the
places, the shared keys); this turns it into labelled lines in the reader's language.
Keys it does not know (evidence stored by an older version) are shown as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.services import matching

FIELDS = {
    "name": _l("name"),
    "region": _l("place"),
    "phone": _l("phone"),
    "website": _l("website"),
    "email_domain": _l("e-mail domain"),
    "credit_code": _l("credit code"),
    "sound": _l("trade names sound alike in the same place and trade"),
}
HOW = {
    "same trade name": _l("same trade name"),
    matching.SOUND_ALIKE: _l("trade names sound alike (same pinyin)"),
    "trade names differ": _l("trade names differ"),
    "trade names match in pinyin": _l("trade names match in pinyin"),
}
RELATIONS = {
    "same": _l("the same place"),
    "conflict": _l("different places"),
    "unknown": _l("not known on one side"),
}
KEY_KINDS = {"tel": _l("phone"), "web": _l("website"), "mail": _l("e-mail domain")}
KNOWN = {"agreed", "differed", "name", "region", "keys", "branch", "marked_different", "score"}


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    tone: str = ""  # "agree", "differ" or "" (information)


def describe(evidence: dict[str, Any] | None) -> list[Line]:
    """The lines of the evidence table, most telling first."""
    evidence = evidence or {}
    lines: list[Line] = []
    agreed = [_field(f) for f in evidence.get("agreed") or []]
    differed = [_field(f) for f in evidence.get("differed") or []]
    if agreed:
        lines.append(Line(_("Agreed"), _list(agreed), "agree"))
    if differed:
        lines.append(Line(_("Differed"), _list(differed), "differ"))
    name = evidence.get("name")
    if isinstance(name, dict):
        lines += _name_lines(name)
    region = evidence.get("region")
    if isinstance(region, dict):
        relation = str(RELATIONS.get(region.get("relation"), region.get("relation") or ""))
        places = f"{region.get('a') or '—'} ↔ {region.get('b') or '—'}"
        tone = {"same": "agree", "conflict": "differ"}.get(region.get("relation"), "")
        lines.append(Line(_("Place"), f"{places} · {relation}", tone))
    if evidence.get("keys"):
        lines.append(Line(_("Shared phone, website or e-mail domain"),
                          _list(_key(k) for k in evidence["keys"]), "agree"))
    if evidence.get("branch"):
        lines.append(Line(_("Branch"), _("one of the two is a branch office"), "differ"))
    if evidence.get("marked_different"):
        lines.append(Line(_("Decided before"), _("marked as different companies"), "differ"))
    for key, value in evidence.items():
        if key not in KNOWN:
            lines.append(Line(str(key), str(value)))
    return lines


def _name_lines(name: dict[str, Any]) -> list[Line]:
    lines = []
    if name.get("a") or name.get("b"):
        lines.append(Line(_("Names compared"), f"{name.get('a') or '—'} ↔ {name.get('b') or '—'}"))
    how = name.get("how")
    if how:
        trade = name.get("trade") or []
        pair = " ↔ ".join(str(t) for t in trade) if trade else ""
        scores = _("trade name %(trade)s, trade words %(industry)s",
                   trade=_percent(name.get("trade_score")),
                   industry=_percent(name.get("industry_score")))
        text = " · ".join(p for p in (pair, str(HOW.get(how, how)), scores) if p)
        tone = "agree" if how == "same trade name" else ""
        lines.append(Line(_("Trade name (字号)"), text, tone))
    return lines


def _field(name: Any) -> str:
    return str(FIELDS.get(name, name)) if isinstance(name, str) else str(name)


def _key(text: str) -> str:
    kind, _sep, value = str(text).partition(":")
    label = KEY_KINDS.get(kind)
    return f"{label} {value}" if label else str(text)


def _percent(value: Any) -> str:
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return "—"


def _list(items) -> str:
    return _(", ").join(items)
