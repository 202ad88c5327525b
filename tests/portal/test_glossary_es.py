"""The Spanish catalogue uses the glossary's words (docs/glossary-es.md).

A resident reads "factura" on one page and must not read "cuenta" for the same paper on the
next. The glossary is the one place that says which Spanish word stands for each English
term; these tests read its tables, so adding a term there checks the whole catalogue.
"""

import re
from dataclasses import dataclass

import pytest

from tests.portal.test_translations import BASE_DIR, CATALOGUE, Message, parse_po

GLOSSARY = BASE_DIR / "docs" / "glossary-es.md"


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]
    spanish: tuple[str, ...]
    never: tuple[str, ...]

    def __str__(self) -> str:
        return "/".join(self.english)


def markdown_table(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first table under `## heading`, as lists of cell texts."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def words(cell: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in cell.split(",") if word.strip())


def whole(phrase: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)


@pytest.fixture(scope="module")
def glossary() -> str:
    return GLOSSARY.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def terms(glossary) -> list[Term]:
    return [
        Term(words(english), words(spanish), words(never))
        for english, spanish, never in markdown_table(glossary, "Terms")
    ]


@pytest.fixture(scope="module")
def catalogue(glossary) -> list[Message]:
    exceptions = {msgid for msgid, _why in markdown_table(glossary, "Exceptions")}
    messages = parse_po((BASE_DIR / CATALOGUE).read_text(encoding="utf-8"))
    return [m for m in messages if m.msgid and m.msgid not in exceptions]


# Placeholders and markup name no term: "%(amount)s" is a number, not the word "amount".
NOT_WORDS = re.compile(r"%\([^)]*\)[a-z]|\{[^}]*\}|<[^>]*>")


def english_of(message: Message) -> str:
    return NOT_WORDS.sub(" ", " ".join(filter(None, [message.msgid, message.msgid_plural])))


def test_the_glossary_has_its_tables(terms, glossary):
    # then: the tables the other tests read are there and read as expected
    assert len(terms) >= 20
    assert Term(("overdue",), ("atrasad",), ("vencid",)) in terms
    assert ["importe", "monto"] in markdown_table(glossary, "Never")


def test_the_reader_finds_whole_words_only():
    # given / when / then: "license" is not found in "licensee", "rate" not in "rates"
    assert whole("license").search("Check a license")
    assert not whole("license").search("Report a licensee")
    assert not whole("rate").search("Message and data rates may apply")
    assert whole("sign in").search("Sign in to apply")


def test_every_message_uses_the_glossary_word_for_its_terms(terms, catalogue):
    # given
    def names(term: Term, message: Message) -> bool:
        return any(whole(word).search(english_of(message)) for word in term.english)

    # when
    strays = []
    for term in terms:
        for message in catalogue:
            if not names(term, message):
                continue
            # A word another term of the same message asks for is that term's, not a stray:
            # "an invoice of your account" holds both "factura" and "cuenta".
            owned = {
                stem.lower() for other in terms if names(other, message) for stem in other.spanish
            }
            for spanish in message.msgstrs:
                lower = spanish.lower()
                if not any(stem.lower() in lower for stem in term.spanish):
                    strays.append(f"{term}: {message} => {spanish!r} lacks {term.spanish}")
                strays.extend(
                    f"{term}: {message} => {spanish!r} uses {word!r}"
                    for word in term.never
                    if word.lower() in lower and word.lower() not in owned
                )

    # then
    assert strays == [], "\n".join(strays)


def test_no_message_uses_a_word_the_glossary_forbids(glossary, catalogue):
    # given
    forbidden = [spanish for spanish, _instead in markdown_table(glossary, "Never")]

    # when
    found = [
        f"{message} => {spanish!r} uses {word!r}"
        for message in catalogue
        for spanish in message.msgstrs
        for word in forbidden
        if whole(word).search(spanish)
    ]

    # then
    assert found == [], "\n".join(found)
