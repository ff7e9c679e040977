"""What an import says about a row: plain English where it is made, the reader's language
where it is shown.

Every row message is one of the templates below, filled with its values (`say`). The text
is kept and printed in English (the CLI, `--json`, the row trail in the database); a page
or the rejected-rows workbook shows it in the reader's language (`localize`), matching it
back to its template. One list, so a new message cannot be made without being shown in
Chinese too (tests/importers/test_messages.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache



def N_(message: str) -> str:
    """Mark a template for translation (extracted like crm.services.errors.N_); the importers
    stay clear of the services and the database."""
    return message


TOO_LONG = N_("%(field)s is %(length)s characters long; at most %(limit)s are allowed")
NAME_TOO_LONG = N_("name is %(length)s characters long; at most %(limit)s are allowed")
ROW_NAME_TOO_LONG = N_("The name is %(length)s characters long; a company name has at most "
                       "%(limit)s.")
NO_LETTERS = N_("'%(value)s' is not a company name (it has no letters)")
TOTAL_LINE = N_("'%(value)s' is a total line, not a company")
NO_NAME = N_("no company name")
NO_NAME_RECORD = N_("No company name.")
NO_NAME_ON_CARD = N_("No company name on the card.")
NO_PERSON = N_("no name for the person")
PHONE_TOO_LONG = N_("phone '%(value)s…' is too long to be a phone number")
NO_DIGITS = N_("'%(value)s' is not a phone number (it has no digits)")
BAD_EMAIL = N_("e-mail '%(value)s' is not a valid address")
BAD_AREA = N_("area '%(value)s' is not a number")
AREA_TOO_LARGE = N_("area '%(value)s' is larger than any booth (%(limit)s m² at most)")
BAD_WEBSITE = N_("website '%(value)s' is not a web address")
BAD_CREDIT_CODE = N_("credit code '%(value)s' is not a valid unified social credit code")

# Tried in this order: a template opening with a value (TOO_LONG) comes after those it
# could swallow ("name is … characters long").
TEMPLATES = (NAME_TOO_LONG, ROW_NAME_TOO_LONG, NO_LETTERS, TOTAL_LINE, NO_NAME,
             NO_NAME_RECORD, NO_NAME_ON_CARD, NO_PERSON, PHONE_TOO_LONG, NO_DIGITS, BAD_EMAIL,
             BAD_AREA, AREA_TOO_LARGE, BAD_WEBSITE, BAD_CREDIT_CODE, TOO_LONG)


def say(template: str, **values: object) -> str:
    """The message in English, its values filled in."""
    return template % values


def localize(message: str | None, gettext: Callable[[str], str]) -> str | None:
    """The message in the language of `gettext`; a message of no template stays as it is."""
    if not message:
        return message
    for pattern, template in _patterns():
        match = pattern.fullmatch(message)
        if match:
            return gettext(template) % match.groupdict()
    return message


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in TEMPLATES:
        escaped = re.escape(template)
        pattern = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.*)", escaped)
        out.append((re.compile(pattern, re.DOTALL), template))
    return out
