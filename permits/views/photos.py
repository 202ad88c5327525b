"""Inspection photos, served through a view that checks who asks, never from MEDIA_URL.

Photos show a property and sometimes its inside: only the permit's applicant (signed in, or
a guest through the permit's link), its inspectors and staff who may view the case see them;
anyone else gets 404, as for a photo that does not exist. A thumbnail is made on request
from the stored JPEG (already stripped of its metadata), so a phone on a poor connection
loads a few kilobytes per photo and opens the full photo only when asked.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from PIL import Image

from cases.images import image_encode
from permits.models import InspectionPhoto
from permits.selectors_inspections import inspection_photo_for

THUMBNAIL_PIXELS = 320
# Private: a shared cache must never keep a photo one person was allowed to see.
_CACHE_CONTROL = "private, max-age=3600"


def photo_response(photo: InspectionPhoto, *, thumbnail: bool) -> HttpResponse | FileResponse:
    """The photo (or its thumbnail) as a JPEG response, kept out of shared caches. The full
    photo streams from storage rather than being read into memory."""
    filename = f"inspection-photo-{photo.pk}.jpg"
    if thumbnail:
        with photo.image.open("rb") as stored, Image.open(stored) as image:
            image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            data = image_encode(image, image_format="JPEG")
        response = HttpResponse(data, content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    else:
        stored = photo.image.storage.open(photo.image.name, "rb")
        response = FileResponse(stored, content_type="image/jpeg", filename=filename)
    response["Cache-Control"] = _CACHE_CONTROL
    return response


@require_GET
def inspection_photo(
    request: HttpRequest, pk: int, thumbnail: bool = False
) -> HttpResponse | FileResponse:
    try:
        photo = inspection_photo_for(user=request.user, pk=pk)
    except InspectionPhoto.DoesNotExist as missing:
        raise Http404 from missing
    return photo_response(photo, thumbnail=thumbnail)
