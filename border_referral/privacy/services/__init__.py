"""Privacy duties. Every function takes the caller (the retention command: none, it is the system);
permissions are checked here, reads of personal data go through the vault (on the audit record),
and writes flush, never commit.

Modules: subject_access (the person's access report), reads (a user's reads of personal data in a
window, for a breach response), retention (erasure of closed cases after the profile's period)."""
from .reads import MAX_DAYS, ReadReport, ReadRow, read_report, report_csv, users_in_scope
from .retention import RetentionPlan, apply_retention, plan_retention
from .subject_access import (REPORT_LANGUAGES, AccessEntry, Report, case_section, default_language, is_read,
                             make_report, reach_for_report)

__all__ = [
    "AccessEntry", "MAX_DAYS", "REPORT_LANGUAGES", "ReadReport", "ReadRow", "Report", "RetentionPlan",
    "apply_retention", "case_section", "default_language", "is_read", "make_report", "plan_retention", "reach_for_report",
    "read_report", "report_csv", "users_in_scope",
]
