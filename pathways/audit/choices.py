from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    LOCKED_OUT = "auth.locked_out", _("Account locked")
    LOGOUT = "auth.logout", _("Signed out")
    SECOND_FACTOR_ENROLLED = "auth.second_factor_enrolled", _("Second factor set up")
    SECOND_FACTOR_FAILED = "auth.second_factor_failed", _("Second factor refused")
    SECOND_FACTOR_VERIFIED = "auth.second_factor_verified", _("Second factor accepted")
    BACKUP_CODE_USED = "auth.backup_code_used", _("Backup code used")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    MEMBERSHIP_CHOSEN = "auth.membership_chosen", _("Acting role chosen")
    API_TOKEN_REFUSED = "auth.api_token_refused", _("API token refused")
    RECORD_VIEWED = "record.viewed", _("Record viewed")
    SEALED_VIEWED = "record.sealed_viewed", _("Sealed details viewed")
    RECORD_CREATED = "record.created", _("Record created")
    RECORD_CHANGED = "record.changed", _("Record changed")
    RECORD_DELETED = "record.deleted", _("Record deleted")
    REGION_LOADED = "region.loaded", _("Region file loaded")
    AUDIT_SEARCHED = "audit.searched", _("Audit log searched")
    AUDIT_EXPORTED = "audit.exported", _("Audit log exported")
    AUDIT_KEYED = "audit.chain_keyed", _("Audit log keyed")
    ADMIN_CHANGE = "admin.changed", _("Administration change")
