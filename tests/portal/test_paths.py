"""An address with a NUL in it names no page: 404, never a server error (PostgreSQL refuses
NUL even in a WHERE clause, so a view that looked the path up would fail)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/licenses/lookup/TAAD-2026-%00/complain/", False),
        ("/cases/CON-2026-%00/", True),
        ("/payments/invoices/INV-%00/", True),
        ("/payments/invoices/INV-2026-000001/receipts/%00/", True),
        ("/licenses/licenses/%00/certificate/", True),
        ("/licenses/applications/LIC-%00/", True),
        ("/licenses/apply/LIC-%00/about/", True),
        ("/licenses/renew/REN-%00/check/", True),
        ("/%00/", False),
    ],
)
def test_an_address_with_a_nul_is_not_found(resident, path, signed_in):
    # given
    client = Client()
    if signed_in:
        client.force_login(resident)

    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
