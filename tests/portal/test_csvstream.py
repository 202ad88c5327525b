"""Shared CSV streaming: numbers stay numbers, text a spreadsheet would run stays escaped."""

import csv
import io
from decimal import Decimal

import pytest

from portal.csvstream import cell, csv_lines


@pytest.mark.parametrize(
    ("value", "written"),
    [
        # Numbers, as values or as the text of a formatted amount, are written as they are.
        (-12, "-12"),
        (Decimal("-12.00"), "-12.00"),
        (-1.5, "-1.5"),
        ("-12.00", "-12.00"),
        ("+3", "+3"),
        ("-0.5", "-0.5"),
        ("-.5", "-.5"),
        ("-1,234.56", "-1,234.56"),
        ("12.00", "12.00"),
        # Anything else that starts like a formula keeps its apostrophe.
        ("-2+3", "'-2+3"),
        ("-12.00\n", "'-12.00\n"),
        ("-12.00 ", "'-12.00 "),
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-", "'-"),
        ("--1", "'--1"),
        ("-1,2", "'-1,2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t-1", "'\t-1"),
        ("\r-1", "'\r-1"),
        ("-١٢", "'-١٢"),  # digits of another script are text to a spreadsheet
        (True, "True"),
        (None, ""),
    ],
)
def test_cell(value, written):
    assert cell(value) == written


def test_a_negative_amount_in_a_file_reads_back_as_a_number():
    text = "".join(csv_lines(("parcel", "owed"), [("12-345", "-12.00"), ("=1+1", -7)]))

    assert list(csv.reader(io.StringIO(text))) == [
        ["parcel", "owed"],
        ["12-345", "-12.00"],
        ["'=1+1", "-7"],
    ]
