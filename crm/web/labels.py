"""Display names of the enumerations, translated (Chinese first)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.models import BoothType, CompanyKind, ExhibitorOrigin, Role

ROLE_LABELS = {
    Role.TELESALES: _l("Telesales"),
    Role.MARKET_SUPERVISOR: _l("Market-expansion supervisor"),
    Role.EXECUTOR: _l("Executor"),
    Role.EXECUTION_SUPERVISOR: _l("Execution supervisor"),
    Role.DESIGNER: _l("Designer"),
    Role.FINANCE: _l("Finance"),
    Role.GENERAL_MANAGER: _l("General manager"),
    Role.ADMIN: _l("Administrator"),
}
KIND_LABELS = {
    CompanyKind.EXHIBITOR: _l("Exhibitor"),
    CompanyKind.ORGANIZER: _l("Organizer"),
    CompanyKind.COMPETITOR: _l("Competitor"),
    CompanyKind.AGENT: _l("Agent / trading company"),
    CompanyKind.MEDIA: _l("Media"),
    CompanyKind.VENUE_OPERATOR: _l("Venue operator"),
    CompanyKind.PAVILION_ORGANIZER: _l("Pavilion organizer"),
}
BOOTH_TYPE_LABELS = {
    BoothType.SPECIAL: _l("Special build"),
    BoothType.STANDARD: _l("Standard booth"),
    BoothType.RAW_SPACE: _l("Raw space"),
}
ORIGIN_LABELS = {
    ExhibitorOrigin.DOMESTIC: _l("Domestic"),
    ExhibitorOrigin.FOREIGN: _l("Foreign"),
    ExhibitorOrigin.AGENT: _l("Agent"),
}


def choices(labels: dict, blank: bool = False) -> list[tuple[str, str]]:
    """Turn a label map into WTForms choices."""
    items = [(key.value, label) for key, label in labels.items()]
    return [("", "—")] + items if blank else items


def label(labels: dict, value: str | None) -> str:
    if not value:
        return ""
    for key, text in labels.items():
        if key.value == value:
            return str(text)
    return value
