"""``python -m sklearn_rnn demo``."""

import sys

from sklearn_rnn._cli import main

if __name__ == "__main__":
    sys.exit(main())
