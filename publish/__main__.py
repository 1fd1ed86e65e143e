"""``python -m publish``: the same as the ``publish`` command."""

import sys

from publish._entry import main

sys.exit(main())
