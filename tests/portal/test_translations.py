"""The Spanish catalogue is complete, reviewed and compiled.

`makemessages` adds new English strings untranslated and guesses at changed ones (fuzzy);
Django shows the English for both, so a half-Spanish page ships silently unless a test
refuses it. The compiled `.mo` is what Django reads, and it is committed so the portal speaks
Spanish without a gettext toolchain: it must say what the `.po` says.
"""

import ast
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parents[2]
CATALOGUE = Path("locale/es/LC_MESSAGES/django.po")
COMPILED = CATALOGUE.with_suffix(".mo")


@dataclass
class Message:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return repr(self.msgid) if self.msgctxt is None else f"{self.msgctxt}|{self.msgid!r}"


def parse_po(text: str) -> list[Message]:
    """The live messages of a .po file as gettext writes it (entries apart by blank lines).

    Obsolete (#~) entries are left out; the header (empty msgid) is kept.
    """
    messages = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#") for line in lines):
            continue
        if any(line.startswith("#~") for line in lines):
            continue
        message = Message()
        values: dict[str, str] = {}
        keyword = None
        for line in lines:
            if line.startswith("#,"):
                message.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                values[keyword] += ast.literal_eval(line)
            else:
                keyword, _, literal = line.partition(" ")
                values[keyword] = ast.literal_eval(literal)
        message.msgid = values["msgid"]
        message.msgctxt = values.get("msgctxt")
        message.msgid_plural = values.get("msgid_plural")
        message.msgstrs = [values[key] for key in sorted(values) if key.startswith("msgstr")]
        messages.append(message)
    return messages


def mo_catalog(data: bytes) -> dict[bytes, bytes]:
    """Original to translated strings of a compiled .mo file, as raw bytes."""
    endian = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    _revision, count, originals, translations = struct.unpack(endian + "4I", data[4:20])

    def string(table: int, index: int) -> bytes:
        length, offset = struct.unpack_from(endian + "2I", data, table + 8 * index)
        return data[offset : offset + length]

    return {string(originals, i): string(translations, i) for i in range(count)}


def msgfmt(po_text: bytes, directory: Path) -> bytes:
    """Compile `po_text` with the checks Django's compilemessages runs, and more."""
    msgfmt_path = shutil.which("msgfmt")
    assert msgfmt_path, "msgfmt is missing: install gettext (make system-deps does)."
    source = directory / "django.po"
    source.write_bytes(po_text)
    target = directory / "django.mo"
    result = subprocess.run(
        [msgfmt_path, "--check", "-o", str(target), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return target.read_bytes()


def git_show(path: Path) -> bytes | None:
    """`path` as committed at HEAD, or None outside a git checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    result = subprocess.run(
        [git, "-C", str(BASE_DIR), "show", f"HEAD:{path.as_posix()}"],
        capture_output=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return parse_po((BASE_DIR / CATALOGUE).read_text(encoding="utf-8"))


def test_the_parser_reads_plurals_contexts_flags_and_continued_lines():
    # given
    text = (
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgctxt "button"\nmsgid ""\n"Pay "\n"%(amount)s"\n'
        'msgstr "Pagar %(amount)s"\n\n'
        'msgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] "%(n)s archivo"\n'
        'msgstr[1] ""\nmsgstr[2] "%(n)s archivos"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Ido"\n'
    )

    # when
    parsed = parse_po(text)

    # then
    assert [(m.msgctxt, m.msgid, m.msgid_plural, m.msgstrs, m.flags) for m in parsed] == [
        (None, "", None, ["Language: es\n"], set()),
        ("button", "Pay %(amount)s", None, ["Pagar %(amount)s"], {"fuzzy", "python-format"}),
        (None, "%(n)s file", "%(n)s files", ["%(n)s archivo", "", "%(n)s archivos"], set()),
    ]


def test_every_message_has_a_spanish_translation(messages):
    # given
    untranslated = [str(m) for m in messages if m.msgid and not all(m.msgstrs)]

    # then
    assert len(messages) > 1000
    assert untranslated == [], "Translate these in locale/es/LC_MESSAGES/django.po"


def test_no_translation_is_left_fuzzy(messages):
    # given
    fuzzy = [str(m) for m in messages if "fuzzy" in m.flags]

    # then
    assert fuzzy == [], "Check these, then remove their fuzzy flag"


def test_the_compiled_catalogue_says_what_the_po_says(tmp_path):
    # given
    expected = mo_catalog(msgfmt((BASE_DIR / CATALOGUE).read_bytes(), tmp_path))

    # when
    compiled = mo_catalog((BASE_DIR / COMPILED).read_bytes())

    # then
    assert compiled == expected, "Run `make messages` and commit locale/es/LC_MESSAGES/django.mo"


def test_the_committed_compiled_catalogue_matches_the_committed_po(tmp_path):
    # given: make test recompiles the working copy, so only git tells whether the .mo
    # that was committed alongside the .po is up to date.
    committed_po = git_show(CATALOGUE)
    committed_mo = git_show(COMPILED)
    # The suite runs from a git checkout (make test, CI's clone): without git this check
    # cannot be made, and it fails rather than passing silently.
    assert committed_po is not None and committed_mo is not None, (
        "git and a checkout with the catalogue committed are needed to compare the .mo and .po"
    )

    # when
    expected = mo_catalog(msgfmt(committed_po, tmp_path))

    # then
    assert mo_catalog(committed_mo) == expected, "Commit the recompiled django.mo"


def served_forms(message: Message) -> list[tuple[str, str]]:
    """(what Django answers, what the catalogue says) for each form of `message`."""
    if message.msgid_plural is None:
        if message.msgctxt is None:
            return [(translation.gettext(message.msgid), message.msgstrs[0])]
        return [(translation.pgettext(message.msgctxt, message.msgid), message.msgstrs[0])]
    pairs = []
    # 1 picks the singular form and 2 the general plural in Spanish's plural rule.
    for count, form in ((1, 0), (2, 2)):
        if message.msgctxt is None:
            answer = translation.ngettext(message.msgid, message.msgid_plural, count)
        else:
            answer = translation.npgettext(
                message.msgctxt, message.msgid, message.msgid_plural, count
            )
        pairs.append((answer, message.msgstrs[form]))
    return pairs


def test_django_serves_every_spanish_translation(messages):
    # when
    with translation.override("es"):
        wrong = [
            (str(m), answer, expected)
            for m in messages
            if m.msgid
            for answer, expected in served_forms(m)
            if answer != expected
        ]

    # then
    assert wrong == []


def test_a_payment_event_received_keeps_its_own_spanish():
    # when / then: the reconciliation page's column, about an event (masculine)
    with translation.override("es"):
        assert translation.pgettext("when a payment event arrived", "Received") == "Recibido"


def test_the_catalogue_holds_exactly_the_messages_in_the_code(
    messages, tmp_path, monkeypatch, settings
):
    """A new string stays English until someone runs makemessages, and a removed one lingers:
    extract the messages from the code afresh and compare them with the catalogue's."""
    # given: the code's folders, linked into a scratch folder, so makemessages writes its
    # catalogue there and never into the checkout
    source = tmp_path / "source"
    source.mkdir()
    for folder in sorted(BASE_DIR.iterdir()):
        is_app = (folder / "__init__.py").exists() and folder.name != "tests"
        if is_app or folder.name == "templates":
            (source / folder.name).symlink_to(folder, target_is_directory=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(source)

    # when
    call_command("makemessages", locale=["es"], symlinks=True, no_obsolete=True, verbosity=0)
    extracted = parse_po((tmp_path / "locale/es/LC_MESSAGES/django.po").read_text("utf-8"))

    # then
    def keys(catalogue):
        return {(m.msgctxt, m.msgid, m.msgid_plural) for m in catalogue if m.msgid}

    missing = sorted(map(repr, keys(extracted) - keys(messages)))
    stale = sorted(map(repr, keys(messages) - keys(extracted)))
    assert len(keys(extracted)) > 1000
    assert (missing, stale) == ([], []), (
        "Run makemessages (docs/development.md, Translations), translate what is new, "
        "commit the .po and .mo"
    )
