from __future__ import annotations

from django.test import Client

from pathways.accounts.models import User


def login_password_only(client: Client, user: User) -> Client:
    """A session that has passed the password step but not the second factor."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
