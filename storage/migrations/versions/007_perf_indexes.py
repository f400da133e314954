"""perf indexes: assistance sessions by (unit_id, date)

A unit's monthly report reads the sessions held in the thôn of its scope in one period. With only
the single-column unit index, every report query read the unit's whole history and filtered the
dates afterwards: benchmarks/db_growth_bench.py measured the report queries of one commune going
from 118 ms at 10,000 sessions to 1,212 ms at 1,000,000 (SQLite). With (unit_id, date) each lookup
reads just the period, like the existing (person_id, date) index does for the other OR branch.

Revision ID: 007
Revises: 006
Create Date: 2026-11-23 03:00:00
"""

from alembic import op

revision = '007'
down_revision = '006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assist_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_assist_sessions_unit_date', ['unit_id', 'date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assist_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_assist_sessions_unit_date')
