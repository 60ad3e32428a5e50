"""``python -m formcheck``: the same as the ``formcheck`` command."""
import sys

from formcheck.commands.cli import main

if __name__ == "__main__":  # not when a worker process (spawned: pose.parallel, batch) imports it
    sys.exit(main())
