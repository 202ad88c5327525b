"""Inspections: booking, moving and cancelling (`booking`), who may do so and what blocks a
booking (`access`), results, photos, re-inspection fees and the final that finals the permit
(`results`), and the inspector's route (`route`). Opening the inspectors' places and taking
one: `permits.services.inspection_slots`.

Every write locks the permit's case row first (the lock the case engine takes for moves), so
two people acting on one permit are applied one after the other; slot rows are locked after
it, several at once only in primary-key order, so two moves never wait on each other in a
cycle. The capacity itself is held by the database (see `permits.models.inspections`): a
seat is taken by one conditional UPDATE, and the CHECK on the slot refuses any overbooking.
"""

from permits.services.inspection_slots import slots_open, slots_open_for_booking
from permits.services.inspections.booking import (
    inspection_book,
    inspection_cancel,
    inspection_reschedule,
)
from permits.services.inspections.common import _payload
from permits.services.inspections.results import (
    PURPOSE_REINSPECTION,
    inspection_record_result,
)
from permits.services.inspections.route import inspections_route_order

__all__ = [
    "PURPOSE_REINSPECTION",
    "_payload",
    "inspection_book",
    "inspection_cancel",
    "inspection_record_result",
    "inspection_reschedule",
    "inspections_route_order",
    "slots_open",
    "slots_open_for_booking",
]
