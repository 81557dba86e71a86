"""`python -m planner.cli ...`: the same as the `warrant` script."""
import sys

from planner.cli.main import main

sys.exit(main())
