"""Fixtures the end-to-end tests share."""

import pytest

import student_environment as environments


@pytest.fixture(scope="session")
def student_environment(course_root, tmp_path_factory, record_timing):
    """The student bundle, built and installed into a fresh virtualenv (see `student_environment.py`)."""
    environment, seconds = environments.shared(course_root, tmp_path_factory)
    record_timing("student bundle: build, fresh virtualenv, pip install", seconds)
    return environment
