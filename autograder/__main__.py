import sys

from autograder.tools.cli import main

sys.exit(main())
