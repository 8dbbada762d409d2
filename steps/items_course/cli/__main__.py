"""`python -m items_course.cli`: the same as the `items-course` command."""

import sys

from items_course.cli.main import main

sys.exit(main())
