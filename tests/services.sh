# The services the shell suites test against, started on 127.0.0.1 or unix sockets under $WORK (a temp
# dir the caller creates and removes): a real OCI registry (Debian's docker-registry) and the dfdaemon
# stand-in (tests/dragonfly, which needs `npm ci` there). Source this file after setting WORK, and call
# stop_services from the EXIT trap.
SERVICE_PIDS=()
SERVICES_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_registry NAME HTTP_EXTRA [CONFIG LINES...]: docker-registry on a free port, storage under
# $WORK/NAME, HTTP_EXTRA lines (may be empty) added to its http: block; sets PORT.
start_registry() {
    local name=$1 http_extra=$2
    shift 2
    PORT=$(free_port)
    mkdir -p "$WORK/$name"
    {
        printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
        printf 'storage:\n  delete:\n    enabled: true\n  filesystem:\n    rootdirectory: %s\n' "$WORK/$name/storage"
        printf 'http:\n  addr: 127.0.0.1:%s\n  secret: registry-test\n' "$PORT"
        [ -z "$http_extra" ] || printf '%s\n' "$http_extra"
        [ $# = 0 ] || printf '%s\n' "$@"
    } >"$WORK/$name/config.yml"
    docker-registry serve "$WORK/$name/config.yml" >"$WORK/$name/log" 2>&1 &
    SERVICE_PIDS+=($!)
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "docker-registry $name did not start:"; cat "$WORK/$name/log"; exit 1
}

# start_standin: the dfdaemon stand-in listening on $WORK/dfdaemon.sock, its object storage in
# $WORK/objects (<objects>/<bucket>/<key>), its task files in $WORK/dfdaemon-storage, its log (one JSON
# object per line) in $WORK/standin.out. It reads commands from file descriptor 8 and exits when
# stop_services closes it.
start_standin() {
    [ -d "$SERVICES_HERE/dragonfly/node_modules/@grpc/grpc-js" ] \
        || { echo "run 'npm ci' in tests/dragonfly (./build.sh test does)"; exit 1; }
    mkfifo "$WORK/standin.in"
    node "$SERVICES_HERE/dragonfly/standin.js" --socket "$WORK/dfdaemon.sock" --objects "$WORK/objects" \
        --storage "$WORK/dfdaemon-storage" <"$WORK/standin.in" >"$WORK/standin.out" 2>&1 &
    SERVICE_PIDS+=($!)
    exec 8>"$WORK/standin.in"
    for _ in $(seq 150); do
        grep -q '"event":"ready"' "$WORK/standin.out" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "the dfdaemon stand-in did not start:"; cat "$WORK/standin.out"; exit 1
}

# standin COMMAND_JSON: sends the stand-in a command and waits (bounded) for its acknowledgement; without
# one, calls the caller's fail.
standin() {
    local acks
    acks=$(grep -c '"event":"ack"' "$WORK/standin.out")
    echo "$1" >&8
    for _ in $(seq 100); do
        [ "$(grep -c '"event":"ack"' "$WORK/standin.out")" -gt "$acks" ] && return 0
        sleep 0.1
    done
    fail "the stand-in did not acknowledge $1"
}

stop_services() {
    exec 8>&- 2>/dev/null
    local pid
    for pid in "${SERVICE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    SERVICE_PIDS=()
}
