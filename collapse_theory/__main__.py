"""``python -m collapse_theory``: the same command as ``collapse-theory``."""
import sys

from .cli import main

sys.exit(main())
