#!/usr/bin/env bash
# Builds libsnapshotter and runs its jobs.
#
#   ./build.sh            build into build/ (lib/, include/, bin/; lib/pkgconfig/ describes the build tree)
#   ./build.sh install [PREFIX]
#                         build, then install lib/, include/ and lib/pkgconfig/ under PREFIX (default
#                         /usr/local); DESTDIR, when set, is prepended to every installed path
#   ./build.sh demo       build, then snapshot and restore a VM-checkpoint-like tree in embedded mode
#   ./build.sh test       build, then run every test suite
#   ./build.sh bench      build, then measure against reference tools (writes bench/results.*; settings
#                         in bench/run.sh and docs/benchmarks.md)
#   ./build.sh clean      remove build/
#
# Missing system packages are installed with apt-get when running as root; otherwise the script
# says exactly what to install. With CI=true a dependency that is missing and cannot be installed is a
# failure, never a skipped suite.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="$ROOT/build"
cd "$ROOT"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# need CMD PACKAGE [CMD PACKAGE]...: installs the Debian packages whose commands are missing.
need() {
    local missing=()
    while [ $# -gt 0 ]; do
        local cmd=$1 pkg=$2
        shift 2
        if [ "${cmd#/}" != "$cmd" ]; then
            [ -e "$cmd" ] || missing+=("$pkg")
        else
            command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]}"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
            die "could not install ${missing[*]}; install them with: apt-get install ${missing[*]}"
        fi
    else
        die "missing packages; install them with: sudo apt-get install ${missing[*]}"
    fi
}

need_build_tools() {
    command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (10.x) is required: https://dotnet.microsoft.com/download (dotnet must be on PATH)"
    need gcc gcc /usr/lib/x86_64-linux-gnu/libsqlite3.a libsqlite3-dev
}

version_string() {
    sed -n 's/^#define SNAPSHOTTER_VERSION_STRING "\(.*\)"$/\1/p' include/snapshotter.h
}

# write_pkgconfig FILE PREFIX [EXTRA_LIBS]: the pkg-config file of a tree with lib/ and include/ under PREFIX.
write_pkgconfig() {
    local file=$1 prefix=$2 extra_libs=${3:-}
    mkdir -p "$(dirname "$file")"
    cat >"$file" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libsnapshotter
Description: File snapshot and restore engine
Version: $(version_string)
Cflags: -I\${includedir}
Libs: -L\${libdir} -lsnapshotter$extra_libs
PC
}

# install_files PREFIX: the library with its SONAME and version symlinks, the header and the .pc file,
# under $DESTDIR$PREFIX; the .pc names PREFIX.
install_files() {
    local prefix=$1 version so_major
    version=$(version_string)
    so_major=${version%%.*}
    local dest=${DESTDIR:-}$prefix
    install -d "$dest/lib/pkgconfig" "$dest/include"
    install -m 0755 "$OUT/lib/libsnapshotter.so.$version" "$dest/lib/libsnapshotter.so.$version"
    ln -sfn "libsnapshotter.so.$version" "$dest/lib/libsnapshotter.so.$so_major"
    ln -sfn "libsnapshotter.so.$so_major" "$dest/lib/libsnapshotter.so"
    install -m 0644 include/snapshotter.h "$dest/include/snapshotter.h"
    write_pkgconfig "$dest/lib/pkgconfig/libsnapshotter.pc" "$prefix"
}

run_install() {
    local prefix=${1:-/usr/local}
    case "$prefix" in
        /*) ;;
        *) die "install: PREFIX must be an absolute path, got '$prefix'" ;;
    esac
    # pkg-config splits its variables on whitespace: such a prefix would get a .pc nothing can use.
    [[ "$prefix" != *[[:space:]]* ]] || die "install: PREFIX must not contain whitespace, got '$prefix'"
    build
    install_files "$prefix"
    log "installed libsnapshotter $(version_string) under ${DESTDIR:-}$prefix"
    if [ -z "${DESTDIR:-}" ] && ! ldconfig -p 2>/dev/null | grep -qF "$prefix/lib/libsnapshotter.so."; then
        echo "note: the dynamic loader does not know $prefix/lib yet: run ldconfig if that directory is" \
            "listed in /etc/ld.so.conf.d, or set LD_LIBRARY_PATH=$prefix/lib" >&2
    fi
}

build() {
    need_build_tools
    local version so_major
    version=$(version_string)
    so_major=${version%%.*}
    log "building libsnapshotter $version"
    mkdir -p "$OUT/lib" "$OUT/include" "$OUT/bin"
    # A failed publish must not leave the previous library to be installed as if it were new.
    rm -f "$OUT/obj/native/libsnapshotter.so"
    dotnet publish src/Native -c Release -o "$OUT/obj/native" -nologo -v quiet -p:TreatWarningsAsErrors=true \
        ${SNAPSHOTTER_INSTRUCTION_SET:+-p:IlcInstructionSet=$SNAPSHOTTER_INSTRUCTION_SET} \
        | grep -Ev '^\s*$|Determining projects|Restored|up-to-date|->' >&2 || true
    [ -f "$OUT/obj/native/libsnapshotter.so" ] || die "the Native AOT publish produced no libsnapshotter.so"
    install -m 0755 "$OUT/obj/native/libsnapshotter.so" "$OUT/lib/libsnapshotter.so.$version"
    ln -sfn "libsnapshotter.so.$version" "$OUT/lib/libsnapshotter.so.$so_major"
    ln -sfn "libsnapshotter.so.$so_major" "$OUT/lib/libsnapshotter.so"
    install -m 0644 include/snapshotter.h "$OUT/include/snapshotter.h"
    # The build tree's .pc adds an rpath, so programs built against build/ run without LD_LIBRARY_PATH;
    # an installed .pc has none, as usual for system libraries.
    write_pkgconfig "$OUT/lib/pkgconfig/libsnapshotter.pc" "$OUT" ' -Wl,-rpath,${libdir}'
    gcc -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I"$OUT/include" \
        -o "$OUT/bin/snapshotctl" tools/snapshotctl/snapshotctl.c \
        -L"$OUT/lib" -lsnapshotter -Wl,-rpath,'$ORIGIN/../lib'
}

run_demo() {
    build
    "$ROOT/examples/demo.sh" "$OUT/bin/snapshotctl"
}

# Go from Debian (1.19); its caches stay under build/, and no module is ever downloaded.
need_go() {
    need go golang-go pkg-config pkg-config
    export GOPATH="$OUT/go/path" GOCACHE="$OUT/go/cache" GOPROXY=off GOFLAGS=-buildvcs=false
}

run_go_tests() {
    need_go
    log "Go binding tests (go vet, go test -race)"
    local unformatted
    unformatted=$(gofmt -l bindings/go bindings/go-d7y examples/go tests/tree/go)
    [ -z "$unformatted" ] || die "not gofmt-formatted: $unformatted"
    # The binding's release is the library's version: every module that requires it names that version.
    local stale
    stale=$(grep -l 'libsnapshotter.dev/bindings/go v' bindings/go-d7y/go.mod bindings/go-d7y/e2e/go.mod examples/go/go.mod \
        tests/tree/go/go.mod \
        | xargs grep -L "libsnapshotter.dev/bindings/go v$(version_string)\b" || true)
    [ -z "$stale" ] || die "these go.mod files require a binding version other than $(version_string): $stale"
    local module
    for module in bindings/go bindings/go-d7y; do
        (
            cd "$module"
            export PKG_CONFIG_PATH="$OUT/lib/pkgconfig"
            go vet ./...
            go test -race -count=1 ./...
        )
    done
    log "d7y.io/snapshotter's example program on the drop-in, against docker-registry and the dfdaemon stand-in"
    bindings/go-d7y/e2e/test.sh "$OUT" || die "the d7y.io/snapshotter example failed"
}

# Debian 12's Rust (1.63) predates what the binding needs (offset_of!, 1.77): cargo comes from rustup.
# Outside CI a missing toolchain skips the Rust suites with a warning; in CI it is a failure.
RUST_SKIPPED=
have_cargo() {
    [ -z "$RUST_SKIPPED" ] || return 1
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    local version
    version=$(rustc --version 2>/dev/null | awk '{ print $2 }')
    if command -v cargo >/dev/null 2>&1 && [ -n "$version" ] \
        && [ "$(printf '%s\n' 1.77.0 "$version" | sort -V | head -n1)" = 1.77.0 ]; then
        return 0
    fi
    local message="Rust 1.77 or newer is required for the Rust binding (found: ${version:-none}); install it with rustup: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"
    [ "${CI:-}" != true ] || die "$message"
    RUST_SKIPPED=$message
    printf 'build.sh: warning: skipping the Rust binding: %s\n' "$message" >&2
    return 1
}

run_rust_tests() {
    have_cargo || return 0
    log "Rust binding tests (libsnapshotter-sys and snapshotter: cargo test --offline)"
    (
        cd bindings/rust
        export CARGO_TARGET_DIR="$OUT/cargo/bindings" SNAPSHOTTER_LIB_DIR="$OUT/lib" SNAPSHOTTER_INCLUDE_DIR="$OUT/include"
        if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
        if cargo clippy --version >/dev/null 2>&1; then cargo clippy --offline --quiet --all-targets -- -D warnings; fi
        cargo test --offline --quiet
    )
}

# The examples in C, Go and Rust, built against an install into a temporary prefix.
run_example_tests() {
    need_go
    local prefix languages=(c go) status=0
    have_cargo && languages+=(rust)
    # A fixed prefix and a build cache of their own: Go 1.19 caches the binding with the link flags
    # pkg-config gave (-L PREFIX/lib) but without them in the cache key, so with a new temporary prefix
    # each run the next run linked against a prefix that was gone.
    prefix="$OUT/examples-prefix"
    rm -rf "$prefix"
    install_files "$prefix"
    log "examples (${languages[*]}) against an install into $prefix"
    GOCACHE="$OUT/go/examples-cache" examples/test.sh "$prefix" "$OUT" "${languages[@]}" || status=$?
    rm -rf "$prefix"
    [ "$status" = 0 ] || die "example tests failed"
}

# containerd's side, in GOPATH mode against Debian's containerd sources: its snapshotter contract suite
# and a real daemon driven by ctr need root (mounts); outside CI a non-root run skips them with a
# warning, in CI that is a failure.
CONTAINERD_SKIPPED=
need_containerd() {
    need_go
    need containerd containerd ctr containerd \
        /usr/share/gocode/src/github.com/containerd/containerd/snapshots/testsuite golang-github-containerd-containerd-dev
}

run_containerd_tests() {
    if [ "$(id -u)" != 0 ]; then
        local message="the containerd tests need root (they mount snapshots and run a containerd daemon)"
        [ "${CI:-}" != true ] || die "$message"
        CONTAINERD_SKIPPED=$message
        printf 'build.sh: warning: skipping the containerd tests: %s\n' "$message" >&2
        return 0
    fi
    need_containerd
    log "containerd: its snapshotter suite and a containerd daemon driven by ctr (GOPATH mode, root)"
    tests/containerd/run.sh "$OUT" || die "the containerd tests failed"
}

# npm packages of the test tools: installed exactly as locked, again whenever the lock file changes.
install_node_packages() {
    local dir=$1
    if [ ! "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
        log "npm ci in $dir"
        (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
    fi
}

run_tests() {
    # The registry tests run a real registry (docker-registry) with htpasswd auth (apache2-utils) and
    # compare with skopeo, curl and Go's own encoding/json; the Dragonfly tests run a dfdaemon stand-in
    # on node; the fault campaign and the reliability tests inject faults with strace, driven by python3;
    # the tree-fidelity suite sets POSIX ACLs with setfacl and compares with GNU tar and rsync.
    need xxhsum xxhash docker-registry docker-registry skopeo skopeo htpasswd apache2-utils curl curl go golang-go \
        node nodejs npm npm strace strace python3 python3 setfacl acl
    need_bench_tools
    build
    log "documentation: links resolve, C examples compile"
    tests/docs/check_links.sh
    tests/docs/check_examples.sh
    install_node_packages tests/dragonfly
    log "Core tests (xunit)"
    dotnet test tests/Core.Tests -c Release -nologo --logger "console;verbosity=minimal" \
        -p:TreatWarningsAsErrors=true
    log "protobuf messages print no secret when compiled like the library (Native AOT probe)"
    tests/aot/protobuf_secrets_test.sh "$OUT"
    log "C ABI tests"
    tests/c/run.sh "$OUT"
    run_go_tests
    run_containerd_tests
    run_rust_tests
    run_example_tests
    log "benchmark harness smoke run (tiny sizes, no timing checked)"
    bench/smoke_test.sh "$OUT"
    log "all tests passed${RUST_SKIPPED:+ (Rust skipped: $RUST_SKIPPED)}${CONTAINERD_SKIPPED:+ (containerd skipped: $CONTAINERD_SKIPPED)}"
}

# The reference tools the benchmark measures beside the library, GNU time for peak memory, jq to check
# the JSON it writes (and, with awk, to draw its chart), xmllint to check the chart in the smoke run.
need_bench_tools() {
    need xxhsum xxhash /usr/bin/time time restic restic rsync rsync jq jq xmllint libxml2-utils
}

run_bench() {
    need_bench_tools
    # The containerd case builds the proxy plugin and runs containerd (bench/containerd.sh).
    [ "${BENCH_CONTAINERD:-1}" = 0 ] || need_containerd
    build
    "$ROOT/bench/run.sh" "$OUT"
}

case "${1:-build}" in
    build) build ;;
    demo) run_demo ;;
    test) run_tests ;;
    bench) run_bench ;;
    install) run_install "${2:-}" ;;
    clean) rm -rf "$OUT" ;;
    *) die "unknown command '$1' (build, install, demo, test, bench, clean)" ;;
esac
