"""The sign-in library's pages, messages and e-mails speak the portal's Spanish ("usted").

django-allauth's own Spanish mixes "tú" and "usted" and says "autenticación de dos factores";
accounts/sign_in_texts.py lists its texts so the portal's catalogue words them again.
"""

import re
from pathlib import Path

import allauth
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.sign_in_texts import ALLAUTH_TEXTS
from tests.portal.test_translations import parse_po

ALLAUTH_CATALOGUE = Path(allauth.__file__).parent / "locale/es/LC_MESSAGES/django.po"

# Informal second person ("tú" and its verb forms) and Spain's or the library's words the
# glossary replaces. Whole words, any letter case.
INFORMAL = re.compile(
    r"\b(tú|tu|tus|te|ti|puedes|has|debes|quieres|tienes|estás|eres|haz|introduce|introdúcelo"
    r"|ingresa|revisa|vuelve|intenta|asegúrate|usa|añade|elige|escribe|sigue|olvidaste"
    r"|necesitas|crea|inicia|cambia|pulsa|guárdalos|escanea|vete|inicies|decides|selecciona"
    r"|regístrate|envíame|utiliza|ten)\b|dos factores|doble factor",
    re.IGNORECASE,
)

# The parts of allauth the portal does not switch on: social accounts, an identity provider,
# passkeys, phone numbers, user sessions and the headless API.
UNUSED = ("socialaccount", "idp", "webauthn", "phone", "usersessions", "headless")


def allauth_messages():
    messages = parse_po(ALLAUTH_CATALOGUE.read_text(encoding="utf-8"))
    return [m for m in messages if m.msgid]


def test_the_informal_pattern_finds_tu_and_not_usted():
    # then
    assert INFORMAL.search("Para confirmar que esto es correcto, vete a la página")
    assert INFORMAL.search("La autenticación de dos factores")
    assert not INFORMAL.search("Para confirmar que es correcto, vaya a la página")


def test_every_text_reworded_is_one_allauth_has():
    # given
    theirs = {m.msgid for m in allauth_messages() if m.msgctxt is None}

    # then: an upgrade that rewords one of them fails here
    assert set(ALLAUTH_TEXTS) - theirs == set()


def test_allauth_serves_no_informal_spanish_in_the_parts_the_portal_uses():
    # given: allauth's messages that come from the parts the portal uses
    source = ALLAUTH_CATALOGUE.read_text(encoding="utf-8")
    used = []
    for block in source.split("\n\n"):
        files = " ".join(re.findall(r"^#: (.+)$", block, re.MULTILINE))
        if files and not any(part in files for part in UNUSED):
            used.extend(m for m in parse_po(block) if m.msgid and m.msgid_plural is None)
    assert len(used) > 150

    # when
    with translation.override("es"):
        served = [
            (m.msgid, translation.pgettext(m.msgctxt, m.msgid))
            if m.msgctxt
            else (m.msgid, translation.gettext(m.msgid))
            for m in used
        ]
    informal = [(msgid, spanish) for msgid, spanish in served if INFORMAL.search(spanish)]

    # then
    assert informal == []


def test_signing_up_in_spanish_says_usted_on_the_page_and_in_the_first_e_mail(client, db):
    # given
    client.cookies["django_language"] = "es"
    signup = {
        "full_name": "Ana Ruiz",
        "email": "ana@example.org",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }

    # when
    response = client.post(reverse("account_signup"), signup, follow=True)

    # then: the "we sent you an e-mail" page
    page = response.content.decode()
    assert "Confirme su correo electrónico" in page
    assert "Le enviamos un correo electrónico para confirmar su dirección." in page
    # and the first e-mail a new resident receives
    (message,) = mail.outbox
    assert message.subject == "Confirme su correo electrónico"
    assert "Para confirmar que es correcto, vaya a http" in message.body
    assert not INFORMAL.search(message.body), message.body
