"""demo flag on waves and questionnaire versions

The demo world is marked in the store, so that it is never the previous wave of a real wave
and can be removed without touching the team's own rows.

Revision ID: realpath_a
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "realpath_a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not batch mode: SQLite adds a NOT NULL column with a default in
    # place, while batch mode copies and drops the table, which its foreign keys refuse once
    # other tables point at rows of it (any database in use).
    for table in ("waves", "questionnaire_versions"):
        op.add_column(
            table, sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Databases made before this revision hold the demo world only as demo frames: mark it.
    op.execute(
        "UPDATE waves SET demo = "
        + ("1" if op.get_bind().dialect.name == "sqlite" else "true")
        + " WHERE id IN (SELECT wave_id FROM frame_snapshots WHERE source_name LIKE 'demo-%')"
    )


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.drop_column("demo")
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.drop_column("demo")
