#!/usr/bin/env bash
# Writes kubegate's container image as an OCI image layout in one tar (an "oci-archive"),
# without a container engine: per architecture one layer holding the static binary at
# /kubegate (with permitted-only file capabilities, so a non-root container that is granted
# them can use them), an image config (non-root user, entrypoint, labels) and a manifest; an
# image index over the architectures; index.json naming it; and manifest.json, the `docker
# save` form of the first architecture's image, for Docker's classic image store (containerd
# and skopeo take the OCI layout when both are there). `ctr images import`, `docker load`,
# `podman load`, `skopeo` and k3s's agent/images/ read this format.
#
#   scripts/oci-image.sh --out FILE --name REF --version V --source URL --revision COMMIT \
#       --caps cap_net_admin,cap_net_raw --uid 65532 --created RFC3339 ARCH=BINARY...
#
# ARCH is x86_64 or aarch64. Needs GNU tar, gzip, jq, sha256sum and setcap. Called by
# scripts/package.sh.
set -euo pipefail

die() { echo "oci-image.sh: $*" >&2; exit 1; }

out= name= version= source= revision= caps= uid= created=
pairs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --revision) revision=$2; shift 2 ;;
    --caps) caps=$2; shift 2 ;;
    --uid) uid=$2; shift 2 ;;
    --created) created=$2; shift 2 ;;
    *=*) pairs+=("$1"); shift ;;
    *) die "unknown argument: $1" ;;
  esac
done
for v in out name version source revision caps uid created; do
  [ -n "${!v}" ] || die "--$v is required"
done
[ ${#pairs[@]} -gt 0 ] || die "no ARCH=BINARY given"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout=$work/layout
mkdir -p "$layout/blobs/sha256"
epoch=$(date -d "$created" +%s)

# Stores stdin as a blob; prints its digest and size as "sha256:HEX SIZE".
put_blob() {
  local tmp=$work/blob.tmp hex
  cat > "$tmp"
  hex=$(sha256sum "$tmp" | cut -d' ' -f1)
  mv "$tmp" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $(stat -c %s "$layout/blobs/sha256/$hex")"
}

labels=$(jq -cn --arg v "$version" --arg s "$source" --arg r "$revision" --arg c "$created" '{
  "org.opencontainers.image.title": "kubegate",
  "org.opencontainers.image.description": "Highly available, load-balanced address for Kubernetes",
  "org.opencontainers.image.version": $v,
  "org.opencontainers.image.source": $s,
  "org.opencontainers.image.revision": $r,
  "org.opencontainers.image.created": $c,
  "org.opencontainers.image.licenses": "Apache-2.0"}')

manifests='[]'
docker_manifest=
for pair in "${pairs[@]}"; do
  arch=${pair%%=*} binary=${pair#*=}
  case "$arch" in
    x86_64) platform='{"architecture":"amd64","os":"linux"}' ;;
    aarch64) platform='{"architecture":"arm64","os":"linux","variant":"v8"}' ;;
    *) die "unknown architecture $arch" ;;
  esac
  [ -x "$binary" ] || die "$binary: no such executable"

  root=$work/root-$arch
  mkdir -p "$root"
  install -m 0755 "$binary" "$root/kubegate"
  setcap "$caps=p" "$root/kubegate" || die "setcap failed (install libcap2-bin; the file system must keep xattrs)"
  tar --format=posix --xattrs --xattrs-include=security.capability --sort=name \
      --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --pax-option=delete=atime,delete=ctime \
      -C "$root" -cf "$work/layer-$arch.tar" kubegate
  diff_id=sha256:$(sha256sum "$work/layer-$arch.tar" | cut -d' ' -f1)
  read -r layer_digest layer_size < <(gzip -n -9 -c "$work/layer-$arch.tar" | put_blob)

  read -r config_digest config_size < <(jq -cn \
      --argjson p "$platform" --argjson l "$labels" --arg u "$uid:$uid" \
      --arg d "$diff_id" --arg c "$created" '$p + {
        created: $c,
        config: {User: $u, Entrypoint: ["/kubegate"], Cmd: ["--help"], WorkingDir: "/",
                 Env: ["PATH=/"], Labels: $l},
        rootfs: {type: "layers", diff_ids: [$d]},
        history: [{created: $c, created_by: "scripts/oci-image.sh: kubegate binary at /kubegate"}]
      }' | put_blob)

  read -r manifest_digest manifest_size < <(jq -cn \
      --arg cd "$config_digest" --argjson cs "$config_size" \
      --arg ld "$layer_digest" --argjson ls "$layer_size" --argjson l "$labels" '{
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls}],
        annotations: $l
      }' | put_blob)

  # Docker's classic image store reads manifest.json (the `docker save` format) instead of
  # the OCI layout, one image per name: it names the first architecture's image.
  if [ -z "$docker_manifest" ]; then
    docker_manifest=$(jq -cn --arg c "blobs/sha256/${config_digest#sha256:}" --arg n "$name" \
        --arg l "blobs/sha256/${layer_digest#sha256:}" '[{Config: $c, RepoTags: [$n], Layers: [$l]}]')
  fi

  manifests=$(jq -c --arg d "$manifest_digest" --argjson s "$manifest_size" --argjson p "$platform" \
      '. + [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: $p}]' \
      <<< "$manifests")
done

read -r index_digest index_size < <(jq -cn --argjson m "$manifests" --argjson l "$labels" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: $m, annotations: $l}' | put_blob)

# The full reference in both names: containerd (ctr, k3s, docker) reads
# io.containerd.image.name; skopeo and podman read org.opencontainers.image.ref.name.
jq -cn --arg d "$index_digest" --argjson s "$index_size" --arg n "$name" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
                 annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $n}}]
  }' > "$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
echo "$docker_manifest" > "$layout/manifest.json"

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -C "$layout" -cf "$out.tmp" oci-layout index.json manifest.json blobs
mv "$out.tmp" "$out"
