from datetime import UTC, datetime
from types import SimpleNamespace

from cases.drafts import drafts_and_sent


def _record(status: str, *, paid: bool = False):
    return SimpleNamespace(
        case=SimpleNamespace(status=status),
        paid_at=datetime(2026, 1, 2, tzinfo=UTC) if paid else None,
    )


def test_a_paid_draft_is_listed_as_sent_and_the_order_is_kept():
    # given
    unsent, paid, submitted, second = (
        _record("draft"),
        _record("draft", paid=True),
        _record("submitted"),
        _record("draft"),
    )

    # when
    drafts, sent = drafts_and_sent(iter([unsent, paid, submitted, second]))

    # then
    assert drafts == [unsent, second]
    assert sent == [paid, submitted]
