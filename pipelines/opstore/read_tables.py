"""The read model: the ``rm_*`` tables the sync publishes from the warehouse and the web app reads.

Everything here is a copy. The sync (:mod:`pipelines.console.sync.publish`) replaces the small tables
whole at each publish and adds list entries only for runs the store has not seen; nothing else writes
them. Lists of texts are stored as JSON text so the same tables work on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from pipelines.opstore.schema import metadata

rm_run = Table(
    "rm_run",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=False),
    Column("as_of", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("status", String(40), nullable=False),  # published, superseded
    Column("mode", String(40), nullable=False),
    Column("model_version", String(200)),
    Column("model_approval", Text),
    Column("entries", Integer, nullable=False),
    Column("within_capacity", Integer, nullable=False),
    Column("previous_run_id", Integer),
    Column("fairness_breaches", Text, nullable=False),  # JSON list of sentences
    Column("fairness_watch", Text, nullable=False),  # JSON list of sentences
    Column("fairness_shares", Text, nullable=False),  # JSON: dimension -> group -> share of the list
    Column("failed_checks", Text, nullable=False),  # JSON list: failed gates, stale sources, override
    Column("erased", Boolean, nullable=False),  # entries erased by retention
)

rm_entry = Table(
    "rm_entry",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", BigInteger, primary_key=True, autoincrement=False),
    Column("rank", Integer, nullable=False),
    Column("name", String(400), nullable=False),
    Column("name_folded", String(400), nullable=False),  # lower case, for search
    Column("dob", Date),
    Column("age", Integer, nullable=False),
    Column("within_capacity", Boolean, nullable=False),
    Column("route", String(10), nullable=False),
    Column("probability", Float),
    Column("probability_text", String(40), nullable=False),
    Column("band", String(40)),
    Column("change", String(20), nullable=False),
    Column("previous_rank", Integer),
    Column("review_by", Date, nullable=False),
    Column("identity_review", Boolean, nullable=False),
    Column("explanation", Text, nullable=False),  # JSON as lists.entry keeps it
    Index("rm_entry_rank", "run_id", "rank"),
    Index("rm_entry_route", "run_id", "route"),
    Index("rm_entry_band", "run_id", "band"),
    Index("rm_entry_change", "run_id", "change"),
    Index("rm_entry_identity", "run_id", "identity_review"),
    Index("rm_entry_person", "person_id"),
)

rm_entry_tag = Table(  # the rules an entry meets and the pathways suggested, one row each, for filtering
    "rm_entry_tag",
    metadata,
    Column("run_id", Integer, nullable=False),
    Column("person_id", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),  # rule | pathway
    Column("value", String(200), nullable=False),  # rule id | pathway id
    Column("label", Text, nullable=False),  # rule text | pathway name
    Index("rm_entry_tag_filter", "run_id", "kind", "value", "person_id"),
    Index("rm_entry_tag_person", "run_id", "person_id"),
)

rm_departure = Table(
    "rm_departure",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(400), nullable=False),
    Column("previous_rank", Integer, nullable=False),
    Column("why", Text, nullable=False),
)

rm_decision = Table(  # review.decision as the warehouse holds it (workbook, terminal and console)
    "rm_decision",
    metadata,
    Column("decision_id", BigInteger, primary_key=True, autoincrement=False),
    Column("run_id", Integer),
    Column("person_id", BigInteger, nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("pathway", String(200)),
    Column("made_at", DateTime, nullable=False),
    Column("console_decision_id", BigInteger),  # taken in from the console's decision of that id
    Index("rm_decision_run_person", "run_id", "person_id"),
    Index("rm_decision_person", "person_id"),
)

rm_pair = Table(  # link.review_pair still awaiting clerical review, both sides' fields
    "rm_pair",
    metadata,
    Column("pair_id", String(64), primary_key=True),
    Column("match_probability", Float, nullable=False),
    Column("link_run", String(200), nullable=False),
    Column("queued_at", DateTime),
    Column("fields", Text, nullable=False),  # JSON list of [field, left, right]
)

rm_pair_person = Table(  # which people each pending pair involves (a person page lists its pairs)
    "rm_pair_person",
    metadata,
    Column("pair_id", String(64), nullable=False),
    Column("person_id", BigInteger, nullable=False),
    Index("rm_pair_person_person", "person_id"),
)

rm_model = Table(
    "rm_model",
    metadata,
    Column("version", String(200), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("trained_at", DateTime, nullable=False),
    Column("test_date", Date),
    Column("auc", Float),
    Column("ece", Float),
    Column("breaches", Text, nullable=False),  # JSON list of sentences (the artefact's fairness.json)
    Column("unmet_targets", Text, nullable=False),  # JSON list of sentences (its evaluation)
    Column("card_folder", Text),
)

rm_model_status = Table(
    "rm_model_status",
    metadata,
    Column("version", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("changed_by", String(400), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", DateTime, nullable=False),
    Index("rm_model_status_version", "version", "seq"),
)

rm_source = Table(
    "rm_source",
    metadata,
    Column("source", String(200), primary_key=True),
    Column("newest_extract", Date),
    Column("stale", Boolean, nullable=False),
    Column("files", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("quarantined", BigInteger, nullable=False),
)

rm_gate = Table(  # the latest finished ingest run's gates
    "rm_gate",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("gate", String(200), nullable=False),
    Column("source", String(200)),
    Column("passed", Boolean, nullable=False),
    Column("message", Text, nullable=False),
)

rm_rejected = Table(
    "rm_rejected",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=False),
    Column("file_name", Text, nullable=False),
    Column("source", String(200)),
    Column("received_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
)

rm_ingest_run = Table(
    "rm_ingest_run",
    metadata,
    Column("run_id", String(200), primary_key=True),
    Column("run_at", DateTime, nullable=False),
    Column("files_loaded", Integer, nullable=False),
    Column("files_rejected", Integer, nullable=False),
    Column("rows_quarantined", BigInteger, nullable=False),
)

rm_link_run = Table(
    "rm_link_run",
    metadata,
    Column("run_id", String(200), primary_key=True),
    Column("run_at", DateTime, nullable=False),
    Column("status", String(40), nullable=False),
)

rm_allocation = Table(  # trial.allocation: who is in the trial since when, and (not for every role) the arm
    "rm_allocation",
    metadata,
    Column("allocation_id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", BigInteger, nullable=False),  # as allocated
    Column("current_person_id", BigInteger, nullable=False),  # holding most of its records now
    Column("trial", String(400), nullable=False),
    Column("allocated_on", Date, nullable=False),
    Column("arm", String(20), nullable=False),  # shown only to roles the draw does not conceal it from
    Column("withdrawn_on", Date),
    Column("concealed_from", Text, nullable=False),  # JSON list of console roles (the draw's settings)
    Index("rm_allocation_person", "person_id"),
    Index("rm_allocation_current", "current_person_id"),
)

rm_refresh = Table(  # one row: when the read model was last published, and by what
    "rm_refresh",
    metadata,
    Column("refresh_id", Integer, primary_key=True, autoincrement=False),
    Column("refreshed_at", DateTime, nullable=False),
    Column("refreshed_by", String(400), nullable=False),
)

SMALL_TABLES = (
    rm_decision, rm_model, rm_model_status, rm_source, rm_gate, rm_rejected,
    rm_ingest_run, rm_link_run, rm_allocation, rm_refresh,
)  # fmt: skip
"""Replaced whole at every publish (list runs, entries and pending pairs are updated instead)."""
