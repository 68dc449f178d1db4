#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find items of the shared sources that no crate uses.

The crate roots allow dead_code and unused_imports on the shared sources (padata/, kext/),
since each crate uses another part of them (Documentation/padata.rst, "Module layout").
make lint builds every crate once more with --cfg rpd_dead_code_check, which drops that
allowance, and runs this script on the build log (make -j1, so that each crate's warnings
follow its "RUSTC [M] <object>" line). An item is reported when every crate that compiles
its file warns that it is unused.

Usage: dead-code.py BUILD_LOG MODULE_DIR
"""
import os
import re
import sys

log, top = sys.argv[1], sys.argv[2]
warned = {}  # (path, line, message) -> crates that warned
crates = set()  # every crate built
crate = None
message = None
for text in open(log, encoding="utf-8", errors="replace"):
    m = re.match(r"\s+RUSTC \[M\] (\S+)\.o$", text)
    if m:
        crate = m.group(1)
        crates.add(crate)
        continue
    m = re.match(r"warning: (.*(never used|never read|never constructed|unused).*)$", text)
    if m:
        message = m.group(1)
        continue
    m = re.match(r"\s+--> (\S+):(\d+):\d+$", text)
    if m and message and crate:
        path = os.path.normpath(m.group(1))
        warned.setdefault((path, int(m.group(2)), message), set()).add(crate)
    message = None if not text.strip() else message


def sources(crate):
    """The project's .rs files a crate compiles (from kbuild's .cmd file)."""
    cmd = os.path.join(top, os.path.dirname(crate), "." + os.path.basename(crate) + ".o.cmd")
    found = set()
    for name in re.findall(r"(\S+\.rs)\b", open(cmd, encoding="utf-8").read()):
        full = os.path.normpath(os.path.join(top, name))
        if not os.path.isabs(name) and os.path.exists(full):
            found.add(os.path.relpath(full, top))
    return found


compiled = {c: sources(c) for c in crates}
dead = []
for (path, line, message), cs in sorted(warned.items()):
    users = {c for c, srcs in compiled.items() if path in srcs}
    if users and users <= cs:
        dead.append(f"{path}:{line}: {message} (in every crate that compiles it: "
                    f"{', '.join(sorted(users))})")
print("\n".join(dead) if dead else "no item is unused in every crate")
sys.exit(1 if dead else 0)
