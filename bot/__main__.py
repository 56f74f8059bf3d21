"""`python -m bot`: see bot/cli.py."""

import sys

if __name__ == "__main__":
    try:
        from bot.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the libraries load: as quiet as Ctrl-C later (bot.cli.main)
        sys.exit(130)
    sys.exit(main())
