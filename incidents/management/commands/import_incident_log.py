"""Import the ServiceNow incident event log: `manage.py import_incident_log FILE`.

A thin wrapper over incidents.importer.incident_log_import: a progress bar on stderr, then a
summary on stdout.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.numbering import NUMBER_WIDTH
from incidents.constants import NUMBER_PREFIX
from incidents.importer import ImportResult, IncidentLogError, incident_log_import

BAR_WIDTH = 30


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Import incidents and their audit history from the ServiceNow incident event log "
        "(CSV, plain or gzipped). Incidents that already exist are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="incident_event_log.csv or .csv.gz")
        parser.add_argument(
            "--limit-incidents",
            type=_positive,
            default=None,
            metavar="N",
            help="Stop after the first N incidents of the file.",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=2000,
            metavar="N",
            help="Incidents per transaction (default 2000).",
        )
        parser.add_argument(
            "--time-zone",
            default=None,
            help="Zone of the file's dates (default: settings.TIME_ZONE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = incident_log_import(
                path=options["file"],
                limit_incidents=options["limit_incidents"],
                batch_size=options["batch_size"],
                time_zone=options["time_zone"],
                progress=self._progress if options["verbosity"] > 0 else None,
            )
        except IncidentLogError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            self.stderr.write("", style_func=str)  # ends the progress bar's line
        self._summary(result)

    def _progress(self, result: ImportResult, fraction: float) -> None:
        filled = int(BAR_WIDTH * fraction)
        self.stderr.write(
            "\r[{bar}{rest}] {pct:3.0f}%  {seen} incidents, {events} events, {secs:.1f} s".format(
                bar="#" * filled,
                rest="-" * (BAR_WIDTH - filled),
                pct=fraction * 100,
                seen=result.incidents_seen,
                events=result.events_imported,
                secs=result.elapsed_seconds,
            ),
            style_func=str,
            ending="",
        )
        self.stderr.flush()

    def _summary(self, result: ImportResult) -> None:
        def grouped(counter: dict[str, int]) -> str:
            return ", ".join(
                "{reason}: {count}".format(reason=reason, count=count)
                for reason, count in sorted(counter.items())
                if count
            )

        lines = [
            "Incidents imported: {n} ({events} events as history rows)".format(
                n=result.incidents_imported, events=result.events_imported
            ),
            "Incidents skipped: {n}{detail}".format(
                n=sum(result.incidents_skipped.values()),
                detail=" ({d})".format(d=grouped(result.incidents_skipped))
                if any(result.incidents_skipped.values())
                else "",
            ),
            "Rows read: {n}".format(n=result.rows_read),
            "Rows skipped: {n}{detail}".format(
                n=sum(result.rows_skipped.values()),
                detail=" ({d})".format(d=grouped(result.rows_skipped))
                if any(result.rows_skipped.values())
                else "",
            ),
            "Created: {u} users, {g} support groups, {s} services".format(
                u=result.users_created, g=result.groups_created, s=result.services_created
            ),
            "Event times out of order, raised to the previous event: {n}".format(
                n=result.event_times_clamped
            ),
            "Highest number: {prefix}{n:0{w}d} (the number sequence is at least this)".format(
                prefix=NUMBER_PREFIX, n=result.highest_number, w=NUMBER_WIDTH
            ),
            "Elapsed: {secs:.1f} s".format(secs=result.elapsed_seconds),
        ]
        if result.file_truncated:
            lines.append("The file broke off before its end; its last incident was left out.")
        for line in lines:
            self.stdout.write(line)
