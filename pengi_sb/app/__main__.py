"""``python -m pengi_sb.app --source DIR``: the web app (see
:func:`pengi_sb.app.launch.main`)."""

import sys

from pengi_sb.app.launch import main

sys.exit(main())
