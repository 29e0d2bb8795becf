"""Writes of casework, one module per concern. `case` opens, assigns and transfers cases; `rules` loads the
region's casework file."""

from pathways.cases.services.base import CaseError
from pathways.cases.services.case import (
    case_assign,
    case_open_from_referral,
    case_transfer,
    transfer_services,
)
from pathways.cases.services.rules import casework_rules_load

__all__ = [
    "CaseError",
    "case_assign",
    "case_open_from_referral",
    "case_transfer",
    "casework_rules_load",
    "transfer_services",
]
