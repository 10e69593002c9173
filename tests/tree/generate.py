#!/usr/bin/env python3
"""Makes a directory tree holding every kind of entry a snapshot has to bring back, deterministically.

    generate.py DIR

DIR must not exist yet. What the tree holds:
  - nested directories, empty ones, a 0700 and a 0500 directory with content, a setgid and a sticky
    directory, a directory whose name has a space;
  - empty, small, page-sized and large files of random bytes; a sparse file with a leading, inner and
    trailing hole (its data in runs of 4 KiB-aligned random bytes, never zeros, so copying tools that
    turn zero runs into holes keep the same layout);
  - symlinks: relative, absolute, dangling, pointing outside the tree, to a directory, to itself;
  - a hardlink group of three read-only files and one of two writable files in different directories;
  - a FIFO and a socket (which a snapshot skips and reports);
  - setuid, setgid and 0000 files;
  - user.* extended attributes (text, binary, empty) on a file and a directory;
  - names with a space, a newline and a tab, a valid UTF-8 name and names that are not valid UTF-8;
  - fixed mtimes with nanoseconds on every entry, directories and symlinks included, set last;
and when run as root also
  - a character device (1:3) and a block device (7:200);
  - a directory, a file and a symlink owned by other users;
  - security.capability (cap_net_bind_service+ep) on a file;
  - POSIX ACLs (setfacl, package `acl`): an access ACL on a file and a default ACL on a directory
    whose file was created before it and has none (a restore that creates the directory with its ACL
    first would wrongly give the file one).

It prints one line per root-only part it left out when not run as root.
"""

import os
import random
import socket
import struct
import subprocess
import sys

MIB = 1 << 20
# Sun Sep 13 12:26:40 UTC 2020 plus a nanosecond part, so truncation to microseconds shows.
BASE_MTIME_NS = 1_600_000_000_123_456_789
# security.capability, version 2 (struct vfs_cap_data): cap_net_bind_service (10) permitted and effective.
CAP_NET_BIND_SERVICE_EP = struct.pack("<5I", 0x02000000 | 0x1, 1 << 10, 0, 0, 0)
OTHER_UID, OTHER_GID = 1234, 5678


class Tree:
    def __init__(self, root):
        self.root = root
        self.random = random.Random(17)
        # Modes applied after everything is created (a 0500 directory cannot get content afterwards).
        self.modes = {}

    def path(self, relative):
        return os.path.join(self.root, relative)

    def mkdir(self, relative, mode=0o755):
        os.makedirs(self.path(relative), exist_ok=True)
        self.modes[relative] = mode

    def file(self, relative, size, mode=0o644):
        with open(self.path(relative), "wb") as out:
            out.write(self.random.randbytes(size))
        self.modes[relative] = mode

    def sparse(self, relative, size, runs):
        """A file of SIZE bytes whose data is RUNS [(offset, length)], 4 KiB-aligned; holes elsewhere."""
        with open(self.path(relative), "wb") as out:
            out.truncate(size)
            for offset, length in runs:
                out.seek(offset)
                out.write(bytes(b | 1 for b in self.random.randbytes(length)))
        self.modes[relative] = 0o644

    def symlink(self, relative, target):
        os.symlink(target, self.path(relative))

    def link(self, existing, relative):
        os.link(self.path(existing), self.path(relative))


def build(tree, as_root):
    t = tree
    t.mkdir(b"empty")
    t.mkdir(b"nested/a/b/c")
    t.mkdir(b"nested/a/empty-leaf")
    t.file(b"nested/a/b/c/deep.txt", 50)
    t.mkdir(b"private", 0o700)
    t.file(b"private/secret.txt", 33, 0o600)
    t.mkdir(b"readonly-dir", 0o500)
    t.file(b"readonly-dir/kept.txt", 21, 0o444)

    t.mkdir(b"data")
    for size in (0, 1, 100, 4096, 4097):
        t.file(b"data/small-%d" % size, size)
    t.file(b"data/large.bin", 6 * MIB + 13)
    t.sparse(b"data/sparse.img", 16 * MIB, [(1 * MIB, 4096), (1 * MIB + 64 * 1024, 3 * 4096), (9 * MIB, 64 * 1024)])

    t.mkdir(b"links")
    t.symlink(b"links/relative", b"../data/small-100")
    t.symlink(b"links/absolute", b"/etc/hostname")
    t.symlink(b"links/dangling", b"does/not/exist")
    t.symlink(b"links/outside", b"../../outside-the-tree/file")
    t.symlink(b"links/to-dir", b"../nested/a")
    t.symlink(b"links/self", b"self")

    t.mkdir(b"hard")
    t.file(b"hard/ro-1", 700, 0o444)
    t.link(b"hard/ro-1", b"hard/ro-2")
    t.link(b"hard/ro-1", b"nested/a/ro-3")
    t.file(b"hard/rw-1", 900, 0o644)
    t.link(b"hard/rw-1", b"data/rw-2")

    t.mkdir(b"special")
    os.mkfifo(t.path(b"special/fifo"), 0o640)
    t.modes[b"special/fifo"] = 0o640
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # bind() takes at most 107 bytes of path: bind relative to the directory, which may be deep.
    cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.chdir(t.path(b"special"))
        sock.bind("socket")
    finally:
        os.fchdir(cwd)
        os.close(cwd)
        sock.close()

    t.mkdir(b"modes")
    t.file(b"modes/setuid", 64, 0o4755)
    t.file(b"modes/setgid", 64, 0o2755)
    t.file(b"modes/no-permissions", 8, 0o000)
    t.mkdir(b"modes/setgid-dir", 0o2775)
    t.file(b"modes/setgid-dir/inside", 10)
    t.mkdir(b"modes/sticky-dir", 0o1777)

    t.mkdir(b"xattrs")
    t.file(b"xattrs/file", 128)
    os.setxattr(t.path(b"xattrs/file"), "user.comment", b"a comment")
    os.setxattr(t.path(b"xattrs/file"), "user.binary", bytes(range(256)))
    os.setxattr(t.path(b"xattrs/file"), "user.empty", b"")
    t.mkdir(b"xattrs/dir")
    os.setxattr(t.path(b"xattrs/dir"), "user.dirattr", b"on a directory")

    t.mkdir(b"names")
    t.file(b"names/with space", 5)
    t.file(b"names/new\nline", 6)
    t.file(b"names/tab\tname", 7)
    t.file("names/ünïcödé-✓".encode(), 8)
    t.file(b"names/not-utf8-\xff\xfe", 9)
    t.file(b"names/latin1-caf\xe9", 10)
    t.mkdir(b"names/dir with space/inner \xc3(", 0o755)
    t.modes[b"names/dir with space"] = 0o755
    t.file(b"names/dir with space/inner \xc3(/file", 11)

    left_out = []
    if as_root:
        t.mkdir(b"devices")
        os.mknod(t.path(b"devices/null-like"), 0o666 | 0o020000, os.makedev(1, 3))
        os.mknod(t.path(b"devices/loop-like"), 0o660 | 0o060000, os.makedev(7, 200))
        t.modes[b"devices/null-like"], t.modes[b"devices/loop-like"] = 0o666, 0o660

        t.mkdir(b"owners", 0o750)
        t.file(b"owners/file", 40, 0o640)
        t.symlink(b"owners/link", b"file")
        t.mkdir(b"owners/dir", 0o700)
        t.file(b"xattrs/capability", 256, 0o755)
        t.mkdir(b"acl")
        t.file(b"acl/file", 30, 0o640)
        t.mkdir(b"acl/default-dir")
        t.file(b"acl/default-dir/created-before", 31, 0o640)
    else:
        left_out += ["devices (needs root)", "other owners (needs root)", "security.capability (needs root)",
                     "POSIX ACLs (needs root)"]
    return left_out


def finish(tree, as_root):
    """Owners, then modes, then ACLs and capabilities (chown clears setuid bits and capabilities, and
    setfacl changes group bits), then mtimes, deepest first so nothing moves a parent's mtime later."""
    t = tree
    if as_root:
        os.chown(t.path(b"owners"), OTHER_UID, OTHER_GID)
        os.chown(t.path(b"owners/file"), OTHER_UID + 1, OTHER_GID + 1)
        os.chown(t.path(b"owners/link"), OTHER_UID, OTHER_GID, follow_symlinks=False)
        os.chown(t.path(b"owners/dir"), OTHER_UID + 2, 0)
    for relative in sorted(t.modes, key=lambda p: -p.count(b"/")):
        os.chmod(t.path(relative), t.modes[relative])
    if as_root:
        subprocess.run(["setfacl", "-m", "u:%d:r--,g:%d:rw-" % (OTHER_UID, OTHER_GID), t.path(b"acl/file")],
                       check=True)
        subprocess.run(["setfacl", "-d", "-m", "u:%d:rwx" % OTHER_UID, t.path(b"acl/default-dir")], check=True)
        os.setxattr(t.path(b"xattrs/capability"), "security.capability", CAP_NET_BIND_SERVICE_EP)

    paths = []
    for directory, dirs, files in os.walk(t.root, topdown=False):
        for name in files + dirs:
            paths.append(os.path.join(directory, name))
    for index, full in enumerate(sorted(paths, key=lambda p: (-p.count(b"/"), p))):
        mtime_ns = BASE_MTIME_NS + index * 1_000_000_007
        os.utime(full, ns=(mtime_ns, mtime_ns), follow_symlinks=False)


def main():
    if len(sys.argv) != 2:
        print("usage: generate.py DIR", file=sys.stderr)
        return 2
    root = os.fsencode(sys.argv[1])
    if os.path.lexists(root):
        print("generate.py: %s already exists" % sys.argv[1], file=sys.stderr)
        return 2
    as_root = os.geteuid() == 0
    os.makedirs(root)
    tree = Tree(root)
    left_out = build(tree, as_root)
    finish(tree, as_root)
    for part in left_out:
        print("left out: " + part)
    return 0


if __name__ == "__main__":
    sys.exit(main())
