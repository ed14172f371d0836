#!/usr/bin/env python3
"""Checks that a Lambda bundle (a folder with `bootstrap`, as infra/package.sh lays it out) runs on
provided.al2023 (glibc 2.34, GCC 11's libstdc++, no libpq): `check-lambda-bundle.py FOLDER...`.

A bundle either carries its own C library, and then its bootstrap must start through the loader it
carries (PT_INTERP /var/task/lib/ld-linux-x86-64.so.2, RPATH $ORIGIN/lib, searched before Lambda's
LD_LIBRARY_PATH), every library any of its files needs must be in lib/, and no file may need a
glibc symbol version newer than the carried libc defines; or it carries none, and then no file may
need a glibc symbol newer than GLIBC_2.34, a libstdc++ one newer than GLIBCXX_3.4.29, or a library
the image does not have. Exit 1 with every problem named, else 0."""
import os
import re
import subprocess
import sys

AL2023_GLIBC = (2, 34)
AL2023_GLIBCXX = (3, 4, 29)
# Shared libraries provided.al2023 has in /lib64 (its minimal image: glibc, libgcc, libstdc++,
# OpenSSL 3, zlib, libcurl-minimal); libpq is not among them.
AL2023_LIBRARIES = {
    "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
    "libresolv.so.2", "libutil.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1",
    "libssl.so.3", "libcrypto.so.3", "libcurl.so.4",
}
TASK_LOADER = "/var/task/lib/ld-linux-x86-64.so.2"


def run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


def is_elf(path):
    with open(path, "rb") as file:
        return file.read(4) == b"\x7fELF"


def version(text):
    return tuple(int(part) for part in text.split("."))


def required_versions(path, prefix):
    """The symbol versions `path` needs from others (undefined dynamic symbols), e.g. GLIBC_2.35."""
    found = set()
    for line in run("objdump", "-T", path).splitlines():
        if "*UND*" in line:
            match = re.search(r"\b" + prefix + r"_([0-9.]+)\b", line)
            if match:
                found.add(version(match.group(1)))
    return found


def defined_glibc(libc):
    """The newest GLIBC_x.y version a libc defines."""
    versions = {version(v) for v in re.findall(r"\bGLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)\b", run("objdump", "-T", libc))}
    return max(versions)


def needed(path):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", path))


def check(folder):
    problems = []
    bootstrap = os.path.join(folder, "bootstrap")
    if not os.path.isfile(bootstrap) or not os.access(bootstrap, os.X_OK):
        return [f"{folder}: no executable bootstrap"]
    lib = os.path.join(folder, "lib")
    files = [bootstrap] + sorted(
        os.path.join(lib, name) for name in (os.listdir(lib) if os.path.isdir(lib) else [])
        if os.path.isfile(os.path.join(lib, name)) and is_elf(os.path.join(lib, name)))
    carried = set(os.listdir(lib)) if os.path.isdir(lib) else set()
    bundled = "libc.so.6" in carried and "ld-linux-x86-64.so.2" in carried
    headers = run("readelf", "-l", "-d", bootstrap)
    interpreter = re.search(r"Requesting program interpreter: ([^\]]+)\]", headers)
    if bundled:
        if not interpreter or interpreter.group(1) != TASK_LOADER:
            problems.append(f"{bootstrap}: carries its C library but starts through {interpreter.group(1) if interpreter else 'no loader'}, not {TASK_LOADER}")
        if not re.search(r"\(RPATH\)\s+Library rpath: \[\$ORIGIN/lib\]", headers):
            problems.append(f"{bootstrap}: carries its libraries but has no RPATH $ORIGIN/lib (RUNPATH would lose to Lambda's LD_LIBRARY_PATH)")
        ceiling = defined_glibc(os.path.join(lib, "libc.so.6"))
        available = carried
    else:
        ceiling = AL2023_GLIBC
        available = AL2023_LIBRARIES
    for path in files:
        name = os.path.relpath(path, folder)
        newest = max(required_versions(path, "GLIBC"), default=None)
        if newest and newest > ceiling:
            symbols = sorted({line.split()[-1] for line in run("objdump", "-T", path).splitlines()
                              if "*UND*" in line and re.search(r"GLIBC_([0-9.]+)", line)
                              and version(re.search(r"GLIBC_([0-9.]+)", line).group(1)) > ceiling})
            problems.append(f"{name}: needs GLIBC_{'.'.join(map(str, newest))} ({', '.join(symbols[:5])}) but the C library it will run with is {'.'.join(map(str, ceiling))}")
        if not bundled:
            newest_cxx = max(required_versions(path, "GLIBCXX"), default=None)
            if newest_cxx and newest_cxx > AL2023_GLIBCXX:
                problems.append(f"{name}: needs GLIBCXX_{'.'.join(map(str, newest_cxx))}; provided.al2023's libstdc++ has {'.'.join(map(str, AL2023_GLIBCXX))}")
        for library in needed(path):
            if library not in available:
                problems.append(f"{name}: needs {library}, which {'lib/ does not carry' if bundled else 'provided.al2023 does not have'}")
    return problems


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = [problem for folder in sys.argv[1:] for problem in check(folder)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(sys.argv) - 1} bundle(s) run on provided.al2023")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
