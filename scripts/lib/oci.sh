# Helpers to assemble OCI images without a container engine or a base image: a root filesystem is made from
# Debian packages (apt-get download + dpkg-deb -x, no maintainer scripts run) and files of our own, and umoci
# (Debian package umoci) turns each directory into a layer. Sourced by scripts/build-image and scripts/dev-cluster.

oci_cache=${NFSPROV_CACHE:-$HOME/.cache/nfsprov}/debs

# oci_debs <rootfs> <package...>: unpack the packages (not their dependencies: name each) into rootfs, for the
# architecture OCI_ARCH (Debian's name: amd64, arm64; default this machine's). Another architecture's packages need
# `dpkg --add-architecture <arch> && apt-get update` once (scripts/ensure-packages does it for arm64).
oci_debs() {
  local rootfs=$1; shift
  local arch=${OCI_ARCH:-$(dpkg --print-architecture)}
  mkdir -p "$oci_cache" "$rootfs"
  local pkg deb
  for pkg in "$@"; do
    deb=$(ls "$oci_cache/${pkg}"_*_"$arch".deb "$oci_cache/${pkg}"_*_all.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
      # an Architecture: all package (tzdata, ca-certificates) has no "<name>:<arch>" candidate
      (cd "$oci_cache" && { apt-get download -qq -o APT::Sandbox::User=root "$pkg:$arch" 2>/dev/null ||
        apt-get download -qq -o APT::Sandbox::User=root "$pkg"; } >/dev/null) || {
        echo "oci: cannot download Debian package $pkg for $arch (run apt-get update first)" >&2; return 1; }
      deb=$(ls "$oci_cache/${pkg}"_*_"$arch".deb "$oci_cache/${pkg}"_*_all.deb 2>/dev/null | head -n 1 || true)
      [ -n "$deb" ] || { echo "oci: Debian package $pkg has no $arch build" >&2; return 1; }
    fi
    dpkg-deb -x "$deb" "$rootfs"
  done
  # Debian 12 is merged-/usr: /lib64/ld-linux... and /bin/bash are found through these links.
  local d
  for d in bin sbin lib lib64; do
    if [ -d "$rootfs/usr/$d" ] && [ ! -e "$rootfs/$d" ]; then ln -s "usr/$d" "$rootfs/$d"; fi
  done
  rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/lintian"
}

# oci_users <rootfs> <uid> <name>: /etc/passwd and /etc/group with root and one unprivileged user.
oci_users() {
  local rootfs=$1 uid=$2 name=$3
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/$name"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s:%s:/home/%s:/sbin/nologin\n' "$name" "$uid" "$uid" "$name" "$name" > "$rootfs/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$name" "$uid" > "$rootfs/etc/group"
  chown "$uid:$uid" "$rootfs/home/$name"
  printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
}

# oci_new <layout> <tag>: an empty image in an OCI layout directory.
oci_new() {
  rm -rf "$1"
  umoci init --layout "$1"
  umoci new --image "$1:$2"
}

# oci_layer <layout> <tag> <dir>: the directory's contents as one more layer at /.
oci_layer() {
  umoci insert --image "$1:$2" --history.created_by "nfsprov scripts/lib/oci.sh: $(basename "$3")" "$3" /
}

# oci_archive <layout> <tag> <reference> <archive>: an oci-archive (a tar of the layout) whose index names the
# image <reference> for every loader: ref.name for skopeo/podman, io.containerd.image.name for ctr and docker.
oci_archive() {
  local layout=$1 tag=$2 ref=$3 archive=$4
  umoci gc --layout "$layout"
  python3 - "$layout/index.json" "$tag" "$ref" <<'PY'
import json, sys
path, tag, ref = sys.argv[1:]
index = json.load(open(path))
index["manifests"] = [m for m in index["manifests"]
                      if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
for m in index["manifests"]:
    m["annotations"] = {"org.opencontainers.image.ref.name": ref, "io.containerd.image.name": ref}
json.dump(index, open(path, "w"))
PY
  mkdir -p "$(dirname "$archive")"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$archive.tmp" .
  mv "$archive.tmp" "$archive"
}

# oci_index <layout> <tag> <archive...>: one OCI layout whose <tag> is an image index of the images in the archives
# (each from oci_archive, one platform each; the platform is read from each image's config), for
# `skopeo copy --all oci:<layout>:<tag> docker://...`. Blobs are content-addressed, so the archives' blobs merge.
oci_index() {
  local layout=$1 tag=$2; shift 2
  rm -rf "$layout"; mkdir -p "$layout"
  local archive
  for archive in "$@"; do tar -C "$layout" -xf "$archive" ./blobs; done
  python3 - "$layout" "$tag" "$@" <<'PY'
import hashlib, json, os, subprocess, sys
layout, tag, archives = sys.argv[1], sys.argv[2], sys.argv[3:]
def blob(digest):
    return open(os.path.join(layout, "blobs", *digest.split(":")), "rb").read()
manifests = []
for archive in archives:
    index = json.loads(subprocess.run(["tar", "-xOf", archive, "./index.json"], check=True, capture_output=True).stdout)
    (m,) = index["manifests"]
    config = json.loads(blob(json.loads(blob(m["digest"]))["config"]["digest"]))
    manifests.append({"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
                      "platform": {"architecture": config["architecture"], "os": config["os"]}})
body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": manifests}, indent=2).encode()
digest = hashlib.sha256(body).hexdigest()
open(os.path.join(layout, "blobs", "sha256", digest), "wb").write(body)
json.dump({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest, "size": len(body),
     "annotations": {"org.opencontainers.image.ref.name": tag}}]}, open(os.path.join(layout, "index.json"), "w"))
open(os.path.join(layout, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
print("sha256:" + digest)
PY
}
