"""Fixtures for the browser tests: one Chromium per module, and a database the live server can share."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.db import connection
from playwright.sync_api import Browser, sync_playwright
from pytest_django import DjangoDbBlocker

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The audit log's append-only triggers, exactly as the migration creates and drops them.
_TRIGGERS = importlib.import_module("pathways.audit.migrations.0002_append_only_triggers")
_guards_lifted = False


def _run(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _restore_guards() -> None:
    global _guards_lifted
    if _guards_lifted:
        _run(_TRIGGERS.POSTGRES if connection.vendor == "postgresql" else _TRIGGERS.SQLITE)
        _guards_lifted = False


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop running in this thread, so Django's ORM calls made by the
    # tests themselves (creating users, reading TOTP keys, flushing the database) must be allowed here.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()


@pytest.fixture(scope="module", autouse=True)
def _audit_guards_restored(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """After a module's last flush, put the audit log's guards back for whatever runs next."""
    yield
    if _guards_lifted:
        with django_db_blocker.unblock():
            _restore_guards()


@pytest.fixture
def audit_log_flushable(transactional_db: None) -> Iterator[None]:
    """Let pytest-django empty the database after a live-server test.

    The audit table refuses DELETE and TRUNCATE (on purpose), so the flush that ends every transactional
    test fails. The guards are on while the test runs, lifted just before the flush, and put back before
    the next test (or when the module ends).
    """
    global _guards_lifted
    _restore_guards()
    yield
    _run(_TRIGGERS.POSTGRES_REVERSE if connection.vendor == "postgresql" else _TRIGGERS.SQLITE_REVERSE)
    _guards_lifted = True
