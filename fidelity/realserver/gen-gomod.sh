#!/usr/bin/env bash
# gen-gomod.sh: writes the go.mod that pins k8s.io/kubernetes VERSION and every staging module it
# replaces with a local path to the matching v0.X.Y release (how a program outside the kubernetes
# tree can import cmd/kube-apiserver/app), then lets `go mod tidy` fill go.sum.
# Usage: gen-gomod.sh 1.33.13 OUT.mod   (GOMODCACHE etc. from the environment)
set -euo pipefail
ver="$1"; out="$2"
go=${GO:-/usr/local/go/bin/go}
kmod=$("$go" mod download -json "k8s.io/kubernetes@v$ver" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -f "$kmod" ] || { echo "gen-gomod: no go.mod for k8s.io/kubernetes v$ver" >&2; exit 1; }
staging_ver="v0.${ver#1.}"
etcd_ver=$(sed -n 's/^[[:space:]]*go.etcd.io\/etcd\/client\/v3 \(v[^ ]*\).*/\1/p' "$kmod" | head -1)
goline=$(sed -n 's/^go \(.*\)/\1/p' "$kmod")
{
  echo "module lwc/fidelity/realserver"
  echo
  echo "go $goline"
  echo
  echo "require ("
  echo "	k8s.io/kubernetes v$ver"
  echo "	go.etcd.io/etcd/server/v3 $etcd_ver"
  echo "	go.etcd.io/etcd/client/v3 $etcd_ver"
  echo ")"
  echo
  echo "replace ("
  sed -n 's/^[[:space:]]*\(k8s.io\/[a-z0-9-]*\) => \.\/staging\/.*/\1/p' "$kmod" | while read -r m; do
    echo "	$m => $m $staging_ver"
  done
  echo ")"
} > "$out"
echo "gen-gomod: $out for k8s.io/kubernetes v$ver (staging $staging_ver, etcd $etcd_ver)" >&2
