"""Phones as typed and as normalised: E.164, extension, mobile or landline (+86 by default)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import (COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumberFormat,
                          PhoneNumberType)

DEFAULT_REGION = "CN"
MAX_EXTENSION = 10  # the extension columns are String(10)
# Chinese ways of writing an extension: 转, 分机, 内线; also "-ext" written as "#".
_EXTENSION = re.compile(r"\s*(?:转|分机|內線|内线|ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.I)
_SPLIT = re.compile(r"[;；,，/、|]|\s{2,}|\n")


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str | None
    extension: str | None
    kind: str  # mobile / landline / unknown

    @property
    def national_digits(self) -> str | None:
        """The national number without trunk prefix, e.g. 2188888888 for 021-88888888."""
        if not self.e164:
            return None
        digits = self.e164[1:]
        if self.e164.startswith("+") and digits.isdigit():
            # Country calling codes are prefix-free: the first one to match is the one.
            for size in (1, 2, 3):
                if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE and digits[size:]:
                    return str(int(digits[size:]))
        return str(phonenumbers.parse(self.e164).national_number)


def normalize(raw: str, region: str = DEFAULT_REGION) -> Phone:
    """Parse one phone as typed; keep what was typed even when it cannot be parsed."""
    text = raw.strip()
    extension = None
    match = _EXTENSION.search(text)
    if match:
        extension = match.group(1)
        text = text[: match.start()]
    text = text.replace("（", "(").replace("）", ")")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return Phone(raw.strip(), None, extension, "unknown")
    if not phonenumbers.is_possible_number(number):
        return Phone(raw.strip(), None, extension, "unknown")
    extension = extension or number.extension or None
    if extension and len(extension) > MAX_EXTENSION:
        return Phone(raw.strip(), None, None, "unknown")
    number.extension = None
    kind = _kind(number)
    return Phone(raw.strip(), phonenumbers.format_number(number, PhoneNumberFormat.E164),
                 extension, kind)


def _kind(number) -> str:
    kind = phonenumbers.number_type(number)
    if kind in (PhoneNumberType.MOBILE,):
        return "mobile"
    if kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE,
                PhoneNumberType.VOIP, PhoneNumberType.TOLL_FREE):
        return "landline" if kind != PhoneNumberType.FIXED_LINE_OR_MOBILE else "mobile"
    return "landline"


def split(cell: str) -> list[str]:
    """Split a cell holding several phones ("021-1234567 / 13812345678")."""
    return [part.strip() for part in _SPLIT.split(cell or "") if part and part.strip()]


def is_valid(raw: str, region: str = DEFAULT_REGION) -> bool:
    return normalize(raw, region).e164 is not None


def display(e164: str | None, extension: str | None = None) -> str:
    """Format a stored phone for people: national format at home, international abroad."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164)
    fmt = PhoneNumberFormat.NATIONAL if number.country_code == 86 else PhoneNumberFormat.INTERNATIONAL
    text = phonenumbers.format_number(number, fmt)
    return f"{text} 转 {extension}" if extension else text
