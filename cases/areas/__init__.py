"""Areas: the named districts of the agency (wards, neighbourhoods) a case lies in.

An administrator draws each area as data (`models.Area`: a GeoJSON boundary and, for cases
with an address but no point, ZIP codes). A workflow says where its cases are
(`locating.CaseLocation`, declared with the workflow), and the engine sets `Case.area` when a
case is sent; `manage.py cases_areas_reassign` (or the admin action) sets it again for every
open case after the areas change, one UPDATE per service.
"""
