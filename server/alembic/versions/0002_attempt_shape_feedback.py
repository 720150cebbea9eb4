"""attempts: shape match and hint from the app's shape feedback

Both columns are nullable: attempts from apps without shape feedback, and every attempt stored
before this revision, have neither.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shape_match', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('hint', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('hint')
        batch_op.drop_column('shape_match')
