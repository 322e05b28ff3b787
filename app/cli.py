"""Flask commands: demo data, audit verification, jobs. A command that changes data commits once, at its end,
through `_commits`."""

from __future__ import annotations

import functools

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db


def _commits(command):
    @functools.wraps(command)
    def run(*args, **kwargs):
        result = command(*args, **kwargs)
        db.session.commit()
        return result
    return run


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(audit_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(rules_cli)
    app.cli.add_command(offences_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(translations_cli)


@click.command("seed-demo")
@_commits
def seed_demo():
    """Load the demo organisations, personas and cases (idempotent)."""
    from app import demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data is never loaded in production")
    demo.seed()
    click.echo("Demo data ready. Sign in with the development identity provider as any of these personas:")
    org_names = {code: name for _, code, name, _ in demo.ORGANISATIONS}
    for p in demo.PERSONAS:
        where = ", ".join(filter(None, [org_names.get(p.org), p.team])) or "public sign-in"
        click.echo(f"  {p.name:<16} {p.role.label:<22} {where}")


audit_cli = AppGroup("audit", help="The keyed, chained audit log.")


def _checkpoint_option(command):
    def parse(ctx, param, value):
        from app.audit.services import parse_checkpoint

        try:
            return parse_checkpoint(value) if value else None
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return click.option("--since", "since", metavar="SEQUENCE:MAC", callback=parse,
                        help="a checkpoint kept from `flask audit checkpoint`")(command)


def _verified(since) -> int:
    from app.audit.services import verify

    result = verify(since=since)
    if not result.ok:
        raise click.ClickException(f"audit chain broken after {result.checked} good row(s): {result.reason}")
    return result.checked


@audit_cli.command("verify")
@_checkpoint_option
def audit_verify(since):
    """Check every row's MAC and link, and the row at a checkpoint; name the first broken row."""
    checked = _verified(since)
    click.echo(f"Audit chain intact: {checked} row(s) checked.")
    if since is None:
        # Without an anchor, a log cut short with its head moved back is a valid (shorter) chain.
        click.echo("No checkpoint given: rows removed from the end would not show. Use --since SEQUENCE:MAC.")


@audit_cli.command("checkpoint")
@_checkpoint_option
def audit_checkpoint(since):
    """Verify the chain, then print the head as SEQUENCE:MAC: keep it off the database for `verify --since`."""
    from app.audit.services import checkpoint

    _verified(since)
    click.echo(checkpoint())


jobs_cli = AppGroup("jobs", help="The scheduler.")


@jobs_cli.command("run")
def jobs_run():
    """Run the scheduler in this process (one such process per deployment)."""
    from app.jobs import scheduler

    scheduler.run_forever(current_app._get_current_object())


@jobs_cli.command("run-once")
@click.argument("name")
def jobs_run_once(name):
    """Run one job now (for cron and tests)."""
    from app.jobs import scheduler

    if name not in scheduler.JOBS:
        raise click.ClickException(f"no job called '{name}'; jobs: {', '.join(scheduler.JOBS)}")
    count = scheduler.run_once(current_app._get_current_object(), name)
    click.echo(f"{name}: {count} row(s)")


@jobs_cli.command("status")
def jobs_status():
    """The last run of each job, and which are overdue."""
    from app.formats import london_datetime
    from app.jobs.registry import statuses

    for status in statuses():
        last = status.last
        if last is None:
            when = "never run"
        elif last.ended_at is None:
            when = f"started {london_datetime(last.started_at)}, not finished"
        else:
            done = f"failed: {last.error}" if last.error else f"{last.rows} row(s)"
            when = f"last ran {london_datetime(last.started_at)} to {london_datetime(last.ended_at)}, {done}"
        flag = "  OVERDUE" if status.overdue else ""
        click.echo(f"{status.job.name:<18} every {status.job.minutes} min  {when}{flag}")


rules_cli = AppGroup("rules", help="The legal rule packs in config/rules/.")


@rules_cli.command("check")
def rules_check():
    """Validate every rule pack; name the file, field and problem of the first malformed one."""
    from app.cases.pack_reader import RulePackError, load_all

    try:
        regimes = load_all()
    except RulePackError as exc:
        raise click.ClickException(str(exc)) from None
    for regime in regimes.values():
        for pack in regime.versions:
            until = f"to {pack.effective_to}" if pack.effective_to else "until a later version starts"
            click.echo(f"{regime.id}/{pack.path.name}: {pack.title}, version {pack.version}, "
                       f"in force from {pack.effective_from} {until}: OK")


offences_cli = AppGroup("offences", help="The offence catalogue (config/offences.yaml).")


@offences_cli.command("sync")
@_commits
def offences_sync():
    """Add, update and retire offences to match config/offences.yaml (safe to repeat; run on every deploy)."""
    from app.cases import catalogue

    counts = catalogue.sync()
    click.echo("Offence catalogue: {added} added, {updated} updated, {retired} retired.".format(**counts))


users_cli = AppGroup("users", help="Staff accounts and invitations.")


@users_cli.command("invite-coordinator")
@click.option("--force", "force_name", required=True, metavar="NAME", help="the police force (added if new)")
@click.option("--email", required=True, help="the coordinator's work email address")
@click.option("--name", default=None, help="the coordinator's full name, for the invitation")
@click.option("--code", default=None, help="the force's short code, if it is new (default: its initials)")
@_commits
def users_invite_coordinator(force_name, email, name, code):
    """Invite the force's first OOCD coordinator (run once, at installation). Again for the same address: a new
    link, and the old one stops working."""
    from app.errors import RuleViolation
    from app.organisations import staff
    from app.organisations.models import Role

    try:
        force = staff.force_named(force_name, code)
        invitation, token = staff.invite(organisation=force, role=Role.COORDINATOR, email=email, name=name,
                                         by=None)
    except RuleViolation as exc:
        raise click.ClickException(" ".join(exc.problems)) from None
    click.echo(f"Invitation for {invitation.email} to be {force.name}'s OOCD coordinator, sent by email.")
    click.echo(f"It can be used once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC. The link:")
    click.echo(staff.link(token))


@click.group("translations")
def translations_cli():
    """The Welsh catalogue (translations/): see the README's "Welsh"."""


@translations_cli.command("mark")
def translations_mark():
    """After `pybabel update`: mark each entry with no Welsh `#. needs translation`, and list them."""
    from app import i18n

    untranslated = i18n.mark_untranslated()
    click.echo(f"{len(untranslated)} entries need translation")
    for text in untranslated:
        click.echo(f"  {text[:100]}")
