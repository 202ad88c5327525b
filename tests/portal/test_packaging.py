"""pyproject.toml: the package metadata builds without a deprecation warning."""

import tomllib

from django.conf import settings

PYPROJECT = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())


def test_license_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    # given: setuptools warns on every build (three times per install) about the table form
    # `license = { text = ... }`; the plain SPDX string is read from setuptools 77 on
    license_ = PYPROJECT["project"]["license"]
    build_requires = PYPROJECT["build-system"]["requires"]

    # then
    assert license_ == "AGPL-3.0-or-later"
    assert "setuptools>=77" in build_requires
