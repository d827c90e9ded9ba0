#!/usr/bin/env bash
# Builds what installs kubegate on a node, into dist/:
#   kubegate-VERSION-ARCH-linux-musl.tar.gz  the static binary, the systemd unit, an example
#                                            config, the sysusers file, a README excerpt and
#                                            SHA256SUMS
#   kubegate_VERSION_DEBARCH.deb             dpkg-deb
#   kubegate-VERSION-1.ARCH.rpm              rpmbuild
#   kubegate-VERSION-oci.tar                 the container image (OCI layout, an index over the
#                                            architectures built; scripts/oci-image.sh)
#   SHA256SUMS                               of all of the above
# The binaries are static (musl), stripped, with link-time optimisation, without the `lab`
# feature (cargo profile `dist`). Installs what it needs when missing: the Rust targets, the
# Debian packages (musl-tools, the aarch64 cross linker, rpm, jq, libcap2-bin).
#
#   scripts/package.sh [--arch x86_64|aarch64|all]     (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "package.sh: $*" >&2; exit 1; }

arch=all
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:-}; shift 2 || die "--arch needs a value" ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
case "$arch" in
  x86_64) arches=(x86_64) ;;
  aarch64) arches=(aarch64) ;;
  all) arches=(x86_64 aarch64) ;;
  *) die "--arch is x86_64, aarch64 or all, not $arch" ;;
esac

# --- tools -------------------------------------------------------------------------------
need=(rpm jq libcap2-bin)
for a in "${arches[@]}"; do
  case "$a" in
    x86_64) need+=(musl-tools) ;;
    aarch64) need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
  esac
done
# The script asks a binary it built about itself: the aarch64 one alone needs qemu-user here.
if [ "$(uname -m)" = x86_64 ] && [ "$arch" = aarch64 ]; then need+=(qemu-user-static); fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages ${missing[*]}: run as root, or apt-get install them"
  echo "package.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
triples=()
for a in "${arches[@]}"; do
  t=$a-unknown-linux-musl
  triples+=("$t")
  rustup target list --installed | grep -qx "$t" || rustup target add "$t"
done

# --- build -------------------------------------------------------------------------------
export CC_x86_64_unknown_linux_musl=musl-gcc
export CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
target_args=()
for t in "${triples[@]}"; do target_args+=(--target "$t"); done
echo "package.sh: building ${triples[*]} (profile dist)"
cargo build --locked --profile dist -p kubegate --no-default-features "${target_args[@]}"
target_dir=$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)

binary_of() { echo "$target_dir/$1-unknown-linux-musl/dist/kubegate"; }
# Runs a kubegate just built: the host's own, or the aarch64 one under qemu-user.
kubegate() {
  if [ -x "$(binary_of "$(uname -m)")" ] && printf '%s\n' "${arches[@]}" | grep -qx "$(uname -m)"; then
    "$(binary_of "$(uname -m)")" "$@"
  else
    qemu-aarch64-static "$(binary_of aarch64)" "$@"
  fi
}

# What the binary says of itself (`kubegate --version`): version, commit, image name.
fact() { kubegate --version | sed -n "s/^$1: //p"; }
version=$(kubegate --version | sed -n '1s/^kubegate //p')
commit=$(fact commit)
image=$(fact image)
[ -n "$version" ] && [ -n "$image" ] || die "cannot read the version and image from kubegate --version"
source_url=https://github.com/kubegate/kubegate
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
uid=$(kubegate manifest static-pod --config packaging/kubegate.yaml --node-path /etc/kubegate/kubegate.yaml 2>/dev/null \
  | sed -n 's/^ *runAsUser: //p' | head -1)
[ -n "$uid" ] || die "cannot read the pods' uid from kubegate manifest static-pod"

dist=dist
stage=$dist/.stage
top=
rm -rf "$stage"
mkdir -p "$stage"
trap 'rm -rf "$stage" ${top:+"$top"}' EXIT
rm -f "$dist"/kubegate[-_]"$version"[-_.]* "$dist/SHA256SUMS"

# The files every package carries, the same for each architecture.
common=$stage/common
mkdir -p "$common"
kubegate manifest systemd --config packaging/kubegate.yaml --node-path /etc/kubegate/kubegate.yaml \
  > "$common/kubegate.service" 2>/dev/null
cp packaging/kubegate.yaml "$common/kubegate.yaml"
cp packaging/kubegate.sysusers "$common/kubegate.sysusers"
{
  awk '/^## Set up/ { exit } { print }' README.md
  awk '/^## Use/ { on = 1; print; next } on && /^## / { exit } on { print }' README.md
  printf '## Installing\n\nThe packages, the tarball and the image, per distribution and in the cluster:\n'
  printf 'docs/install.md in the source (%s).\n' "$source_url"
} > "$common/README.md"
caps=$(sed -n 's/^AmbientCapabilities=//p' "$common/kubegate.service" | tr 'A-Z ' 'a-z,')
[ -n "$caps" ] || die "the generated unit grants no capabilities"

deb_arch() { case "$1" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; esac; }

reproducible_tar() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" "$@"; }

for a in "${arches[@]}"; do
  # --- tarball ---------------------------------------------------------------------------
  name=kubegate-$version-$a-linux-musl
  dir=$stage/$name
  mkdir -p "$dir"
  install -m 0755 "$(binary_of "$a")" "$dir/kubegate"
  install -m 0644 "$common"/kubegate.service "$common"/kubegate.yaml "$common"/kubegate.sysusers \
    "$common"/README.md "$dir/"
  (cd "$dir" && sha256sum kubegate kubegate.service kubegate.yaml kubegate.sysusers README.md > SHA256SUMS)
  reproducible_tar -C "$stage" -cf - "$name" | gzip -n -9 > "$dist/$name.tar.gz"

  # --- .deb ------------------------------------------------------------------------------
  root=$stage/deb-$a
  doc=$root/usr/share/doc/kubegate
  install -D -m 0755 "$(binary_of "$a")" "$root/usr/bin/kubegate"
  install -D -m 0644 "$common/kubegate.service" "$root/lib/systemd/system/kubegate.service"
  install -D -m 0644 "$common/kubegate.yaml" "$root/etc/kubegate/kubegate.yaml"
  install -D -m 0644 "$common/kubegate.sysusers" "$root/usr/lib/sysusers.d/kubegate.conf"
  install -D -m 0644 "$common/README.md" "$doc/README.md"
  sed "s|@SOURCE@|$source_url|" packaging/deb/copyright > "$doc/copyright"
  chmod 0644 "$doc/copyright"
  printf 'kubegate (%s) unstable; urgency=medium\n\n  * Built by scripts/package.sh from commit %s.\n\n -- %s  %s\n' \
    "$version" "$commit" "kubegate maintainers <maintainers@kubegate.io>" \
    "$(date -u -R -d "@$epoch")" | gzip -n -9 > "$doc/changelog.gz"
  install -D -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/kubegate"
  mkdir -p "$root/DEBIAN"
  install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
  echo /etc/kubegate/kubegate.yaml > "$root/DEBIAN/conffiles"
  size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s|@VERSION@|$version|" -e "s|@DEB_ARCH@|$(deb_arch "$a")|" \
      -e "s|@INSTALLED_SIZE@|$size|" -e "s|@SOURCE@|$source_url|" \
      packaging/deb/control.in > "$root/DEBIAN/control"
  (cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' \
    | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
  find "$root" -exec touch -h -d "@$epoch" {} +
  SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" \
    "$dist/kubegate_${version}_$(deb_arch "$a").deb" >/dev/null

  # --- .rpm ------------------------------------------------------------------------------
  top=$(mktemp -d)
  SOURCE_DATE_EPOCH=$epoch rpmbuild -bb --quiet --target "$a-linux" \
    --define "_topdir $top" --define "kg_version $version" --define "kg_source $source_url" \
    --define "kg_stage $PWD/$common" --define "kg_binary $(binary_of "$a")" \
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
    --define "_binary_payload w9.gzdio" \
    packaging/rpm/kubegate.spec >/dev/null
  cp "$top/RPMS/$a/kubegate-$version-1.$a.rpm" "$dist/"
  rm -rf "$top"
  top=
done

# --- OCI image ---------------------------------------------------------------------------
pairs=()
for a in "${arches[@]}"; do pairs+=("$a=$(binary_of "$a")"); done
scripts/oci-image.sh --out "$dist/kubegate-$version-oci.tar" --name "$image" --version "$version" \
  --source "$source_url" --revision "$commit" --caps "$caps" --uid "$uid" --created "$created" \
  "${pairs[@]}"

(cd "$dist" && sha256sum kubegate[-_]"$version"[-_.]* > SHA256SUMS)
echo "package.sh: dist/ holds:"
(cd "$dist" && ls -l kubegate[-_]"$version"[-_.]* SHA256SUMS)
