"""`python -m edge …` is `omnistore edge …`."""

import sys

from edge.cli import main

sys.exit(main())
