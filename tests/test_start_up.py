"""What every nbgrader, Validate and Jupyter process pays before it does any work."""

import subprocess
import sys


def test_importing_nbformat_builds_no_iri_parser():
    """jsonschema 4.24+ imports rfc3987-syntax, which builds three Earley parsers
    at import (seconds in each process); requirements.txt pins jsonschema 4.23."""
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, nbformat; print('rfc3987_syntax' in sys.modules, 'lark' in sys.modules)"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert imported == ["False", "False"], (
        "Expected nbformat to import without rfc3987_syntax or lark. Received: they were imported; "
        "reinstall the pinned jsonschema (pip install -r requirements.txt) and uninstall rfc3987-syntax."
    )
