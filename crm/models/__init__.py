"""Typed ORM classes, one module per aggregate; importing this registers every table."""
from crm.models.audit import AuditEntry
from crm.models.companies import (
    Company,
    CompanyAlias,
    CompanyEmail,
    CompanyKind,
    CompanyKindLink,
    CompanyPhone,
    CompanySearchTerm,
    CompetitorProfile,
    Contact,
    MediaProfile,
)
from crm.models.exhibitions import (
    BoothType,
    CountryPavilion,
    Exhibition,
    ExhibitorOrigin,
    Hall,
    Participation,
    ValueRating,
    Venue,
)
from crm.models.taxonomy import Industry
from crm.models.users import ApiToken, Department, Role, User

__all__ = [
    "ApiToken", "AuditEntry", "BoothType", "Company", "CompanyAlias", "CompanyEmail",
    "CompanyKind", "CompanyKindLink", "CompanyPhone", "CompanySearchTerm",
    "CompetitorProfile", "Contact", "CountryPavilion", "Department", "Exhibition",
    "ExhibitorOrigin", "Hall", "Industry", "MediaProfile", "Participation", "Role", "User",
    "ValueRating", "Venue",
]
