"""The header's XCONV_VERSION_MAJOR/MINOR/PATCH equal meson's project version
(argv[2]), which the library reports through xconv_version()."""
import re
import sys

header, version = open(sys.argv[1]).read(), sys.argv[2]
parts = [re.search(rf"#define XCONV_VERSION_{p} (\d+)", header) for p in ("MAJOR", "MINOR", "PATCH")]
if not all(parts):
    sys.exit("xconv.h lacks an XCONV_VERSION_MAJOR/MINOR/PATCH macro")
in_header = ".".join(m.group(1) for m in parts)
if in_header != version:
    sys.exit(f"xconv.h says {in_header}, meson.build says {version}")
print(f"version {version} in both")
