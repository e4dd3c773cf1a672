import sys

from forum_cli.main import main

sys.exit(main())
