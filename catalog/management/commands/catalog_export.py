"""Write one catalog kind as CSV (the format the import reads back)."""

from django.core.management.base import BaseCommand

from catalog.csv_format import COLUMNS, KINDS, csv_render
from catalog.selectors import catalog_export_rows


class Command(BaseCommand):
    help = "Export support groups, services or CIs as CSV (formula cells neutralised)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--output", "-o", default="-", help="File to write (default: stdout).")

    def handle(self, *args, kind, output, **options):
        text = csv_render(COLUMNS[kind], catalog_export_rows(kind=kind))
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
