"""The tables (SQLAlchemy Core). One metadata, the same on SQLite and PostgreSQL.

Identity lives only in `frame_units` (e-mail) and `consents` (e-mail kept apart from answers);
`responses` hold the strata copied from the frame and never a name, e-mail or token.
JSON columns hold structures that are read whole (answers, strata, allocation).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from vocabulary import DISPOSITIONS, RESPONSE_MODES, WAVE_STATUSES

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

RESPONSE_STATUSES = ("partial", "complete")
ACTION_STATUSES = ("planned", "in_progress", "done")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


questionnaire_versions = Table(
    "questionnaire_versions",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("questionnaire_id", String(100), nullable=False),
    Column("version", String(50), nullable=False),
    Column("definition", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Stored by the demo world only (publishing the same version makes it the team's).
    Column("demo", Boolean, nullable=False, server_default=false()),
)

waves = Table(
    "waves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("status", String(10), nullable=False, server_default="draft"),
    Column("fieldwork_start", Date),
    Column("fieldwork_end", Date),
    Column("frequency", Text),  # how often a measurement runs, as said to Parliament
    Column("objectives", Text),
    Column("population", Text),
    Column("design_type", String(20), nullable=False, server_default="stratified"),
    Column("min_response_rate", Float),
    Column("min_response_rate_stratum", Float),
    Column("min_completes_stratum", Integer),
    Column("disclosure_k", Integer, nullable=False, server_default="5"),
    Column("mode", Text),  # e.g. "digitaal (web)"; paper answers keyed in as mode paper
    Column("post_contact", Boolean, nullable=False, server_default="0"),
    Column("execution", String(20), nullable=False, server_default="in_house"),
    Column("cost_eur", Float),
    Column("execution_rationale", Text),
    Column("aspects_rationale", Text),
    Column(
        "other_methods", JSON
    ),  # [{"method": ..., "description": ...}], {"complaints": {year: n}}
    Column("communication", Text),
    Column("next_wave_planned", Text),
    Column("questionnaire_hash", String(64), ForeignKey("questionnaire_versions.hash")),
    Column("weighting", JSON),  # the team's weighting choices: margins, trimming bounds
    Column("retention_until", Date),
    Column("anonymised_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A wave of the synthetic demo world: never compared with a real wave, removable at once.
    Column("demo", Boolean, nullable=False, server_default=false()),
    CheckConstraint(_in("status", WAVE_STATUSES), name="status"),
    CheckConstraint(_in("execution", ("in_house", "outsourced", "mixed")), name="execution"),
)

frame_snapshots = Table(
    "frame_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    Column("source_name", String(300), nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("frame_date", Date),
    Column("n_units", Integer, nullable=False),
    Column("aux_columns", JSON, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

frame_units = Table(
    "frame_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "snapshot_id",
        Integer,
        ForeignKey("frame_snapshots.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("unit_id", String(100), nullable=False),
    Column("email", String(320)),  # nulled when a wave is anonymised
    Column("name", String(300)),
    Column("profession", String(50), nullable=False),
    Column("training_year", Integer, nullable=False),
    Column("university", String(100), nullable=False),
    Column("language", String(5), nullable=False),
    Column("aux", JSON, nullable=False),
    UniqueConstraint("snapshot_id", "unit_id", name="uq_frame_units_snapshot_unit"),
)

samples = Table(
    "samples",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    Column("snapshot_id", Integer, ForeignKey("frame_snapshots.id"), nullable=False),
    Column("strata_var", String(100), nullable=False),
    Column("method", String(20), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Column("allocation", JSON, nullable=False),  # {stratum: n_h}
    Column("population", JSON, nullable=False),  # {stratum: N_h}
    Column("parameters", JSON),  # minimum, sd, power, sort_by, target moe...
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sample_units = Table(
    "sample_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), nullable=False),
    Column(
        "frame_unit_id", Integer, ForeignKey("frame_units.id", ondelete="CASCADE"), nullable=False
    ),
    Column("stratum", String(100), nullable=False),
    Column("inclusion_prob", Float, nullable=False),
    Column("design_weight", Float, nullable=False),
    UniqueConstraint("sample_id", "frame_unit_id", name="uq_sample_units_sample_unit"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    # NULL for post-contact invitations (no sample), and after anonymisation.
    Column("sample_unit_id", Integer, ForeignKey("sample_units.id", ondelete="SET NULL")),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("mode", String(20), nullable=False, server_default="invited"),
    Column("stratum", String(100)),
    Column("strata", JSON),  # the unit's frame variables, copied for responses
    Column("design_weight", Float),
    Column("email", String(320)),  # post-contact only; nulled once no longer needed
    Column("disposition", String(20), nullable=False, server_default="not_invited"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Column("opened_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("send_error", Text),
    CheckConstraint(_in("disposition", DISPOSITIONS), name="disposition"),
)
Index("ix_invitations_wave_disposition", invitations.c.wave_id, invitations.c.disposition)

responses = Table(
    "responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    # One response per invitation; the link is cut when a wave is anonymised.
    Column(
        "invitation_id",
        Integer,
        ForeignKey("invitations.id", ondelete="SET NULL"),
        unique=True,
    ),
    Column("mode", String(20), nullable=False),
    Column("status", String(10), nullable=False, server_default="partial"),
    Column(
        "questionnaire_hash", String(64), ForeignKey("questionnaire_versions.hash"), nullable=False
    ),
    Column("language", String(5), nullable=False, server_default="nl"),
    Column("stratum", String(100)),
    Column("strata", JSON, nullable=False),  # profession, training_year, university, ...
    Column("design_weight", Float),
    Column("answers", JSON, nullable=False),
    Column("progress", JSON, nullable=False),  # {"page": i, "done": [section ids]}
    Column("revision", Integer, nullable=False, server_default="0"),  # optimistic locking
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    Column("session_key", String(64), unique=True),  # open-link resume key (a hash), no identity
    # Fingerprint of a response imported from a file (store.imports): an identical re-import
    # is refused. NULL for answers given in the tool.
    Column("import_key", String(64)),
    CheckConstraint(_in("mode", RESPONSE_MODES), name="mode"),
    CheckConstraint(_in("status", RESPONSE_STATUSES), name="status"),
)
Index("ix_responses_wave_status", responses.c.wave_id, responses.c.status)
# A unique index rather than a constraint: the migration adds it in place on SQLite.
Index("uq_responses_wave_import_key", responses.c.wave_id, responses.c.import_key, unique=True)

disposition_counts = Table(
    # What remains of the invitations after anonymisation: counts per stratum and disposition.
    "disposition_counts",
    metadata,
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(20), primary_key=True),
    Column("stratum", String(100), primary_key=True),
    Column("disposition", String(20), primary_key=True),
    Column("count", Integer, nullable=False),
)

post_contact_log = Table(
    # Who was invited after a contact, to invite a person at most once per period (hashed id).
    "post_contact_log",
    metadata,
    Column("person_hash", String(64), primary_key=True),
    Column("last_invited_on", Date, nullable=False),
)

improvement_actions = Table(
    "improvement_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    Column("improvement_point", String(100), nullable=False),  # a dimension or item id
    Column("description", Text, nullable=False),
    Column("owner", String(200)),
    Column("status", String(20), nullable=False, server_default="planned"),
    Column("due_date", Date),
    Column("public_text_nl", Text),
    Column("public_text_en", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
)

action_history = Table(
    "action_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "action_id",
        Integer,
        ForeignKey("improvement_actions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(200)),
    Column("change", JSON, nullable=False),  # {field: [old, new]}
)

consents = Table(
    # E-mail of respondents who asked to hear what is done with the results; deleted once sent.
    "consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer, ForeignKey("waves.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("language", String(5), nullable=False, server_default="nl"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

token_attempts = Table(
    # Failed token look-ups per client key, to slow down guessing.
    "token_attempts",
    metadata,
    Column("client_key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    # Who did what, when, on which wave: append-only for the app (store.audit has no update or
    # delete; a trigger refuses both on SQLite and PostgreSQL). wave_id is not a foreign key:
    # the row of a deleted wave stays, with the wave's name.
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("role", String(40), nullable=True),
    Column("source", String(20), nullable=False),
    Column("action", String(40), nullable=False),
    Column("wave_id", Integer, nullable=True),
    Column("wave_name", String(200), nullable=True),
    Column("details", JSON, nullable=False),
    Index("ix_audit_log_wave_id", "wave_id"),
    Index("ix_audit_log_at", "at"),
)

login_attempts = Table(
    # Failed team logins, one row each, kept for the limiter's window only: shared by every
    # replica on the database. client_key is the HMAC of ktm.clientkey, never an address.
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_key", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_attempts_client_key_at", "client_key", "at"),
    Index("ix_login_attempts_at", "at"),
)
