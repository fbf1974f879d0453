"""The operational store's tables that the web app writes (accounts, sessions, journal, decisions, approvals).

Times are naive UTC (as everywhere in cohort). Person ids are BIGINT (pseudonymous ids can be large).
The read model's ``rm_*`` tables join the same ``metadata`` in :mod:`pipelines.opstore.read_tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("id = 1", name="schema_version_one_row"),
)

account = Table(
    "account",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("roles", Text, nullable=False),  # comma-separated, sorted
    Column("active", Boolean, nullable=False),
    Column("password_hash", Text),  # argon2id; NULL: signs in only through the trusted proxy
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Column("changed_by", String(200), nullable=False),
)

web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie token, hex
    Column("username", String(64), ForeignKey("account.username"), nullable=False),
    Column("csrf_token", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("idle_minutes", Integer, nullable=False),
    Column("expires_at", DateTime, nullable=False),  # slides with use, never past ends_at
    Column("ends_at", DateTime, nullable=False),  # the absolute limit
    Column("ended_at", DateTime),  # signed out
    Index("web_session_by_user", "username"),
)

journal_head = Table(
    "journal_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="journal_head_one_row"),
)

journal = Table(
    "journal",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("category", String(20), nullable=False),
    Column("purpose", Text),
    Column("detail", Text, nullable=False),
    Column("person_id", BigInteger),
    Column("run_id", Integer),
    Column("rows", Integer),
    Column("previous_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("taken_at", DateTime),  # taken into audit.event by the sync
    Column("event_id", BigInteger),  # the audit.event it became
    Index("journal_untaken", "taken_at"),
)

decision_head = Table(
    "decision_head",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("decision_id", Integer, nullable=False),
)

decision = Table(
    "decision",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False),
    Column("person_id", BigInteger, nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("pathway", String(200)),
    Column("made_by", String(64), nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("state", String(40), nullable=False),
    Column("second_by", String(64)),
    Column("second_at", DateTime),
    Column("second_reason", Text),
    Column("version", Integer, nullable=False),
    Column("taken_at", DateTime),
    Column("outcome", Text),
    Index("decision_by_person", "person_id"),
    Index("decision_by_run", "run_id", "person_id"),
)

pair_decision = Table(
    "pair_decision",
    metadata,
    Column("pair_decision_id", Integer, primary_key=True, autoincrement=True),
    Column("pair_id", String(200), nullable=False),
    Column("decision", String(10), nullable=False),
    Column("reason", Text, nullable=False),
    Column("made_by", String(64), nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("replaced_at", DateTime),  # a later decision on the pair replaced this one before the sync took it
    Column("taken_at", DateTime),
    Column("outcome", Text),
    Index("pair_decision_by_pair", "pair_id"),
    # one decision per pair awaits the sync: a later one replaces it (concurrent ones cannot both stay)
    Index(
        "pair_decision_one_open",
        "pair_id",
        unique=True,
        sqlite_where=text("taken_at IS NULL AND replaced_at IS NULL"),
        postgresql_where=text("taken_at IS NULL AND replaced_at IS NULL"),
    ),  # fmt: skip
)

model_approval = Table(
    "model_approval",
    metadata,
    Column("approval_id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("approvers_required", Integer, nullable=False),
    Column("first_by", String(64), nullable=False),
    Column("first_at", DateTime, nullable=False),
    Column("second_by", String(64)),
    Column("second_at", DateTime),
    Column("second_reason", Text),
    Column("state", String(40), nullable=False),
    Column("taken_at", DateTime),
    Column("outcome", Text),
    Index("model_approval_by_version", "version"),
    # one approval per model version in progress or awaiting the sync
    Index(
        "model_approval_one_open",
        "version",
        unique=True,
        sqlite_where=text("taken_at IS NULL"),
        postgresql_where=text("taken_at IS NULL"),
    ),  # fmt: skip
)
