#!/usr/bin/env bash
# Fetch the public repositories the labelled benchmarks read, at their pinned commits, into a sources folder
# (the layout bench/check_trees.py looks for: SOURCES/owner+name). Only git objects are fetched; nothing of
# the third-party code enters this repository.
#
#   bench/fetch_sources.sh [SOURCES] [LABELS...]   # default: /work/.mirror, bench/labels and bench/labels/edges
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sources=${1:-/work/.mirror}
shift || true
folders=("$@")
[[ ${#folders[@]} -gt 0 ]] || folders=("$here/labels" "$here/labels/edges")
mkdir -p "$sources"
files=()
for folder in "${folders[@]}"; do files+=("$folder"/*.toml); done
for labels in "${files[@]}"; do
  repo=$(sed -n 's/^repo = "\(.*\)"$/\1/p' "$labels")
  commit=$(sed -n 's/^commit = "\([0-9a-f]\{40\}\)"$/\1/p' "$labels")
  if [[ -z "$repo" || -z "$commit" ]]; then
    echo "error: $labels: no repo = \"owner/name\" or commit = \"<40 hex>\" line" >&2
    exit 2
  fi
  into=$sources/${repo/\//+}
  git_dir=$into
  for candidate in "$into/repo/.git" "$into/repo" "$into/.git"; do
    [[ -d "$candidate" ]] && git_dir=$candidate && break
  done
  git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null && continue # already there
  [[ -d "$git_dir" ]] || git clone --quiet --bare --filter=blob:none "https://github.com/$repo" "$git_dir"
  git --git-dir="$git_dir" fetch --quiet --filter=blob:none origin "$commit"
  echo "fetched $repo@${commit:0:12} into $into"
done
