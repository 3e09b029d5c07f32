"""Import one catalog kind from CSV: matched by name, all or nothing, with a row report."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.csv_format import KINDS
from catalog.services import catalog_import
from core.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Import support groups, services or CIs from CSV. Rows are matched by name; "
        "re-importing the same file changes nothing; any refused row means nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", help="CSV file (UTF-8), or - for stdin.")
        parser.add_argument("--as", dest="actor", required=True, help="The user who imports.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; save nothing.")

    def handle(self, *args, kind, file, actor, dry_run, **options):
        user = get_user_model().objects.filter(username=actor, is_active=True).first()
        if user is None:
            raise CommandError("No active user {a!r}.".format(a=actor))
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8-sig", newline="") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError("Cannot read {f}: {e}".format(f=file, e=exc)) from exc
        try:
            report = catalog_import(actor=user, kind=kind, text=text, dry_run=dry_run)
        except DomainError as err:
            raise CommandError(err.message) from err
        for problem in report.problems:
            self.stderr.write(
                "row {r}, {f}: {m}".format(r=problem.row, f=problem.field, m=problem.message)
            )
        if not report.ok:
            raise CommandError("Nothing imported: {n} problem(s).".format(n=len(report.problems)))
        self.stdout.write(
            "{prefix}{c} created, {u} updated, {n} unchanged".format(
                prefix="dry run: " if dry_run else "",
                c=report.created,
                u=report.updated,
                n=report.unchanged,
            )
        )
