"""``python -m verwijsindex``: the command line."""

from verwijsindex.cli import main

raise SystemExit(main())
