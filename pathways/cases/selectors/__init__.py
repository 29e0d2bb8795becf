"""Reads of casework, one module per concern, each through the access policy."""

from pathways.cases.selectors.case import (
    CASE_WORKER_ROLES,
    PAGE_SIZE,
    CaseRow,
    case_events,
    case_get,
    case_panel_decision,
    case_partner_cases,
    case_risk_latest,
    case_rows,
    case_staff,
    caseload,
    caseload_cases,
    caseload_counts,
    caseload_name,
    cases_for,
)
from pathways.cases.selectors.rules import (
    CaseworkNotLoaded,
    Rules,
    casework_rules_for,
    casework_rules_for_case,
    name_shown,
)

__all__ = [
    "CASE_WORKER_ROLES",
    "PAGE_SIZE",
    "CaseRow",
    "CaseworkNotLoaded",
    "Rules",
    "case_events",
    "case_get",
    "case_panel_decision",
    "case_partner_cases",
    "case_risk_latest",
    "case_rows",
    "case_staff",
    "caseload",
    "caseload_cases",
    "caseload_counts",
    "caseload_name",
    "cases_for",
    "casework_rules_for",
    "casework_rules_for_case",
    "name_shown",
]
