from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Permits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.tokens import register_case_guest_page
        from cases.workflow import register
        from notifications.reminders import register_source
        from permits import dashboard, receivers  # noqa: F401 (receivers connect the signal)
        from permits.case_panel import register_panel
        from permits.reminders import INSPECTION_DAY
        from permits.selectors_search import permit_types_searchable
        from permits.workflow import PERMIT
        from portal.dashboard import register as register_section
        from portal.services_catalogue import CatalogueEntry, register_search_source
        from portal.services_catalogue import register as register_entry

        register(PERMIT)
        register_panel()
        # A guest applicant's links open the permit's inspections page (permits.views.guest).
        register_case_guest_page(kind=PERMIT.kind, page="permits:guest_inspections")
        register_source(INSPECTION_DAY)
        register_entry(
            CatalogueEntry(
                key="permits.apply",
                title=_("Apply for a permit"),
                description=_(
                    "Building, electrical, plumbing, roofing, fence, pool and demolition permits: "
                    "apply with your plans, see the fee before paying, and follow the review."
                ),
                url_name="permits:types",
                keywords=(_("permit"), _("building"), _("construction"), _("plans")),
                service=_("Permits"),
                order=20,
            )
        )
        register_search_source("permits.types", permit_types_searchable)
        register_section(dashboard.SECTION)
        _register_workbench_pages()
        from permits.panels import register_panels

        register_panels()


def _register_workbench_pages() -> None:
    """List the inspector's route (for inspectors only), the inspectors' routes (for their
    supervisors) and cancelling a permit (for staff who move the building department's
    cases) in the staff workbench's navigation (each page checks again)."""
    from cases.workbench.nav import NavItem
    from cases.workbench.nav import register as register_nav
    from permits.selectors_inspections import is_inspector, supervises_inspectors

    register_nav(
        NavItem(
            key="permits.inspector_day",
            label=_("My inspections"),
            url_name="permits:inspector_day",
            order=30,
            shown_to=is_inspector,
        )
    )
    register_nav(
        NavItem(
            key="permits.inspectors",
            label=_("Inspectors' routes"),
            url_name="permits_staff:inspectors",
            order=31,
            shown_to=supervises_inspectors,
        )
    )
    register_nav(
        NavItem(
            key="permits.cancel",
            label=_("Cancel a permit"),
            url_name="permits_staff:cancel",
            order=35,
            shown_to=_may_cancel_permits,
        )
    )


def _may_cancel_permits(user) -> bool:
    from cases import permissions
    from permits.workflow import DEPARTMENT_CODE

    return permissions.can(user, permissions.MOVE, DEPARTMENT_CODE)
