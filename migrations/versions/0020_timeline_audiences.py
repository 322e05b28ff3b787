"""Timeline events: an audience set (and one victim) instead of four flags; words per audience from templates

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 20:30:00

Each event's four visibility flags become the bits of `audiences` (police 1, provider 2, offender 4, victim 8;
scrutiny 16 is new), and `victim_id` may name the one victim who sees it. The `summary` column goes: events are
worded from a template per kind. An event written before keeps its words in `detail["text"]`, unless they were
only its kind in words (what a downgrade writes for an event that had no summary), so a downgrade and an upgrade
give back the same rows.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

FLAGS = (('visible_police', 1), ('visible_provider', 2), ('visible_offender', 4), ('visible_victim', 8))
# "caution_issued" -> "Caution issued", in SQL both databases run.
KIND_IN_WORDS = "upper(substr(kind, 1, 1)) || substr(replace(kind, '_', ' '), 2)"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audiences', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('victim_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_timeline_events_victim_id'), ['victim_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_timeline_events_victim_id_people'), 'people', ['victim_id'],
                                    ['id'])
    bits = ' + '.join(f'CASE WHEN {flag} THEN {bit} ELSE 0 END' for flag, bit in FLAGS)
    with_text = ("detail || jsonb_build_object('text', summary)" if _postgresql()
                 else "json_set(detail, '$.text', summary)")
    # Every piece of these statements is a constant of this file.
    op.execute(f"UPDATE timeline_events SET audiences = {bits}")  # noqa: S608
    op.execute(f"UPDATE timeline_events SET detail = {with_text} WHERE summary <> {KIND_IN_WORDS}")  # noqa: S608
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.alter_column('audiences', existing_type=sa.Integer(), server_default=None, existing_nullable=False)
        for flag, _ in FLAGS:
            batch_op.drop_column(flag)
        batch_op.drop_column('summary')


def downgrade():
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(length=300), server_default='', nullable=False))
        for flag, _ in FLAGS:
            batch_op.add_column(sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False))
    # An event for one victim becomes an event for every victim of the case: the flags cannot say less.
    flags = ', '.join(f'{flag} = (audiences & {bit}) <> 0' for flag, bit in FLAGS)
    text, without = (("detail ->> 'text'", "detail - 'text'") if _postgresql()
                     else ("json_extract(detail, '$.text')", "json_remove(detail, '$.text')"))
    op.execute(f"UPDATE timeline_events SET {flags}, summary = COALESCE({text}, {KIND_IN_WORDS})")  # noqa: S608
    op.execute(f"UPDATE timeline_events SET detail = {without} WHERE {text} IS NOT NULL")  # noqa: S608
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        for column in ('summary', *(flag for flag, _ in FLAGS)):
            batch_op.alter_column(column, server_default=None, existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_timeline_events_victim_id_people'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_timeline_events_victim_id'))
        batch_op.drop_column('victim_id')
        batch_op.drop_column('audiences')
