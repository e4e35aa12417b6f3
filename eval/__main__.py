"""``python -m eval``: the same command as ``attune eval``."""

from eval.cli import main

if __name__ == "__main__":
    main()
