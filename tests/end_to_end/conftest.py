"""Fixtures the end-to-end tests share."""

import pytest

from student_environment import StudentEnvironment


@pytest.fixture(scope="session")
def student_environment(course_root, tmp_path_factory, record_timing):
    """The student bundle, built and installed into a fresh virtualenv (see `student_environment.py`)."""
    import time

    start = time.perf_counter()
    environment = StudentEnvironment.create(course_root, tmp_path_factory.mktemp("student"))
    record_timing("student bundle: build, fresh virtualenv, pip install", time.perf_counter() - start)
    return environment
