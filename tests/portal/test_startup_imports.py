"""What a web worker imports when it starts: the large libraries that only one view or task
needs are imported by that view or task, so every gunicorn worker does not carry them (the
worker memory budget of `make bench`, see docs/performance.md)."""

import json
import os
import subprocess
import sys

from django.conf import settings

# Each costs a worker several MB (WeasyPrint about 27, with the fonts and image libraries it
# loads; pypdf about 17 with cryptography; qrcode about 5) and serves one kind of request:
# drawing a receipt or a certificate, checking an uploaded PDF.
LOADED_ON_FIRST_USE = ("weasyprint", "pypdf", "qrcode", "fontTools", "pydyf")

_LOAD_AS_A_WORKER_DOES = """
import json, sys
from portal.wsgi import application
from django.urls import get_resolver

def load(patterns):
    for pattern in patterns:
        load(getattr(pattern, "url_patterns", []))

load(get_resolver().url_patterns)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_web_worker_starts_without_the_libraries_of_one_view():
    # when: the WSGI application and every URL's view module are loaded
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_AS_A_WORKER_DOES],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "django" in loaded and "payments" in loaded and "licensing" in loaded
    assert loaded.isdisjoint(LOADED_ON_FIRST_USE), loaded & set(LOADED_ON_FIRST_USE)
