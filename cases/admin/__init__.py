"""The staff back office for cases, by topic: the agency's areas (`areas`), the queue tools
every service shares (`queue`), cases themselves (`cases`), departments and staff roles
(`staff`), guest links (`links`), the workbench's message templates (`message_templates`) and
the agency's closures (`service_levels`), and the draft, preview and publish of a service's
setup rows (`publication`: `PublicationAdminMixin`, `PublishedFilter`).

Nothing here writes a case directly: the change page is read-only, and its forms post to
small admin views that call `cases.services`.

Importing the package registers every model admin of the app.
"""

from cases.admin import (  # noqa: F401
    areas,
    cases,
    links,
    message_templates,
    queue,
    service_levels,
    staff,
)
