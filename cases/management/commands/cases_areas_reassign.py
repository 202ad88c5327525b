"""Place every open case in its area again, after the areas were added, redrawn or removed."""

from django.core.management.base import BaseCommand

from cases.areas.locating import areas_reassign


class Command(BaseCommand):
    help = "Set the area of every open case from its service's location (one UPDATE per service)."

    def handle(self, *args, **options):
        count = areas_reassign()
        self.stdout.write(f"{count} open cases moved to another area.")
