"""Text files attached to a notification's e-mail (an iCalendar invitation, a CSV...).

An attachment is stored on its e-mail row, as written when the message was queued, so the
file sent is the one that matches the change the message announces, even if the record
changes again before the dispatcher runs. Only text is accepted (the row is JSON); the
content type may carry parameters, which reach the MIME part unchanged, e.g.
``text/calendar; method=REQUEST`` for an invitation mail programs offer to accept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from email.mime.text import MIMEText

# What one e-mail row may carry: invitations and small reports, not documents (those are
# links to the portal, behind its access checks).
MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str  # "text/<subtype>", optionally with "; name=value" parameters

    def __post_init__(self) -> None:
        maintype, _slash, rest = self.mimetype.partition("/")
        if maintype.strip().lower() != "text" or not rest.split(";")[0].strip():
            raise ValueError(f"Only text attachments may be queued, not {self.mimetype!r}.")
        if not self.filename or any(c in self.filename for c in '/\\\r\n"'):
            raise ValueError(f"Not a plain file name: {self.filename!r}.")
        if len(self.content.encode()) > MAX_BYTES:
            raise ValueError(f"An attachment is limited to {MAX_BYTES} bytes.")

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def mime_part(stored: dict) -> MIMEText:
    """The MIME part of one stored attachment (`Attachment.as_json()`), for Django's mail."""
    attachment = Attachment(**stored)
    _maintype, _slash, rest = attachment.mimetype.partition("/")
    subtype, *parameters = (piece.strip() for piece in rest.split(";"))
    part = MIMEText(attachment.content, subtype.lower(), "utf-8")
    for parameter in parameters:
        name, _equals, value = parameter.partition("=")
        if name.strip().lower() != "charset" and value:
            part.set_param(name.strip(), value.strip().strip('"'))
    part.set_param("name", attachment.filename)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part
