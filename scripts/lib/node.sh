# The test node of `scripts/dev-cluster up --node`: kube-scheduler, containerd (Debian) with runc (built from its
# Go module), CNI (Debian's containernetworking-plugins: bridge + host-local), kubelet and kube-proxy, and an
# nfs-ganesha export the node's Pods mount. Sourced by scripts/dev-cluster, which defines dir, root, start,
# stop, wait_for, free_port and running.
#
# Addresses stay out of 10/8, 172.16/12 and 192.168/16: the bridge nfsprov0 is 100.64.0.1/16 (the node's IP,
# the API server's advertised address and the NFS server's), Pods get 100.64.1.0+, Services 100.65.0.0/16.
# One node per machine: the bridge, the address and NFS port 2049 are fixed.

node_name=nfsprov-node
node_ip=100.64.0.1
node_bridge=nfsprov0
pod_cidr=100.64.0.0/16
service_cidr=100.65.0.0/16
node_registry=/run/nfsprov
# The kubelet's root where every kubelet keeps it, and where Kubernetes' storage suite looks for Pods' volumes.
kubelet_root=/var/lib/kubelet
node_components=(registry containerd kubelet kube-proxy kube-scheduler)

node_need() { # node_need <command> <Debian package>
  command -v "$1" >/dev/null || { echo "dev-cluster: $1 is missing; install it with: apt-get install -y $2" >&2; exit 1; }
}

# The bridge exists before any Pod, so the API server and ganesha can listen on its address.
node_network() {
  if [ -f "$node_registry/node.owner" ]; then
    local owner; owner=$(cat "$node_registry/node.owner")
    if [ "$owner" != "$dir" ] && [ -f "$owner/kubelet.pid" ] && kill -0 "$(cat "$owner/kubelet.pid")" 2>/dev/null; then
      echo "dev-cluster: a test node already runs for $owner; stop it first (NFSPROV_DEV_DIR=$owner scripts/dev-cluster down)" >&2
      exit 1
    fi
    node_cleanup_stale "$owner"
  fi
  mkdir -p "$node_registry/nfs-exports"
  echo "$dir" > "$node_registry/node.owner"
  ip link show "$node_bridge" >/dev/null 2>&1 || ip link add "$node_bridge" type bridge
  ip addr show dev "$node_bridge" | grep -q "inet $node_ip/" || ip addr add "$node_ip/16" dev "$node_bridge"
  ip link set "$node_bridge" up
}

node_certs() {
  local pki=$dir/pki
  [ -f "$pki/kubelet.crt" ] && return 0
  (
    cd "$pki"
    sign() {
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 ${3:+-extfile "$3"} 2>/dev/null
    }
    printf 'subjectAltName=IP:%s,DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$node_ip" "$node_name" > kubelet.ext
    # Test infrastructure, not under test: node components act as cluster admins (RBAC is what nfsprov is tested with).
    sign kubelet "/O=system:masters/CN=system:node:$node_name" kubelet.ext
    sign scheduler "/O=system:masters/CN=system:kube-scheduler" client.ext
    sign kube-proxy "/O=system:masters/CN=system:kube-proxy" client.ext
    sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" client.ext
  )
}

node_images() { # the sandbox (pause) and toolbox images, built once into the cache
  local bin=$1 cache=${NFSPROV_CACHE:-$HOME/.cache/nfsprov}/node-images
  source "$root/scripts/lib/oci.sh"
  mkdir -p "$cache"
  if [ ! -f "$cache/pause.oci.tar" ]; then
    local work; work=$(mktemp -d)
    mkdir -p "$work/rootfs"; cp "$bin/pause" "$work/rootfs/pause"
    oci_new "$work/oci" 1 >/dev/null
    oci_layer "$work/oci" 1 "$work/rootfs"
    umoci config --image "$work/oci:1" --os linux --architecture amd64 --config.entrypoint /pause --config.user 65535:65535
    oci_archive "$work/oci" 1 localhost/nfsprov-pause:1 "$cache/pause.oci.tar"
    rm -rf "$work"
  fi
  if [ ! -f "$cache/toolbox.oci.tar" ]; then
    local work; work=$(mktemp -d)
    oci_debs "$work/rootfs" busybox-static
    # busybox's applets as commands: sh, ls, cat, id, sleep, ...
    local applet
    for applet in $("$work/rootfs/bin/busybox" --list); do
      [ -e "$work/rootfs/bin/$applet" ] || ln -s busybox "$work/rootfs/bin/$applet"
    done
    oci_users "$work/rootfs" 999 mysql
    oci_new "$work/oci" 1 >/dev/null
    oci_layer "$work/oci" 1 "$work/rootfs"
    umoci config --image "$work/oci:1" --os linux --architecture amd64 --config.cmd /bin/sh --config.env PATH=/bin \
      --config.env LANG=C.UTF-8
    oci_archive "$work/oci" 1 localhost/nfsprov-toolbox:1 "$cache/toolbox.oci.tar"
    rm -rf "$work"
  fi
  node_load_image "$cache/pause.oci.tar" >/dev/null
  node_load_image "$cache/toolbox.oci.tar" >/dev/null
}

# node_load_image <oci archive>: import into the node's containerd (namespace k8s.io, where the CRI looks); prints
# the image reference.
node_load_image() {
  local archive=$1
  [ -f "$archive" ] || { echo "dev-cluster: $archive: no such file" >&2; return 1; }
  local out
  out=$(ctr --address "$dir/containerd/containerd.sock" -n k8s.io images import --all-platforms "$archive" 2>&1) || {
    echo "dev-cluster: ctr images import failed: $out" >&2; return 1; }
  local ref; ref=$(tar -xOf "$archive" ./index.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["annotations"]["io.containerd.image.name"])')
  # The kubelet must never try to pull (no registry); keep the image out of garbage collection too.
  ctr --address "$dir/containerd/containerd.sock" -n k8s.io images label "$ref" io.cri-containerd.pinned=pinned >/dev/null
  echo "$ref"
}

# The OCI registry the node pulls nfsprov's image from, as a user's nodes pull from a public one: the CNCF
# distribution registry (built by scripts/build-testenv), on loopback with TLS from the cluster's CA. Its address
# and CA are the REGISTRY= and REGISTRY_CA= lines of `up`; empty at every start.
node_image_registry() {
  local bin=$1 r=$dir/registry pki=$dir/pki
  rm -rf "$r"; mkdir -p "$r/data"
  free_port > "$dir/registry.port"
  local addr; addr=127.0.0.1:$(cat "$dir/registry.port")
  if [ ! -f "$pki/registry.crt" ]; then
    openssl req -newkey rsa:2048 -nodes -keyout "$pki/registry.key" -out "$pki/registry.csr" -subj /CN=nfsprov-registry 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$pki/registry.ext"
    openssl x509 -req -in "$pki/registry.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -out "$pki/registry.crt" -days 3650 -extfile "$pki/registry.ext" 2>/dev/null
  fi
  cat > "$r/config.yml" <<YAML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $r/data}
  delete: {enabled: true}
http:
  addr: $addr
  secret: nfsprov-dev-registry
  tls: {certificate: $pki/registry.crt, key: $pki/registry.key}
YAML
  start registry "$bin/registry" serve "$r/config.yml"
  wait_for registry 30 curl -sf --cacert "$pki/ca.crt" "https://$addr/v2/"
  mkdir -p "$r/client-certs"; cp "$pki/ca.crt" "$r/client-certs/ca.crt"   # skopeo --dest-cert-dir
  printf 'REGISTRY=%s\nREGISTRY_CA=%s\n' "$addr" "$pki/ca.crt" > "$dir/registry.env"
}

# node_push_image <oci archive> [repository]: copy an image into the node's registry with skopeo (every platform
# it holds); prints the reference the node pulls, <registry>/<repository>:<tag>.
node_push_image() {
  local archive=$1 repo=${2:-nfsprov}
  [ -f "$archive" ] || { echo "dev-cluster: $archive: no such file" >&2; return 1; }
  local addr; addr=127.0.0.1:$(cat "$dir/registry.port")
  local tag; tag=$(tar -xOf "$archive" ./index.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"].rsplit(":", 1)[1])')
  skopeo copy -q --all --dest-cert-dir "$dir/registry/client-certs" "oci-archive:$archive" "docker://$addr/$repo:$tag" >&2
  echo "$addr/$repo:$tag"
}

node_containerd() {
  local bin=$1 c=$dir/containerd
  mkdir -p "$c/root" "$c/state" "$dir/cni/net.d" "$dir/cni/ipam"
  # The node registry's CA, as a user configures a registry with a private CA (containerd's hosts.toml).
  local addr; addr=127.0.0.1:$(cat "$dir/registry.port")
  rm -rf "$c/certs.d"; mkdir -p "$c/certs.d/$addr"
  cat > "$c/certs.d/$addr/hosts.toml" <<TOML
server = "https://$addr"
[host."https://$addr"]
  capabilities = ["pull", "resolve"]
  ca = "$dir/pki/ca.crt"
TOML
  cat > "$c/config.toml" <<TOML
version = 2
root = "$c/root"
state = "$c/state"
[grpc]
  address = "$c/containerd.sock"
[ttrpc]
  address = "$c/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/nfsprov-pause:1"
  # This VM denies a negative oom_score_adj, which the kubelet asks for the sandbox.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$bin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$c/certs.d"
TOML
  cat > "$dir/cni/net.d/10-nfsprov.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "nfsprov", "plugins": [
  {"type": "bridge", "bridge": "$node_bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$dir/cni/ipam", "routes": [{"dst": "0.0.0.0/0"}],
            "ranges": [[{"subnet": "$pod_cidr", "rangeStart": "100.64.1.1", "gateway": "$node_ip"}]]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
JSON
  start containerd containerd --config "$c/config.toml"
  wait_for containerd 30 ctr --address "$c/containerd.sock" version
}

node_kubelet() {
  local bin=$1 k=$dir/kubelet
  mkdir -p "$k" "$kubelet_root" "$dir/node-bin"
  cp "$root/testenv/node/mount" "$dir/node-bin/mount"
  free_port > "$dir/kubelet.port"; free_port > "$dir/kubelet-healthz.port"
  kubeconfig "$k/kubeconfig" kubelet
  cat > "$k/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: $(cat "$dir/kubelet.port")
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $(cat "$dir/kubelet-healthz.port")
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $dir/pki/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $dir/pki/kubelet.crt
tlsPrivateKeyFile: $dir/pki/kubelet.key
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
# cgroup v1 without systemd as init (see ../shared/node-notes.md).
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
resolvConf: ""
clusterDomain: cluster.local
registerNode: true
serializeImagePulls: false
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 5s
YAML
  # PATH: the node's mount wrapper first (nfs mounts), then the system's.
  start kubelet env PATH="$dir/node-bin:$PATH" "$bin/kubelet" --config="$k/config.yaml" --kubeconfig="$k/kubeconfig" \
    --root-dir="$kubelet_root" --cert-dir="$k/pki" --hostname-override="$node_name" --node-ip="$node_ip" --v=1
}

node_kube_proxy() {
  local bin=$1
  kubeconfig "$dir/kube-proxy.kubeconfig" kube-proxy
  free_port > "$dir/kube-proxy-healthz.port"; free_port > "$dir/kube-proxy-metrics.port"
  cat > "$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $dir/kube-proxy.kubeconfig}
hostnameOverride: $node_name
mode: iptables
clusterCIDR: $pod_cidr
healthzBindAddress: 127.0.0.1:$(cat "$dir/kube-proxy-healthz.port")
metricsBindAddress: 127.0.0.1:$(cat "$dir/kube-proxy-metrics.port")
nodePortAddresses: ["$node_ip/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  start kube-proxy "$bin/kube-proxy" --config="$dir/kube-proxy.yaml" --v=0
}

node_scheduler() {
  local bin=$1
  kubeconfig "$dir/scheduler.kubeconfig" scheduler
  free_port > "$dir/scheduler.port"
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig="$dir/scheduler.kubeconfig" --authorization-kubeconfig="$dir/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$(cat "$dir/scheduler.port")" --leader-elect=false --v=0
}

node_nfs() {
  local out
  out=$(NFSPROV_NFS_DIR=$dir/nfs NFSPROV_NFS_BIND=$node_ip NFSPROV_NFS_PORT=2049 "$root/scripts/dev-nfs" up)
  local export_dir; export_dir=$(sed -n 's/^NFS_EXPORT_DIR=//p' <<<"$out")
  local path; path=$(sed -n 's/^NFS_PATH=//p' <<<"$out")
  echo "$path $export_dir" > "$node_registry/nfs-exports/$node_ip"
  printf 'NFS_SERVER=%s\nNFS_PATH=%s\nNFS_EXPORT_DIR=%s\n' "$node_ip" "$path" "$export_dir" > "$dir/nfs.env"
}

node_up() {
  local bin=$1
  node_need containerd containerd
  node_need ctr containerd
  node_need umoci umoci
  node_need iptables iptables
  [ -x /usr/lib/cni/bridge ] || { echo "dev-cluster: CNI plugins are missing; install them with: apt-get install -y containernetworking-plugins" >&2; exit 1; }
  node_certs
  node_need skopeo skopeo
  node_nfs
  node_image_registry "$bin"
  node_containerd "$bin"
  node_images "$bin"
  node_scheduler "$bin"
  node_kube_proxy "$bin"
  node_kubelet "$bin"
  wait_for "the node (kubelet)" 120 node_ready
}

node_ready() {
  "$bin/kubectl" --kubeconfig "$dir/kubeconfig" get node "$node_name" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True
}

# Everything a node leaves behind: containers (their shims outlive containerd), mounts, iptables rules, the bridge.
node_down() {
  local sock=$dir/containerd/containerd.sock
  stop kubelet
  if running containerd; then
    local t
    for t in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s KILL "$t" >/dev/null 2>&1 || true
    done
  fi
  stop kube-proxy
  stop kube-scheduler
  stop containerd
  stop registry
  node_cleanup_stale "$dir"
}

# The kubelet's own iptables chains (kube-proxy --cleanup removes only kube-proxy's).
node_kubelet_chains_cleanup() {
  local ipt t rule chain
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for t in filter nat mangle; do
      while read -r rule; do
        # shellcheck disable=SC2086
        "$ipt" -t "$t" ${rule/#-A/-D} 2>/dev/null || true
      done < <("$ipt" -t "$t" -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-(FIREWALL|KUBELET-CANARY)' || true)
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$ipt" -t "$t" -F "$chain" 2>/dev/null || true
        "$ipt" -t "$t" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

node_cleanup_stale() { # node_cleanup_stale <cluster dir>: also for a node whose processes were killed
  local d=$1 pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $d/containerd/containerd.sock" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Unmount, deepest first, everything under the node's directories (Pod volumes, overlay roots, netns); then the
  # kubelet's state goes, but only once nothing is mounted below it: a Pod's volume is a bind of the share, on the
  # same file system, and a delete through it would delete the tenants' data.
  local m
  # (the kubelet bind-mounts its root onto itself, to share mounts with containers)
  for m in $(awk -v d="$d/" -v k="$kubelet_root" 'index($2, d) == 1 || $2 == k || index($2, k "/") == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  if ! awk -v k="$kubelet_root" '$2 == k || index($2, k "/") == 1 {found=1} END {exit !found}' /proc/self/mounts; then
    rm -rf "$kubelet_root" 2>/dev/null || true
  fi
  ip link show "$node_bridge" >/dev/null 2>&1 && ip link del "$node_bridge" 2>/dev/null || true
  local bin; bin=$(ls -d "${NFSPROV_CACHE:-$HOME/.cache/nfsprov}"/testenv-*/bin 2>/dev/null | head -n 1 || true)
  if [ -n "$bin" ] && [ -x "$bin/kube-proxy" ]; then "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  node_kubelet_chains_cleanup
  NFSPROV_NFS_DIR=$d/nfs "$root/scripts/dev-nfs" down >/dev/null 2>&1 || true
  rm -f "$node_registry/nfs-exports/$node_ip"
  if [ "$(cat "$node_registry/node.owner" 2>/dev/null)" = "$d" ]; then rm -f "$node_registry/node.owner"; fi
}
