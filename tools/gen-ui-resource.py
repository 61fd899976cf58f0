#!/usr/bin/env python3
"""Compile the built UI (ui/dist) into a GResource C source for bridgevm-app.

Usage: gen-ui-resource.py UI_DIST FALLBACK_DIR OUTPUT.c

Embeds every file under UI_DIST at /io/bridgevm/BridgeVM/ui/..., or the
minimal page in FALLBACK_DIR when UI_DIST has no index.html. Rewrites OUTPUT.c
only when its contents change, so an unchanged UI does not relink the app.
"""
import os
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

PREFIX = "/io/bridgevm/BridgeVM/ui"


def main() -> int:
    dist, fallback, output = sys.argv[1:4]
    root = dist if os.path.isfile(os.path.join(dist, "index.html")) else fallback
    files = []
    for base, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            files.append(os.path.relpath(os.path.join(base, name), root))
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "ui.gresource.xml")
        with open(xml, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<gresources>\n')
            f.write(f'  <gresource prefix="{PREFIX}">\n')
            for rel in files:
                f.write(f"    <file>{escape(rel)}</file>\n")
            f.write("  </gresource>\n</gresources>\n")
        out = os.path.join(tmp, "ui-resource.c")
        subprocess.run(["glib-compile-resources", "--generate-source", "--c-name", "bvm_ui",
                        "--sourcedir", root, "--target", out, xml], check=True)
        with open(out, "rb") as f:
            new = f.read()
    try:
        with open(output, "rb") as f:
            if f.read() == new:
                return 0
    except FileNotFoundError:
        pass
    with open(output + ".tmp", "wb") as f:
        f.write(new)
    os.replace(output + ".tmp", output)
    print(f"gen-ui-resource: embedded {len(files)} files from {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
