"""responses.import_key: the fingerprint of a response imported from a file

Revision ID: realpath_b
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "realpath_b"
down_revision = "realpath_a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column and a unique index, both in place: batch mode would copy and drop `responses`,
    # which SQLite's foreign keys refuse once consents point at its rows (any database in use).
    op.add_column("responses", sa.Column("import_key", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_responses_wave_import_key", "responses", ["wave_id", "import_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_responses_wave_import_key", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("import_key")
