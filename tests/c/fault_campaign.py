#!/usr/bin/env python3
"""The fault campaign: every operation of snapshotctl killed or failed at its state-changing syscalls.

For each operation (snapshot, incremental snapshot, restore into a new dir, with --overwrite, --in-place
--delete-extra, delete, gc, import, export, verify --repair) on a small tree with holes and modes, the
operation's syscalls are counted once (strace -f), then it is run again, on a fresh copy of the same store,
under `strace -e inject=SYSCALL:signal=KILL:when=N` and `error=ENOSPC` / `error=EIO` at sampled N-th calls
of each state-changing syscall. After each run:
  - verify passes;
  - every snapshot committed before restores byte for byte, holes (the data/hole map) and modes included;
  - the operation is wholly visible or absent (its snapshot restores whole, or is not there; a restore's
    output is complete, untouched, or carries the incomplete-restore marker; an export is complete or absent);
  - no source file changed;
  - a retry succeeds, and leaves the complete result;
  - after gc nothing is left behind: no temporary file in the store or the restore's output, no owner lock;
  - an injected ENOSPC fails with NO_SPACE (exit 18) and EIO with IO (exit 15), or the call succeeds whole.
Counts of visited points per operation and of failures by kind are printed; any failure fails the run.

    fault_campaign.py BUILD_DIR        STRESS=1 visits every point; SEED=N picks another sample.
"""
import collections
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
CTL = os.path.join(BUILD, "bin", "snapshotctl")
STRESS = os.environ.get("STRESS") == "1"
SEED = int(os.environ.get("SEED", "16"))
# Sampled points per operation and fault kind; the sample stops early past the time budget (CI: under 5 min).
SAMPLES_PER_FAULT = 10
BUDGET_SECONDS = 210
CALL_TIMEOUT_SECONDS = 120
EXIT_IO, EXIT_NOT_FOUND, EXIT_NO_SPACE = 15, 12, 18
EXIT_LOADER = 127
FAULTS = {"kill": "signal=KILL", "ENOSPC": "error=ENOSPC", "EIO": "error=EIO"}
EXPECTED_EXIT = {"ENOSPC": EXIT_NO_SPACE, "EIO": EXIT_IO}
READ_ONLY_DATABASE = "attempt to write a readonly database"
STATE_SYSCALLS = ["write", "pwrite64", "rename", "renameat2", "link", "linkat", "unlink", "unlinkat", "fsync",
                  "fdatasync", "syncfs", "openat", "copy_file_range", "ftruncate", "fallocate"]
MARKER = ".snapshotter-incomplete-restore"
RESTORE_TEMP_PREFIX = ".snapshotter-restore-"

WORK = tempfile.mkdtemp(prefix="snapshotter-faults.", dir=os.environ.get("TMPDIR", "/tmp"))
failures = collections.Counter()
failure_lines = []
visited = collections.Counter()
# (operation, fault) -> points where the fault hit the dynamic loader before the library loaded (see visit).
loader_hits = collections.Counter()
calls_counted = {}


def ctl(*args, trace=None, stdin=None):
    """Runs snapshotctl (under strace with `trace`, a list of options); returns (exit status, stderr)."""
    command = [CTL, *args]
    if trace is not None:
        command = ["strace", "-f", "-qq", "-o", trace[0], *trace[1:], *command]
    try:
        done = subprocess.run(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=CALL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    status = done.returncode
    # strace ends the way its tracee did: -9 (or 137 from a shell) after the injected kill.
    return (137 if status in (-9, 137) else status), done.stderr.decode(errors="replace")


def must(*args):
    status, err = ctl(*args)
    if status != 0:
        sys.exit(f"fault_campaign: setup failed: snapshotctl {' '.join(args)}: exit {status}: {err}")


# ------------------------------------------------------------------ trees and their comparison

def data_map(path):
    """The (start, end) ranges of a file that hold data (SEEK_DATA/SEEK_HOLE)."""
    ranges = []
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            ranges.append((start, end))
            offset = end
    finally:
        os.close(fd)
    return ranges


def tree_state(root, with_times=False):
    """path -> (sha256, mode, size, data map[, mtime]) of every regular file below root; None if root is absent."""
    if not os.path.isdir(root):
        return None
    state = {}
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            st = os.lstat(path)
            relative = os.path.relpath(path, root)
            if not os.path.isfile(path) or os.path.islink(path):
                state[relative] = ("not a regular file",)
                continue
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            entry = (digest, st.st_mode & 0o7777, st.st_size, tuple(data_map(path)))
            state[relative] = entry + ((st.st_mtime_ns,) if with_times else ())
    return state


def differences(expected, actual):
    if actual is None:
        return "absent"
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p] != actual[p])
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"extra {extra}")
    for p in changed:
        parts.append(f"{p}: {actual[p][:4]} instead of {expected[p][:4]}")
    return "; ".join(parts)


def write_file(path, data, mode, holes=()):
    """A file of `data`, with `holes` (start, length) punched after writing (4 KiB-aligned: holes for real)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    for start, length in holes:
        subprocess.run(["fallocate", "--punch-hole", "--offset", str(start), "--length", str(length), path], check=True)
    os.chmod(path, mode)


def make_tree(root, seed):
    rng = random.Random(seed)
    blob = lambda n: rng.randbytes(n)  # noqa: E731
    write_file(f"{root}/dense.bin", blob(48 * 1024), 0o644)
    # 1 MiB with data at its start, its middle and its end: two holes.
    write_file(f"{root}/sparse.img", blob(1024 * 1024), 0o600, holes=[(8192, 516096), (532480, 503808)])
    write_file(f"{root}/run.sh", b"#!/bin/sh\necho " + str(seed).encode() + b"\n", 0o755)
    write_file(f"{root}/sub/ro.txt", b"read-only " + str(seed).encode() + b"\n", 0o444)
    write_file(f"{root}/sub/empty", b"", 0o640)


def snapshot_args(name, version, base):
    return ["snapshot", "--name", name, "--version", version, "--base-dir", base, "--all", "--ro", "sub/ro.txt"]


# ------------------------------------------------------------------ the operations

class Operation:
    """One operation on a fresh copy of the template store: what it runs, what it must leave."""

    def __init__(self, name, args, creates=None, removes=(), may_remove=(), output=None, output_after=None,
                 export=None, needs=None):
        self.name, self.args = name, args
        self.creates = creates          # (ref, tree) a snapshot the operation adds
        self.removes = set(removes)     # refs it removes
        self.may_remove = set(may_remove)
        self.output = output            # a restore's output dir, relative to the point's dir
        self.output_before = None       # what the output dir holds before (None: absent), seen when counting
        self.output_after = output_after    # what it holds when the restore is done
        self.export = export            # (file, ref, tree) an export's archive
        self.needs = needs              # prepares the point's dir (outputs, damage)
        self.database_opens = set()     # openat numbers that open SQLite's files, seen when counting


def main():
    for tool in ("strace", "fallocate", "tar"):
        if shutil.which(tool) is None:
            sys.exit(f"fault_campaign: {tool} is required")
    started = time.monotonic()
    src, src2, src3 = f"{WORK}/src", f"{WORK}/src2", f"{WORK}/src3"
    make_tree(src, 1)
    make_tree(src2, 2)
    make_tree(src3, 3)
    srcs = {path: tree_state(path, with_times=True) for path in (src, src2, src3)}
    trees = {path: tree_state(path) for path in (src, src2, src3)}
    template = f"{WORK}/template"
    must("--root", template, *snapshot_args("t", "v1", src))
    must("--root", template, *snapshot_args("t", "v2", src2))
    must("--root", template, *snapshot_args("k", "v1", src3))
    # An archive of a snapshot the template lacks, made in a store of its own.
    must("--root", f"{WORK}/other", *snapshot_args("w", "v1", src3))
    src4 = f"{WORK}/src4"
    make_tree(src4, 4)
    trees[src4] = tree_state(src4)
    srcs[src4] = tree_state(src4, with_times=True)
    must("--root", f"{WORK}/other", *snapshot_args("w", "v2", src4))
    must("--root", f"{WORK}/other", "export", "w:v2", "-o", f"{WORK}/w.tar")
    committed = {"t:v1": trees[src], "t:v2": trees[src2], "k:v1": trees[src3]}

    def damage_snapshot_files(point_root):
        # verify --repair has work: the read-only files' storage/snapshot copies are gone.
        snapshot_dir = f"{point_root}/storage/snapshot"
        for directory, _, files in os.walk(snapshot_dir):
            for name in files:
                os.unlink(os.path.join(directory, name))

    def overwrite_target(point):
        shutil.copytree(src2, f"{point}/out", symlinks=True)

    def inplace_target(point):
        shutil.copytree(src2, f"{point}/out", symlinks=True)
        write_file(f"{point}/out/extra.txt", b"extra\n", 0o644)

    operations = [
        Operation("snapshot", snapshot_args("n", "v1", src4), creates=("n:v1", trees[src4])),
        Operation("incremental", snapshot_args("t", "v3", src), creates=("t:v3", trees[src])),
        Operation("restore", ["restore", "t:v1", "--output-dir", "{point}/out"], output="out",
                  output_after=trees[src]),
        Operation("restore-overwrite", ["restore", "t:v1", "--output-dir", "{point}/out", "--overwrite"],
                  output="out", output_after=trees[src], needs=overwrite_target),
        Operation("restore-in-place", ["restore", "t:v1", "--output-dir", "{point}/out", "--in-place",
                                       "--delete-extra"], output="out",
                  output_after=trees[src],
                  needs=inplace_target),
        Operation("delete", ["delete", "t:v1"], removes=["t:v1"]),
        Operation("gc", ["--keep-last", "1", "--min-retention", "0", "gc"], may_remove=["t:v1"]),
        Operation("import", ["import", f"{WORK}/w.tar"], creates=("w:v2", trees[src4])),
        Operation("export", ["export", "t:v2", "-o", "{point}/t.tar"], export=("t.tar", "t:v2", trees[src2])),
        Operation("verify-repair", ["verify", "--repair"], needs=lambda point: damage_snapshot_files(f"{point}/root")),
    ]

    rng = random.Random(SEED)
    print(f"fault campaign: {'every point' if STRESS else f'{SAMPLES_PER_FAULT} sampled points per fault (SEED={SEED})'}",
          flush=True)
    for operation in operations:
        if not STRESS and time.monotonic() - started > BUDGET_SECONDS:
            print(f"  time budget of {BUDGET_SECONDS} s reached: {operation.name} and later operations are skipped")
            break
        points = count_points(operation, template)
        calls_counted[operation.name] = sum(len(v) for v in points.values())
        plan = []
        for fault in FAULTS:
            candidates = [(syscall, n) for syscall, ns in sorted(points.items()) for n in ns]
            if not STRESS:
                candidates = rng.sample(candidates, min(SAMPLES_PER_FAULT, len(candidates)))
            plan += [(syscall, n, fault) for syscall, n in candidates]
        for syscall, n, fault in plan:
            if not STRESS and time.monotonic() - started > BUDGET_SECONDS:
                break
            visit(operation, template, committed, srcs, syscall, n, fault)
        print(f"  {operation.name}: {sum(visited[(operation.name, f)] for f in FAULTS)} points "
              f"({time.monotonic() - started:.0f} s)", flush=True)
    report(started)


def prepare_point(operation, template):
    point = tempfile.mkdtemp(prefix=f"{operation.name}.", dir=WORK)
    subprocess.run(["cp", "-a", template, f"{point}/root"], check=True)
    if operation.needs is not None:
        operation.needs(point)
    return point


def args_of(operation, point):
    return [arg.replace("{point}", point) for arg in operation.args]


def count_points(operation, template):
    """syscall -> the invocation numbers (per thread, as strace counts them) worth visiting."""
    point = prepare_point(operation, template)
    if operation.output is not None:
        operation.output_before = tree_state(f"{point}/{operation.output}")
    log = f"{point}/count.log"
    status, err = ctl("--root", f"{point}/root", *args_of(operation, point),
                      trace=[log, "-e", "trace=" + ",".join(STATE_SYSCALLS)])
    if status != 0:
        sys.exit(f"fault_campaign: {operation.name} fails without faults: exit {status}: {err}")
    per_thread = collections.defaultdict(collections.Counter)
    creating_opens = collections.defaultdict(set)
    with open(log) as f:
        for line in f:
            match = re.match(r"(\d+)\s+(?:<\.\.\. )?(\w+)\(", line)
            if not match or match.group(2) not in STATE_SYSCALLS or "resumed>" in line:
                continue
            tid, syscall = match.groups()
            per_thread[tid][syscall] += 1
            if syscall == "openat" and "O_CREAT" in line:
                creating_opens[tid].add(per_thread[tid][syscall])
                if re.search(r'snapshotter\.db(-wal|-shm)?"', line):
                    operation.database_opens.add(per_thread[tid][syscall])
    points = collections.defaultdict(set)
    for tid, counts in per_thread.items():
        for syscall, count in counts.items():
            if syscall == "openat":
                points[syscall] |= creating_opens[tid]
            else:
                points[syscall] |= set(range(1, count + 1))
    shutil.rmtree(point)
    return {s: sorted(ns) for s, ns in points.items() if ns}


def fail(kind, operation, where, message):
    failures[kind] += 1
    failure_lines.append(f"FAIL  {kind}: {operation.name} {where}: {message}")
    print(failure_lines[-1], flush=True)


def visit(operation, template, committed, srcs, syscall, n, fault):
    visited[(operation.name, fault)] += 1
    point = prepare_point(operation, template)
    root = f"{point}/root"
    where = f"{fault}@{syscall}#{n}"
    args = args_of(operation, point)
    status, err = ctl("--root", root, *args,
                      trace=["/dev/null", "-e", f"trace={syscall}", "-e", f"inject={syscall}:{FAULTS[fault]}:when={n}"])
    if status == "timeout":
        fail("hang", operation, where, f"no exit within {CALL_TIMEOUT_SECONDS} s")
    elif status == EXIT_LOADER and "error while loading shared libraries" in err:
        # strace counts calls per thread: a point found in a worker thread also fires at the same call of the main
        # thread, where it can be the dynamic loader opening libsnapshotter.so. The program never ran; the checks
        # below still hold it to having changed nothing.
        loader_hits[(operation.name, fault)] += 1
    elif fault == "kill" and status not in (0, 137):
        fail("wrong-code", operation, where, f"exit {status} instead of being killed: {err.strip()}")
    elif fault in EXPECTED_EXIT and status not in (0, EXPECTED_EXIT[fault]) \
            and not (syscall == "openat" and status == EXIT_IO
                     and (n in operation.database_opens or READ_ONLY_DATABASE in err)):
        # SQLite opens its files read-only when the read-write open fails and keeps no errno: a failure that has
        # passed when the library looks for its cause reads as IO (docs/reliability.md). strace counts calls per
        # thread and fires in every thread, so the thread whose N-th open is SQLite's can differ from the
        # counting run's: the message then says the database was read-only.
        fail("wrong-code", operation, where, f"exit {status} instead of {EXPECTED_EXIT[fault]}: {err.strip()}")
    finished = status == 0
    killed = fault == "kill" and not finished
    # The damage verify --repair is for stays until it runs: that operation is checked after its retry only.
    repairs = operation.name == "verify-repair"

    # The store verifies; committed snapshots are there; the operation's own result is whole or absent.
    present = set()
    if not repairs:
        check_verify(operation, root, where)
        present = check_snapshots(operation, point, committed, where, finished)
        check_output(operation, point, where, finished)

    for path, before in srcs.items():
        if tree_state(path, with_times=True) != before:
            fail("source-changed", operation, where, f"{path} changed")

    # A retry succeeds and leaves the whole result.
    retry = not finished or repairs
    if operation.creates and operation.creates[0] in present:
        retry = False
    if operation.removes and not (operation.removes & present):
        retry = False
    if retry:
        status, err = ctl("--root", root, *args)
        if status != 0:
            fail("retry", operation, where, f"the retry failed: exit {status}: {err.strip()}")
        else:
            check_snapshots(operation, point, committed, where + " after the retry", True)
            check_output(operation, point, where + " after the retry", True)
    check_verify(operation, root, where + " after the retry")

    # Nothing left behind once a collection ran.
    status, err = ctl("--root", root, "gc")
    if status != 0:
        fail("gc", operation, where, f"gc failed: exit {status}: {err.strip()}")
    left = leftovers(point, killed)
    if left:
        fail("stale-files", operation, where, f"left after gc: {left}")
    shutil.rmtree(point, ignore_errors=True)


def check_verify(operation, root, where):
    status, err = ctl("--root", root, "verify")
    if status != 0:
        fail("verify", operation, where, f"verify: exit {status}: {err.strip()}")


def restore_state(root, ref, point, label):
    out = f"{point}/check-{label}"
    status, err = ctl("--root", root, "restore", ref, "--output-dir", out)
    state = tree_state(out) if status == 0 else None
    shutil.rmtree(out, ignore_errors=True)
    return status, err, state


def check_snapshots(operation, point, committed, where, finished):
    """Every committed snapshot restores as it was (those the operation removes may be gone); the operation's own
    snapshot is whole or absent. Returns the refs present."""
    root = f"{point}/root"
    present = set()
    expected = dict(committed)
    if operation.creates:
        expected[operation.creates[0]] = operation.creates[1]
    for ref, tree in expected.items():
        status, err, state = restore_state(root, ref, point, ref.replace(":", "-"))
        if status == EXIT_NOT_FOUND:
            if ref in committed and ref not in operation.removes | operation.may_remove:
                fail("lost", operation, where, f"{ref} is gone: {err.strip()}")
            elif finished and operation.creates and ref == operation.creates[0]:
                fail("lost", operation, where, f"{ref} is absent although the call succeeded")
            continue
        if status != 0:
            fail("lost", operation, where, f"{ref} does not restore: exit {status}: {err.strip()}")
            continue
        present.add(ref)
        diff = differences(tree, state)
        if diff:
            kind = "half-visible" if operation.creates and ref == operation.creates[0] else "wrong-output"
            fail(kind, operation, where, f"{ref} restores with {diff}")
    if finished and operation.removes & present:
        fail("half-visible", operation, where, f"{sorted(operation.removes & present)} still there after success")
    return present


def check_output(operation, point, where, finished):
    if operation.output is not None:
        out = f"{point}/{operation.output}"
        marked = os.path.exists(f"{out}/{MARKER}")
        state = tree_state(out)
        if state is not None:
            state.pop(MARKER, None)
            state = {p: v for p, v in state.items() if not os.path.basename(p).startswith(RESTORE_TEMP_PREFIX)}
        after = operation.output_after
        if finished and (marked or differences(after, state)):
            fail("wrong-output", operation, where, f"the restore succeeded, yet its output has {differences(after, state)}"
                 + (" and the marker" if marked else ""))
        elif not finished and not marked:
            whole = not differences(after, state)
            before = operation.output_before
            untouched = not state if before is None else state == before
            if not whole and not untouched:
                fail("half-visible", operation, where, f"the output is neither whole nor untouched nor marked: "
                     f"{differences(after, state)}")
    if operation.export is not None:
        name, ref, tree = operation.export
        archive = f"{point}/{name}"
        if finished and not os.path.exists(archive):
            fail("lost", operation, where, "the export succeeded, yet there is no archive")
        if os.path.exists(archive):
            scratch = f"{point}/scratch"
            status, err = ctl("--root", scratch, "import", archive)
            if status != 0:
                fail("half-visible", operation, where, f"the archive does not import: exit {status}: {err.strip()}")
            else:
                status, err, state = restore_state(scratch, ref, point, "export")
                diff = differences(tree, state)
                if status != 0 or diff:
                    fail("wrong-output", operation, where, f"the archive restores with {diff or err.strip()}")
            shutil.rmtree(scratch, ignore_errors=True)


def leftovers(point, killed):
    """Temporary files in the store, owner lock files, a restore's temporary files, and (unless the CLI was killed
    writing it) an export's partial file."""
    root = f"{point}/root"
    left = []
    owners = f"{root}/metadata/owners"
    if os.path.isdir(owners):
        left += [f"metadata/owners/{name}" for name in os.listdir(owners)]
    for directory, _, files in os.walk(f"{root}/storage"):
        left += [os.path.relpath(os.path.join(directory, f), root) for f in files if f.startswith(".")]
    for directory, _, files in os.walk(point):
        if directory.startswith(root):
            continue
        for f in files:
            if f.startswith(RESTORE_TEMP_PREFIX) or (".partial-" in f and not killed):
                left.append(os.path.relpath(os.path.join(directory, f), point))
    return left


def report(started):
    print("--- summary ---")
    print("points visited (kill / ENOSPC / EIO), of the state-changing calls counted:")
    total = 0
    for name, counted in calls_counted.items():
        row = [visited[(name, fault)] for fault in FAULTS]
        total += sum(row)
        print(f"  {name:<18} {row[0]:>4} / {row[1]:>4} / {row[2]:>4}   of {counted} calls")
    print(f"  {'total':<18} {total} points in {time.monotonic() - started:.0f} s")
    if loader_hits:
        print(f"  of which {sum(loader_hits.values())} hit the dynamic loader before the library loaded: "
              + ", ".join(f"{name} {fault} {count}" for (name, fault), count in sorted(loader_hits.items())))
    kinds = ["lost", "half-visible", "wrong-output", "stale-files", "wrong-code", "verify", "source-changed",
             "retry", "gc", "hang"]
    print("failures: " + ", ".join(f"{kind} {failures[kind]}" for kind in kinds))
    if failures:
        print("\n".join(failure_lines))
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
