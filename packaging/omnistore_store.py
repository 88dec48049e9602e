# The script PyInstaller freezes into dist/omnistore-store (see build.sh).
import sys

from shared.launcher.store_binary import main

sys.exit(main())
