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
    # batch mode: SQLite cannot add a constraint to an existing table otherwise
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("import_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_responses_wave_import_key", ["wave_id", "import_key"])


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint("uq_responses_wave_import_key", type_="unique")
        batch.drop_column("import_key")
