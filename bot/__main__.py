"""`python -m bot`: see bot/terminal/cli.py."""

import sys

if __name__ == "__main__":
    try:
        from bot.terminal.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the libraries load: as quiet as Ctrl-C later (bot.terminal.cli.main)
        sys.exit(130)
    sys.exit(main())
