import os
import time

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from concerns.models import ConcernPhoto
from concerns.tasks import sweep_orphaned_photos
from tests.concerns.factories import jpeg_bytes, make_report, upload


def _age(media_root, name, *, hours):
    then = time.time() - hours * 3600
    os.utime(media_root / name, (then, then))


def test_photos_of_a_report_that_rolled_back_are_swept_once_old(db, _media_root):
    # given: a report kept, and one whose enclosing transaction rolled back after its photo
    # was written
    kept = make_report(photos=[upload(jpeg_bytes())]).photos.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = make_report(photos=[upload(jpeg_bytes())]).photos.get()
        raise RuntimeError("the caller's next step failed")
    for photo in (kept, lost):
        _age(_media_root, photo.image.name, hours=48)

    # when
    first, second = sweep_orphaned_photos(), sweep_orphaned_photos()

    # then
    assert (first, second) == (1, 0)
    assert not default_storage.exists(lost.image.name)
    assert default_storage.exists(kept.image.name)
    assert list(ConcernPhoto.objects.values_list("pk", flat=True)) == [kept.pk]


def test_photos_held_for_a_form_nobody_sent_are_swept_once_old(db, _media_root):
    # given: a photo held while its form came back with errors, never sent
    from concerns.services import photo_hold

    held = photo_hold(upload=upload(jpeg_bytes()), keep_location=False)
    fresh = photo_hold(upload=upload(jpeg_bytes()), keep_location=False)
    _age(_media_root, held.name, hours=48)

    # when
    swept = sweep_orphaned_photos()

    # then
    assert swept == 1
    assert not default_storage.exists(held.name)
    assert default_storage.exists(fresh.name)
