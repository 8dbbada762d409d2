"""is_available NOT NULL, DEFAULT true

The first revision left `is_available` nullable, so a NULL could be stored there, and then
every answer showing that item failed. This revision turns the existing NULLs into true (the
value the model always meant as default), then forbids NULL and lets the database itself
fill in true when an INSERT leaves the column out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Just the column this revision touches, as it is in the database (not the app's model,
# which may change after this revision is written).
items = sa.table("items", sa.column("is_available", sa.Boolean()))


def items_table(*, is_available_nullable: bool) -> sa.Table:
    """The whole items table as it stands before this revision's change (or before its undo).

    Batch mode copies the table into a new one. Given this description (copy_from), it does
    not need to read the table from a live database, so `alembic upgrade head --sql` can
    print the SQL too; without it, that command fails on SQLite.
    """
    table = sa.Table(
        "items",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column(
            "is_available",
            sa.Boolean(),
            nullable=is_available_nullable,
            server_default=None if is_available_nullable else sa.true(),
        ),
    )
    sa.Index("ix_items_id", table.c.id)
    sa.Index("ix_items_title", table.c.title)
    return table


def upgrade() -> None:
    op.execute(items.update().where(items.c.is_available.is_(None)).values(is_available=True))
    # Batch mode: on SQLite, Alembic copies the table into a new one with the changed column.
    with op.batch_alter_table(
        "items", copy_from=items_table(is_available_nullable=True)
    ) as batch_op:
        batch_op.alter_column(
            "is_available",
            existing_type=sa.Boolean(),
            nullable=False,
            server_default=sa.true(),
        )


def downgrade() -> None:
    # The data stays as it is: every value is still a valid nullable boolean.
    with op.batch_alter_table(
        "items", copy_from=items_table(is_available_nullable=False)
    ) as batch_op:
        batch_op.alter_column(
            "is_available",
            existing_type=sa.Boolean(),
            nullable=True,
            server_default=None,
        )
