"""The OpenAPI document is generated from the code, valid, and documents every operation."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

RESOURCES = ("companies", "contacts", "exhibitions", "participations")
METHODS = ("get", "post", "patch", "delete")


@pytest.fixture()
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "ExpoLead CRM API"


def test_document_has_every_resource_and_the_bearer_scheme(document):
    for resource in RESOURCES:
        assert f"/api/v1/{resource}" in document["paths"]
        assert any(p.startswith(f"/api/v1/{resource}/{{") for p in document["paths"])
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert {"post", "patch", "delete"} <= set(document["paths"]["/api/v1/companies/{company_id}"]) | set(
        document["paths"]["/api/v1/companies"])


def test_every_operation_is_secured_and_documents_its_errors(document):
    operations = [(path, method, op) for path, item in document["paths"].items()
                  for method, op in item.items() if method in METHODS]
    assert len(operations) >= 18
    for path, method, op in operations:
        assert op["security"] == [{"bearerAuth": []}], (path, method)
        for status in ("401", "403", "404", "409", "422"):
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    assert {"field", "errors"} <= set(error["properties"])


def test_bodies_refuse_unknown_fields_and_bound_ids(document):
    schemas = document["components"]["schemas"]
    for name in ("CompanyCreate", "CompanyPatch", "ContactCreate", "ExhibitionCreate",
                 "ParticipationCreate", "ParticipationPatch"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["ParticipationCreate"]["properties"]["exhibition_id"]["maximum"] == 2**31 - 1
    assert "version" in schemas["CompanyPatch"]["required"]


def test_the_document_needs_no_token_and_pages_keep_html_errors(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    missing_page = client.get("/no-such-page")
    assert missing_page.status_code == 404 and missing_page.mimetype == "text/html"
    missing_api = client.get("/api/v1/no-such-thing")
    assert missing_api.status_code == 404 and missing_api.get_json()["code"] == "not_found"
