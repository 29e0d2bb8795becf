"""The casework models, one module per concern; each is imported here so that Django finds them."""

from pathways.cases.models.case import Case, CaseEvent, CaseTask, CaseworkRules

__all__ = ["Case", "CaseEvent", "CaseTask", "CaseworkRules"]
