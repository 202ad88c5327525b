"""The back office for licensing, by topic: license types as data (`types`), the clerks' queue
of applications with a decision form (`applications`, `review`), the register of licenses
(`licenses`), the legacy import (`imports`) and enforcement (`enforcement`).

Importing the package registers every model admin of the app.
"""

from licensing.admin import (  # noqa: F401
    applications,
    enforcement,
    imports,
    licenses,
    review,
    types,
)
