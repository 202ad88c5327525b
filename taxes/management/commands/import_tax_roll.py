"""`manage.py import_tax_roll PATH [--dry-run]`: import the assessor's roll from a CSV file.

Nothing is saved if any row has an error (they are listed, by row), nor with --dry-run.
Exits with status 1 when the file or a row is refused. Rows imported all the same that staff
should check (a lender conflict) are listed too, and counted in the summary with how many of
them this import is the first to record (the import's record keeps both counts).
"""

from django.core.management.base import BaseCommand, CommandError

from taxes.exceptions import RollRefused
from taxes.services.roll import roll_import


class Command(BaseCommand):
    help = "Import the assessor's tax roll (CSV; see docs/tax-roll.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The roll's CSV file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; save nothing."
        )

    def handle(self, *args, path: str, dry_run: bool, **options):
        try:
            with open(path, "rb") as stream:
                report = roll_import(stream=stream, file_name=path, dry_run=dry_run)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        except RollRefused as error:
            raise CommandError(str(error)) from None
        for line, message in report.errors:
            self.stderr.write(f"Row {line}: {message}")
        if report.error_count > len(report.errors):
            self.stderr.write(f"... and {report.error_count - len(report.errors)} more errors.")
        if report.error_count:
            raise CommandError(
                f"{report.error_count} errors in {report.rows} rows: nothing was imported."
            )
        for line, message in report.notes:
            self.stderr.write(f"Row {line}: {message}")
        if report.note_count > len(report.notes):
            self.stderr.write(f"... and {report.note_count - len(report.notes)} more to check.")
        verb = "would be" if dry_run else "were"
        for line, message in report.credits:
            self.stdout.write(f"Row {line}: {message}")
        if report.credit_count:
            self.stdout.write(
                f"{report.credit_count} instalments were paid more than the roll now bills: "
                f"{report.credit_total} {verb} made credits on their payments, to refund."
            )
        self.stdout.write(
            f"{report.rows} rows in {report.seconds:.1f} s: {report.parcels_created} parcels "
            f"{verb} created, {report.bills_created} bills {verb} created, "
            f"{report.bills_adjusted} bills {verb} adjusted ({report.adjustment_lines} "
            f"adjustment lines), {report.bills_unchanged} bills unchanged, "
            f"{report.lender_conflicts} lender conflicts ({report.lender_conflicts_new} new)."
            + (" Dry run: nothing was saved." if dry_run else "")
        )
