"""What the fault tests' load needs in a fresh database: residents who can sign in and a
concern category to report in. Run inside the portal's environment (`manage.py shell`)."""

from __future__ import annotations

import json

RESIDENTS = 4
CATEGORY = "pothole"


def seed() -> None:
    """Create the residents and the category; print their e-mail addresses as JSON."""
    from tests.accounts.factories import UserFactory
    from tests.concerns.factories import CategoryFactory

    residents = [UserFactory(email=f"fault-resident{n}@example.org") for n in range(RESIDENTS)]
    CategoryFactory(code=CATEGORY, name="Pothole")
    print(json.dumps({"residents": [r.email for r in residents], "category": CATEGORY}))
