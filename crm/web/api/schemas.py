"""Shared pieces of the JSON API: safe fields, the error body, pages, operation docs.

Schemas here only check shapes and the limits of the database columns (so no input can
reach the database as a type or size it refuses); the business rules stay in the services.
"""
from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields, validate

# PostgreSQL's integer: anything larger would be refused by the database, not by us.
MAX_ID = 2**31 - 1
ID_RULE = f"int(min=1, max={MAX_ID})"
MAX_PAGE = 100_000
MAX_PER_PAGE = 500
SECURITY = [{"bearerAuth": []}]
ERROR_STATUSES = (400, 401, 403, 404, 409, 422)
ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No token, or an unknown, revoked or inactive user's token.",
    403: "The token's role may not do this.",
    404: "No such record, or not visible to the token's user.",
    409: "A stale `version`, or the record clashes with an existing one.",
    422: "A field is missing, of the wrong type or breaks a rule; `field` names it.",
}


class Text(fields.String):
    """A string the database can store: no NUL characters, no lone surrogates."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "nul": "Must not contain NUL characters.",
        "unicode": "Not valid Unicode text.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise self.make_error("unicode") from exc
        return text


class StrictInteger(fields.Integer):
    """A JSON integer: not a float, not a string, not a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def text(max_len: int, *, required: bool = False, nullable: bool = True, **kwargs: Any) -> Text:
    """A text field as long as its column allows."""
    return Text(required=required, allow_none=nullable and not required,
                validate=validate.Length(max=max_len), **kwargs)


def ref(*, required: bool = False, **kwargs: Any) -> StrictInteger:
    """The id of another record in a JSON body."""
    return StrictInteger(required=required, allow_none=not required,
                         validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def query_id(**kwargs: Any) -> fields.Integer:
    """The id of a record in a query string (filters)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def choice(values, **kwargs: Any) -> Text:
    """One of a fixed list of values (an enum's values)."""
    values = [getattr(v, "value", v) for v in values]
    return Text(validate=validate.OneOf(values), **kwargs)


def version_field(**kwargs: Any) -> StrictInteger:
    return StrictInteger(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class Error(ma.Schema):
    """The body of every error response."""

    code = fields.String(required=True, metadata={
        "description": "Machine-readable reason: validation, not_found, forbidden, stale, "
                       "conflict, unauthorized, bad_request …"})
    message = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    field = fields.String(metadata={"description": "The field the error is about, if any."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages per field (dotted path for nested "
                                                  "values, e.g. `phones.0`)."})


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class DeleteArgs(ma.Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "If given, refuse (409) when the record changed since this version."})


class PageMeta(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={
        "description": "Rows matching, counted up to a cap (see total_is_capped)."})
    total_is_capped = fields.Boolean(required=True)
    pages = fields.Integer(required=True)


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """Return the schema of one page of `item` records with its pagination facts."""
    return type(name, (PageMeta,), {
        "items": fields.List(fields.Nested(item), required=True),
        "__doc__": f"One page of {item.__name__} records.",
    })


def dump_page(page) -> dict[str, Any]:
    return {"items": page.items, "page": page.page, "per_page": page.per_page,
            "total": page.total, "total_is_capped": page.total_is_capped, "pages": page.pages}


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"field.sub": ["message", …]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in flatten(value, name).items():
                out.setdefault(field, []).extend(texts)
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            for field, texts in flatten(value, prefix).items():
                out.setdefault(field, []).extend(texts)
    else:
        out.setdefault(prefix or "_schema", []).append(str(messages))
    return out
