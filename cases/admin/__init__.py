"""The staff back office for cases, by topic: the queue tools every service shares (`queue`),
cases themselves (`cases`), departments and staff roles (`staff`), guest links (`links`) and
the agency's closures (`service_levels`).

Nothing here writes a case directly: the change page is read-only, and its forms post to
small admin views that call `cases.services`.

Importing the package registers every model admin of the app.
"""

from cases.admin import cases, links, queue, service_levels, staff  # noqa: F401
