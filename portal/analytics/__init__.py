"""Analytics: the supervisors' dashboard in the workbench and the public performance page.

Both read summary tables (`models`), refreshed by one beat task (`refresh`), so every chart
reads a few thousand rows however many cases, payments and messages the agency holds. This
package reads across cases, payments and notifications, which never import each other's
domain, so it lives in the site shell rather than in any of them.
"""
