"""Fixtures for the grading library's tests."""

import pytest

from autograder import record_format


@pytest.fixture
def records_folder(tmp_path, monkeypatch):
    """Where `autograder.records` writes during the test, as during grading."""
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    return tmp_path
