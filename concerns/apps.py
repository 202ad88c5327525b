from django.apps import AppConfig
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _


def _reports_page_description() -> str:
    """The catalogue's words for /concerns/: it offers a map only where one is drawn, with a
    tile server (MAP_TILE_URL); no tile server can be reached from a fresh machine."""
    if settings.MAP_TILE_URL:
        return gettext("See recent reports on a map or as a list, and follow them.")
    return gettext("See recent reports as a list, and follow them.")


class ConcernsConfig(AppConfig):
    name = "concerns"
    verbose_name = _("Concern reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.claims import register_case_claims
        from cases.tokens import register_case_guest_page
        from cases.workflow import register
        from concerns.panels import register_panels
        from concerns.selectors import SERVICE_NAME, categories_searchable
        from concerns.workflow import CONCERN_REPORT
        from portal.services_catalogue import CatalogueEntry, register_search_source
        from portal.services_catalogue import register as register_entry

        register(CONCERN_REPORT)
        register_case_guest_page(kind=CONCERN_REPORT.kind, page="concerns:guest")
        register_case_claims(
            kind=CONCERN_REPORT.kind,
            noun=ngettext_lazy("%(count)d report", "%(count)d reports", "count"),
        )
        register_entry(
            CatalogueEntry(
                key="concerns.report",
                title=_("Report a problem"),
                description=_(
                    "Tell us about a pothole, graffiti, a broken streetlight, missed trash "
                    "pickup or illegal dumping, and follow what we do about it."
                ),
                url_name="concerns:report_start",
                keywords=(
                    _("311"),
                    _("pothole"),
                    _("graffiti"),
                    _("streetlight"),
                    _("street lamp"),
                    _("trash"),
                    _("dumping"),
                    _("complaint"),
                ),
                service=SERVICE_NAME,
                order=40,
            )
        )
        register_entry(
            CatalogueEntry(
                key="concerns.map",
                title=_("Problems reported near you"),
                description=lazy(_reports_page_description, str)(),
                url_name="concerns:list",
                keywords=(_("map"), _("311"), _("open data")),
                service=SERVICE_NAME,
                order=41,
            )
        )
        register_search_source("concerns.categories", categories_searchable)
        register_panels()
        _register_workbench_pages()


def _register_workbench_pages() -> None:
    """List the field staff's day in the workbench's navigation for staff who work concern
    reports (the page checks again)."""
    from cases.workbench.nav import NavItem
    from cases.workbench.nav import register as register_nav
    from concerns.selectors import may_work_field_day

    register_nav(
        NavItem(
            key="concerns.field_day",
            label=_("My reports in the field"),
            url_name="concerns:field_day",
            order=32,
            shown_to=may_work_field_day,
        )
    )
