"""Drop the triggers that raised the account's dashboard_version with every write to cases and
in-app messages.

They held each person's account row lock until commit, so a reminder run that wrote in-app
messages for 250,000 people locked 250,000 accounts, every transaction that wrote several
people's rows had to lock their accounts first, and every row lock had to be FOR NO KEY
UPDATE. The dashboard now reads its sections with plain queries, a constant number per page
(portal/dashboard.py), and keeps no copy to invalidate.

Reversing re-creates the triggers of 0001.
"""

import importlib

from django.db import migrations

_first = importlib.import_module("portal.migrations.0001_dashboard_version")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_dashboard_version")]

    operations = [migrations.RunSQL(_first.BACKWARD, _first.FORWARD)]
