"""Benchmark: verifying the audit chain at 100,000 and 1,000,000 entries (target: 1,000,000 under 10 s).

A throwaway database gets signed entries like the ones the application writes (a mix of users, agencies,
actions and records, most with an address, half with small details, a few with Welsh text), made with the
chain's own signing functions and written in bulk (COPY on PostgreSQL), not through `audit.entry_record`: its
per-entry lock is what makes a live chain safe, and is the only thing left out here. Then
`services.chain_verify` is timed over the whole chain, which must find it intact, and once more after an
entry in the middle was changed, which it must name.

    .venv/bin/python benchmarks/audit_chain.py              # on SQLite
    .venv/bin/python benchmarks/audit_chain.py --postgres   # on PostgreSQL (throwaway database)

It is also one of benchmarks/run.py's benchmarks (`--only audit`).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _bulk_insert, _setup_django, peak_rss_mib, throwaway_database, verdict

SIZES = (100_000, 1_000_000)
RUNS = 3
TARGET_SECONDS = 10.0
COLUMNS = (
    "sequence", "at", "actor_id", "actor_username", "agency_id", "agency_name", "role", "action",
    "record_type", "record_id", "purpose", "ip_address", "details", "previous_hash", "entry_hash", "key_id",
)  # fmt: skip


def _details(rng: random.Random) -> dict[str, object]:
    choice = rng.random()
    if choice < 0.5:
        return {}
    if choice < 0.7:
        return {"count": rng.randint(0, 300)}
    if choice < 0.8:
        return {"status": rng.choice(["accepted", "withdrawn", "started"]), "service": "clear-cardiff"}
    if choice < 0.9:
        return {"field": rng.choice(["address", "phone", "email"]), "reason": "Safety planning with her"}
    if choice < 0.98:
        return {"rows": rng.randint(1, 5000), "sha256": f"{rng.getrandbits(256):064x}", "file_name": "x.csv"}
    return {"reason": "Cynllunio diogelwch gyda'r partner, ŵyr a chwaer"}


def _entries(count: int, first: int, previous: str) -> Iterator[tuple[object, ...]]:
    """`count` signed entries from sequence `first`, linked from `previous`, as the database takes them."""
    from django.conf import settings
    from django.db import connection

    from pathways.audit import chain
    from pathways.audit.choices import AuditAction

    rng = random.Random(20261201 + first)
    keys = tuple(settings.AUDIT_CHAIN_KEYS)
    key_id = keys[0][0]
    signer = chain.entry_signers(keys)[key_id]
    postgres = connection.vendor == "postgresql"
    users = [(uuid.UUID(int=rng.getrandbits(128)), f"user{n}") for n in range(300)]
    agencies = [(uuid.UUID(int=rng.getrandbits(128)), f"Agency {n} Cardiff") for n in range(25)]
    actions = [a.value for a in AuditAction]
    roles = ["practitioner", "manager", "panel_chair", "auditor", "coordinator"]
    at = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    for sequence in range(first, first + count):
        at += datetime.timedelta(microseconds=rng.randint(0, 30_000_000))
        user, username = rng.choice(users)
        agency, agency_name = rng.choice(agencies)
        details = chain.storable(_details(rng))
        ip = (
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            if rng.random() < 0.9
            else ""
        )
        fields = [
            str(sequence),
            chain.at_text(at),
            user.hex,
            username,
            agency.hex,
            agency_name,
            rng.choice(roles),
            rng.choice(actions),
            rng.choice(["person", "referral", "assessment", "panel_item", ""]),
            str(uuid.UUID(int=rng.getrandbits(128))),
            "Reviewing before the panel meeting" if rng.random() < 0.2 else "",
            ip,
            chain.details_text(details),
            previous,
            key_id,
        ]
        check = signer.copy()
        check.update(chain.entry_message(fields))
        entry_hash = check.hexdigest()
        yield (
            sequence,
            at if postgres else connection.ops.adapt_datetimefield_value(at),
            user if postgres else user.hex,
            username,
            agency if postgres else agency.hex,
            *fields[5:11],
            ip or None,
            fields[12],
            previous,
            entry_hash,
            key_id,
        )
        previous = entry_hash


def _grow_to(count: int) -> float:
    """Append entries until the chain holds `count`; the head follows, as its guard allows. Seconds taken."""
    from django.db import transaction

    from pathways.audit.models import AuditChainHead, AuditEntry

    start = time.perf_counter()
    head = AuditChainHead.objects.filter(id=1).first()
    have, previous = (head.last_sequence, head.last_hash) if head else (0, "0" * 64)
    _bulk_insert(AuditEntry, COLUMNS, _entries(count - have, have + 1, previous), analyze=True)
    newest = AuditEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    assert newest is not None and newest[0] == count
    with transaction.atomic():
        AuditChainHead.objects.update_or_create(
            id=1, defaults={"last_sequence": newest[0], "last_hash": newest[1]}
        )
    return time.perf_counter() - start


def _tampered_copy_names_the_entry(count: int) -> float:
    """Change one entry in the middle, as the tables' owner could with the guards lifted, and check that
    verification names it; the change is rolled back. Seconds the verification took."""
    from django.db import connection, transaction

    from pathways.audit import services

    target = count // 2 + 7
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            else:
                cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute(
                "UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = %s", [target]
            )
        start = time.perf_counter()
        broken = services.chain_first_break()
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    assert broken is not None and broken.sequence == target, broken
    return seconds


def bench_audit_chain(sizes: tuple[int, ...] = SIZES) -> None:
    from django.db import connection

    from pathways.audit import services

    label = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    for count in sizes:
        written = _grow_to(count)
        print(f"audit chain ({label}): {count:,} entries written in {written:.1f} s", flush=True)
        samples = []
        for _ in range(RUNS):
            start, cpu = time.perf_counter(), time.process_time()
            report = services.chain_verify()
            samples.append((time.perf_counter() - start, time.process_time() - cpu))
            assert report.broken is None and report.entries == count, report
        seconds = statistics.median(s for s, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        if count == 1_000_000:
            against = f"target: under {TARGET_SECONDS:g} s: {verdict(seconds < TARGET_SECONDS)}"
        else:
            against = "no target at this size"
        print(
            f"audit chain ({label}), verify {count:,} entries: median of {RUNS} {seconds:.2f} s "
            f"({cpu:.2f} s of this process's CPU, {seconds / count * 1e6:.2f} us an entry) ({against}); "
            f"peak memory {peak_rss_mib():.0f} MiB",
            flush=True,
        )
    tampered = _tampered_copy_names_the_entry(sizes[-1])
    print(
        f"audit chain ({label}): one entry changed in the middle of {sizes[-1]:,}: named in {tampered:.2f} s",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument(
        "--entries", type=int, action="append", help="chain sizes to time, in turn (100,000 and 1,000,000)"
    )
    args = parser.parse_args()
    with throwaway_database("postgres" if args.postgres else "sqlite") as url:
        _setup_django(url)
        bench_audit_chain(tuple(sorted(args.entries)) if args.entries else SIZES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
