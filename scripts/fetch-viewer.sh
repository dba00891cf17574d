#!/usr/bin/env bash
# Fetches the prebuilt OHIF 3.13 viewer into viewer/ohif-<version>/dist (git-ignored), which `chexgen serve`
# serves at the root of its origin. `npm install @ohif/app` fails (peer versions missing from the registry), but the
# published package already holds the complete build in dist/, so we `npm pack` it and unpack that folder.
# Idempotent: does nothing when the viewer is already there. Needs only the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
# Keep in step with OHIF_VERSION in server/src/http/viewer/createViewerRouter.ts.
VERSION="3.13.2"
# sha512 of the published tarball (`npm view @ohif/app@3.13.2 dist.integrity`), checked before unpacking.
INTEGRITY="sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA=="
DEST="viewer/ohif-${VERSION}"

# Complete = index.html, app-config.js and the hashed app bundle index.html loads.
complete() { [ -f "$1/dist/index.html" ] && [ -f "$1/dist/app-config.js" ] && compgen -G "$1/dist/app.bundle.*.js" >/dev/null; }

if complete "$DEST"; then
  echo "OHIF viewer ${VERSION} already present in ${DEST}/dist"
  exit 0
fi

mkdir -p viewer
# One fetch at a time (test files may call this in parallel); whoever waited finds the viewer there.
exec 9>viewer/.fetch.lock
flock 9
if complete "$DEST"; then
  echo "OHIF viewer ${VERSION} already present in ${DEST}/dist"
  exit 0
fi
work="$(mktemp -d viewer/.fetch-XXXXXX)"
trap 'rm -rf "$work"' EXIT
echo "fetching @ohif/app@${VERSION} from the npm registry (about 50 MB)"
npm pack "@ohif/app@${VERSION}" --pack-destination "$work" --loglevel=error >/dev/null
tarball="$work/ohif-app-${VERSION}.tgz"
[ -f "$tarball" ] || { echo "npm pack produced no ${tarball}" >&2; exit 1; }
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$actual" = "$INTEGRITY" ] || { echo "integrity mismatch for @ohif/app@${VERSION}: ${actual}" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" package/dist package/package.json
rm "$tarball"
mv "$work/package" "$work/ohif"
complete "$work/ohif" || { echo "the package has no complete dist/ (index.html, app-config.js, app bundle)" >&2; exit 1; }
rm -rf "$DEST"
mv "$work/ohif" "$DEST"
echo "OHIF viewer ${VERSION} installed in ${DEST}/dist ($(du -sh "$DEST/dist" | cut -f1))"
