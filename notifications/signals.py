"""The one signal notifications sends: a message that did not reach its recipient.

Sent inside the transaction that records it, once per message: when the provider reports a
bounce (`notification_delivery_record`) or the dispatcher gives up on the message (its last
attempt failed, the provider refused it, it could not be rendered). A service whose messages
must never be lost silently (a tax reminder calls for a paper notice) answers it in its own
`receivers.py` by calling one of its services; notifications never imports that service.

Arguments: `notification_id`, `template_key`, `channel`, `to_address`, `context` (the
message's JSON context) and `reason` (the provider's words, or the dispatcher's error).
"""

from django.dispatch import Signal

notification_undelivered = Signal()
