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
    CompanySearchText,
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
from crm.models.imports import (
    CompanyMatchKey,
    CompanyMatchProfile,
    ImportBatch,
    ImportKind,
    ImportRowResult,
    ImportStatus,
    Merge,
    NonMatch,
    ReviewItem,
    ReviewStatus,
    RowAction,
    Setting,
)
from crm.models.users import ApiToken, Department, Role, User
from crm.models.calls import (
    Call,
    CallItem,
    CallItemStatus,
    CallList,
    CallListKind,
    CallOutcome,
    MailingTask,
    OutcomeBucket,
)
from crm.models.leads import (
    AssignmentKind,
    AssignmentRule,
    CalendarDay,
    Classification,
    ClientAttribution,
    Cooperation,
    ExecutorAbsence,
    ExecutorCap,
    Lead,
    LeadAssignment,
    LeadConflict,
    LeadSource,
    LeadStatus,
    RuleKind,
)
from crm.models.files import StoredFile
from crm.models.visits import (
    Referral,
    ReportFileKind,
    ReportStatus,
    Visit,
    VisitReport,
    VisitReportFile,
    VisitStatus,
)
from crm.models.design import (
    DesignProposal,
    DesignProposalFile,
    DesignRequest,
    DesignRequestFile,
    DesignStatus,
)
from crm.models.intel import FieldIntel, FieldIntelFile, IntelKind, IntelStatus, WeeklyReport
from crm.models.crawl import (
    CrawlRun,
    CrawlRunBatch,
    CrawlStatus,
    MentionStatus,
    NewsItem,
    NewsMention,
)
from crm.models.jobs import (
    JobDefinition,
    JobOrigin,
    JobRun,
    JobRunStatus,
    JobTrigger,
    SchedulerLease,
)
from crm.models.notifications import Notification

__all__ = [
    "ApiToken", "AuditEntry", "BoothType", "Company", "CompanyAlias", "CompanyEmail",
    "CompanyKind", "CompanyKindLink", "CompanyPhone", "CompanySearchTerm", "CompanySearchText",
    "CompetitorProfile", "Contact", "CountryPavilion", "Department", "Exhibition",
    "ExhibitorOrigin", "Hall", "Industry", "MediaProfile", "Participation", "Role", "User",
    "ValueRating", "Venue",
    "CompanyMatchKey", "CompanyMatchProfile", "ImportBatch", "ImportKind", "ImportRowResult", "ImportStatus",
    "Merge", "NonMatch", "ReviewItem", "ReviewStatus", "RowAction", "Setting",
    "Call", "CallItem", "CallItemStatus", "CallList", "CallListKind", "CallOutcome",
    "MailingTask", "OutcomeBucket",
    "AssignmentKind", "AssignmentRule", "CalendarDay", "Classification", "ClientAttribution",
    "Cooperation", "ExecutorAbsence", "ExecutorCap", "Lead", "LeadAssignment", "LeadConflict",
    "LeadSource", "LeadStatus", "RuleKind",
    "StoredFile", "Referral", "ReportFileKind", "ReportStatus", "Visit", "VisitReport",
    "VisitReportFile", "VisitStatus", "DesignProposal", "DesignProposalFile", "DesignRequest",
    "DesignRequestFile", "DesignStatus", "FieldIntel", "FieldIntelFile", "IntelKind",
    "IntelStatus", "WeeklyReport",
    "CrawlRun", "CrawlRunBatch", "CrawlStatus", "MentionStatus", "NewsItem", "NewsMention",
    "JobDefinition", "JobOrigin", "JobRun", "JobRunStatus", "JobTrigger", "SchedulerLease",
    "Notification",
]
