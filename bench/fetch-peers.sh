#!/usr/bin/env bash
# Makes the peer checkouts that `npm run bench:peers` measures, in $1 or $BENCH_PEERS_DIR
# (default $TMPDIR/bucket-cache-bench/peers): one directory per peer holding its HEAD and
# PEER_COMMIT (what was measured). Sources come from bare git dirs under $PEERS_MIRRORS
# (<owner>+<name>/repo, as the `fetch` tool lays them out) or else from a clone from GitHub.
#
# Each peer commits its bundled dist/. Where a checkout lacks the bundle the runner would run (a
# snapshot that leaves out large files), it is rebuilt from the peer's own sources and lockfile:
# its dependencies with npm, then ncc (ours) on the peer's entry files, as its `build` script does.
set -euo pipefail

dir=${1:-${BENCH_PEERS_DIR:-${TMPDIR:-/tmp}/bucket-cache-bench/peers}}
root=$(cd "$(dirname "$0")/.." && pwd)
ncc="$root/node_modules/@vercel/ncc/dist/ncc/cli.js"
npm_quiet="--no-audit --no-fund --ignore-scripts --loglevel=error"
mkdir -p "$dir/.git"

# The git dir of owner/name: the mirror if there is one, else a bare clone (made once).
gitdir() {
  mirror="${PEERS_MIRRORS:-}/$(echo "$1" | tr / +)/repo"
  if [ -n "${PEERS_MIRRORS:-}" ] && [ -d "$mirror" ]; then echo "$mirror"; return; fi
  clone="$dir/.git/$(echo "$1" | tr / +)"
  [ -d "$clone" ] || git clone -q --bare "https://github.com/$1" "$clone" >&2
  echo "$clone"
}

# checkout owner/name dest: its HEAD; without dist/ where the git dir lacks dist's blobs.
checkout() {
  g=$(gitdir "$1")
  rm -rf "$2" && mkdir -p "$2"
  if ! git --git-dir="$g" archive HEAD 2>/dev/null | tar -x -C "$2" 2>/dev/null; then
    echo "  $g lacks some blobs of dist/: taking the rest, rebuilding the bundles"
    rm -rf "$2" && mkdir -p "$2"
    # git still names the absent blobs on stderr, and exits 0.
    git --git-dir="$g" archive HEAD $(git --git-dir="$g" ls-tree --name-only HEAD | grep -vx dist) \
      2>/dev/null | tar -x -C "$2"
  fi
  echo "$1 $(git --git-dir="$g" rev-parse HEAD)" > "$2/PEER_COMMIT"
}

# bundle dest out:src...: ncc-builds each src/<file> into dist/<out>/ unless it is there.
bundle() {
  d=$1
  shift
  for pair in "$@"; do
    out=${pair%%:*}
    [ -s "$d/dist/$out/index.js" ] || (cd "$d" && node "$ncc" build -q -t "src/${pair#*:}" -o "dist/$out")
  done
}

# bundle's output stands alone: drop the dependencies it was built from (about 200 MB a peer).
built() { rm -rf "$1/node_modules"; }

needs_build() { [ ! -s "$1/dist/restore/index.js" ] || [ ! -s "$1/dist/save/index.js" ]; }

echo "runs-on/cache"
p="$dir/runs-on-cache"
checkout runs-on/cache "$p"
if needs_build "$p"; then (cd "$p" && npm ci $npm_quiet); fi
bundle "$p" restore:restore.ts save:save.ts
built "$p"

echo "tespkg/actions-cache"
p="$dir/tespkg-actions-cache"
checkout tespkg/actions-cache "$p"
# No package-lock.json: npm install resolves from its yarn.lock.
if needs_build "$p"; then (cd "$p" && npm install $npm_quiet); fi
bundle "$p" restore:restore.ts save:save.ts
built "$p"

echo "whywaita/actions-cache-s3"
p="$dir/whywaita-actions-cache-s3"
checkout whywaita/actions-cache-s3 "$p"
if needs_build "$p"; then
  # Its @actions/cache is whywaita/actions-toolkit-s3's packages/cache at `main`, which the
  # lockfile fetches through gitpkg.now.sh; take the same package from that repository's HEAD.
  kit="$dir/whywaita-actions-toolkit-s3"
  checkout whywaita/actions-toolkit-s3 "$kit"
  tgz=$(cd "$kit/packages/cache" && npm pack -q --ignore-scripts --pack-destination "$kit")
  (cd "$p" && npm pkg set "dependencies.@actions/cache=file:$kit/$tgz" && npm install $npm_quiet)
  echo "with @actions/cache from $(cat "$kit/PEER_COMMIT") packages/cache" >> "$p/PEER_COMMIT"
fi
bundle "$p" restore:restore.ts save:save.ts
built "$p"

cat "$dir"/*/PEER_COMMIT
