"""Static files storage: WhiteNoise's compressed manifest storage, remembering its URLs.

Every page asks for the URL of its stylesheets, scripts and images; the manifest storage
computes each one anew (a manifest lookup, then joining and quoting the URL), which shows in
the profile of every page. The manifest is read once when the process starts and never
changes under it (collectstatic runs before a deploy restarts the servers), so a name's URL
is the same for the life of the process, and it is kept.
"""

from __future__ import annotations

from whitenoise import storage


class CompressedManifestStaticFilesStorage(storage.CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name)
        return url
