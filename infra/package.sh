#!/usr/bin/env bash
# Builds the functions of infra/template.yaml for Lambda's provided.al2023 and lays each out as a
# self-contained bundle: .build/lambda/<function>/ (bootstrap + lib/) and .build/lambda/<function>.zip.
#
#   infra/package.sh                      every function
#   infra/package.sh health oidc          those functions
#   infra/package.sh --into DIR health    one function, laid out in DIR (sam build's ARTIFACTS_DIR)
#
# Why a bundle: this is built on Debian 12 (glibc 2.36, OpenSSL 3.0, libcurl with CURL_OPENSSL_4
# symbols, libpq), and provided.al2023 has glibc 2.34 and no libpq. So each bundle carries the
# loader and C library it was linked against, every shared library it needs (and the libcurl that
# the runtime opens on a function's first outbound request), and its bootstrap names that loader
# (PT_INTERP /var/task/lib/ld-linux-x86-64.so.2, where Lambda unpacks a zip) and an RPATH of
# $ORIGIN/lib, which the loader searches before Lambda's LD_LIBRARY_PATH. Nothing of the image is
# used but the kernel; no shell starts the binary, so the cold start is the binary's own.
set -euo pipefail
cd "$(dirname "$0")/.."

into=""
if [ "${1:-}" = "--into" ]; then into=$2; shift 2; fi
functions=("$@")
if [ ${#functions[@]} -eq 0 ]; then
  mapfile -t functions < <(scripts/template-functions.sh | cut -f2 | sort -u)
fi
[ ${#functions[@]} -gt 0 ] || { echo "no functions found in infra/template.yaml" >&2; exit 1; }
for function in "${functions[@]}"; do
  [ -n "$function" ] || { echo "an empty function name (is the LogicalId in infra/template.yaml?)" >&2; exit 2; }
done
if [ -n "$into" ] && [ ${#functions[@]} -ne 1 ]; then echo "--into takes exactly one function" >&2; exit 2; fi

task_root=/var/task
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
loader=/lib64/ld-linux-x86-64.so.2
libcurl=$(ldconfig -p | sed -n 's#.*libcurl\.so\.4 (libc6,x86-64) => \(.*\)#\1#p' | head -1)
[ -n "$libcurl" ] || { echo "libcurl.so.4 not found (apt-get install libcurl4-openssl-dev)" >&2; exit 1; }

for function in "${functions[@]}"; do
  swift build -c release --static-swift-stdlib --product "$function" >&2
done
release=$(swift build -c release --static-swift-stdlib --show-bin-path)

# The shared libraries an ELF file needs, by path, as this machine's loader resolves them.
dependencies() { ldd "$1" | sed -n 's#.*=> \(/[^ ]*\) (0x.*#\1#p'; }

for function in "${functions[@]}"; do
  folder=${into:-.build/lambda/$function}
  rm -rf "$folder"
  # sam build lays out into its own folder and leaves make package's zips alone.
  [ -n "$into" ] || rm -f ".build/lambda/$function.zip"
  mkdir -p "$folder/lib"
  cp "$release/$function" "$folder/bootstrap"
  strip --strip-all "$folder/bootstrap"
  # The whole C library, as AWS's C++ runtime packager does: glibc opens parts of itself at run
  # time (NSS for host names, libresolv), which no ldd lists.
  for library in $(dpkg -L libc6 | grep -E "^/(usr/)?lib/$multiarch/[^/]+\.so(\.[0-9]+)*$"); do
    cp -L "$library" "$folder/lib/"
  done
  for library in $(dependencies "$folder/bootstrap") "$libcurl" $(dependencies "$libcurl"); do
    cp -Ln "$library" "$folder/lib/"
  done
  cp -L "$loader" "$folder/lib/ld-linux-x86-64.so.2"
  chmod 0755 "$folder/bootstrap" "$folder/lib/ld-linux-x86-64.so.2"
  chmod 0644 $(find "$folder/lib" -type f ! -name ld-linux-x86-64.so.2)
  patchelf --set-interpreter "$task_root/lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath '$ORIGIN/lib' "$folder/bootstrap"
  if [ -z "$into" ]; then
    (cd "$folder" && rm -f "../$function.zip" && python3 - "../$function.zip" <<'PY'
import os, sys, zipfile
# Sorted, with each file's mode (Lambda keeps the executable bit from the zip) and a fixed date,
# so the same build gives the same zip.
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for root, folders, files in os.walk("."):
        folders.sort()
        for name in sorted(files):
            path = os.path.normpath(os.path.join(root, name))
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as source:
                archive.writestr(info, source.read(), compresslevel=9)
PY
    )
    echo "$folder.zip $(du -k "$folder.zip" | cut -f1) KiB zipped, $(du -sk "$folder" | cut -f1) KiB unpacked"
  fi
done
