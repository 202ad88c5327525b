"""The staff workbench: the back office where clerks, reviewers, inspectors, cashiers and
supervisors do their day's work, built on USWDS pages rather than the Django admin (which stays
for configuration: types, categories, facilities, fees, rules).

Layout:

- every page lives under ``/staff/`` and extends ``workbench/base.html``, which shows the
  workbench's navigation beside the page;
- ``accounts.middleware.StaffMFAMiddleware`` keeps ``/staff/`` to active staff with
  two-factor authentication on, as it does the admin: a resident gets 403, staff without an
  authenticator are sent to set one up;
- what a member of staff may see and do is asked of ``cases.permissions`` in selectors and
  services, never decided in a template;
- each service adds its own pages to the navigation with ``cases.workbench.nav.register``
  from its AppConfig.ready(), so this package never imports a domain app.
"""
