"""Uploads as Django receives them, for the plan upload tests: a request's files go through
the configured upload handlers, and a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled
to disk. The handler here is Django's own for that, with a file that refuses to be read whole
at once, so a test shows the plan is checked and stored a chunk at a time."""

import hashlib

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject


class WholeReadRefused(AssertionError):
    pass


class ChunkOnlyUploadedFile(TemporaryUploadedFile):
    """A temporary upload whose read() without a size fails the test."""

    def read(self, size=-1):
        if size is None or size < 0:
            raise WholeReadRefused("the whole upload was read into memory at once")
        return self.file.read(size)


class ChunkOnlyTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary file handler, keeping the files it made in `received`."""

    received: list[TemporaryUploadedFile] = []

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = ChunkOnlyUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
        type(self).received.append(self.file)


HANDLERS = [
    # Django's default pair, the second one refusing a whole read.
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "tests.permits.uploads.ChunkOnlyTemporaryFileUploadHandler",
]


def chunk_only_uploads(settings) -> list[TemporaryUploadedFile]:
    """Route the request's large files through the handler above; return the files it makes."""
    settings.FILE_UPLOAD_HANDLERS = HANDLERS
    ChunkOnlyTemporaryFileUploadHandler.received = []
    return ChunkOnlyTemporaryFileUploadHandler.received


def sha256_of(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def large_pdf(path, *, pages: int, page_bytes: int) -> int:
    """Write a real PDF of `pages` pages, each drawn by a `page_bytes` content stream (as a
    scanned sheet's image would weigh); return its size."""
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=2592, height=1728)  # 36 x 24 in, a plan sheet
        stream = DecodedStreamObject()
        stream.set_data(b"%" + b"x" * page_bytes + b"\n")
        page[NameObject("/Contents")] = writer._add_object(stream)
    with open(path, "wb") as out:
        writer.write(out)
    return path.stat().st_size
