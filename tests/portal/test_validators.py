import pytest
from django.core.exceptions import ValidationError

from portal.validators import plain_text, validate_visible_text

MESSAGE = "Remove the invisible formatting characters from this answer."


@pytest.mark.parametrize(
    "character",
    [
        "\u202a",  # left-to-right embedding
        "\u202b",  # right-to-left embedding
        "\u202c",  # pop directional formatting
        "\u202d",  # left-to-right override
        "\u202e",  # right-to-left override: "Ana \u202eziuR" prints "Ana Ruiz" reversed
        "\u2066",  # left-to-right isolate
        "\u2067",  # right-to-left isolate
        "\u2068",  # first strong isolate
        "\u2069",  # pop directional isolate
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u061c",  # Arabic letter mark
        "\u200b",  # zero width space
        "\u2060",  # word joiner
        "\ufeff",  # zero width no-break space (byte order mark)
        "\u00ad",  # soft hyphen
        "\U000e0041",  # tag latin capital letter A
        "\x07",  # bell: a control character
    ],
)
def test_invisible_formatting_characters_are_refused(character):
    with pytest.raises(ValidationError) as refused:
        validate_visible_text(f"Ana{character} Ruiz")
    assert refused.value.messages == [MESSAGE]
    assert refused.value.code == "invisible_characters"


@pytest.mark.parametrize(
    "value",
    [
        "José Ruiz",
        "محمد علي",  # right-to-left script: its direction comes from the letters themselves
        "מיכל לוי",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # ZWNJ: Persian spelling
        "क्\u200dष",  # zero width joiner: Devanagari conjuncts
        "👩\u200d🔧 plumber",  # zero width joiner in an emoji sequence
        "line one\r\nline two\ttabbed",
    ],
)
def test_text_in_any_script_is_accepted(value):
    validate_visible_text(value)


def test_plain_text_composes_characters_and_refuses_invisible_ones():
    assert plain_text("Jose\u0301") == "Jos\u00e9"
    with pytest.raises(ValidationError):
        plain_text("Ana \u202eziuR")
