import sys

from abusedesk.cli.main import main

sys.exit(main())
