"""The panels' rules, one module per concern: `seats` (the panels from `panels.yaml` and who holds their
seats), `meetings` (scheduling, attendance, closing), `agenda` (who is heard and why, referring someone
in), `decisions`, `actions`, `disclosures` (what an agency shared at the table) and `minutes`, with what they
share in `base`. What each agency's papers show is `pathways.panels.papers`, and whose sealed details
typed text is checked against `pathways.panels.protected`.

Every write is atomic and audited; a broken rule raises PanelError with a message a user can act on, and
nothing is changed. Who may call what is the access policy's business (pathways/core/policy.py); these
functions assume the caller has already been let in. The names below are the panels' write API, as the
pages, the API, the commands and the demo use it.
"""

from pathways.panels.services.actions import (
    Chased,
    action_create,
    action_update,
    actions_chase_overdue,
    actions_chase_overdue_count,
)
from pathways.panels.services.agenda import agenda_build, agenda_review_add, nomination_create, rfg_run_latest
from pathways.panels.services.base import SCREENED_OUTCOMES, PanelError
from pathways.panels.services.decisions import decision_record
from pathways.panels.services.disclosures import SharingError, disclosure_agencies, disclosure_record
from pathways.panels.services.meetings import meeting_attendance_record, meeting_close, meeting_schedule
from pathways.panels.services.minutes import minutes_render
from pathways.panels.services.seats import panel_member_add, panels_load

__all__ = [
    "SCREENED_OUTCOMES",
    "Chased",
    "PanelError",
    "SharingError",
    "action_create",
    "action_update",
    "actions_chase_overdue",
    "actions_chase_overdue_count",
    "agenda_build",
    "agenda_review_add",
    "decision_record",
    "disclosure_agencies",
    "disclosure_record",
    "meeting_attendance_record",
    "meeting_close",
    "meeting_schedule",
    "minutes_render",
    "nomination_create",
    "panel_member_add",
    "panels_load",
    "rfg_run_latest",
]
