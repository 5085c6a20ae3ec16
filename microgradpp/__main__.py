"""``python -m microgradpp …``: the same as the ``microgradpp`` command (see ``cli.py``)."""

from .cli import main

raise SystemExit(main())
