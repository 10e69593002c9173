#!/usr/bin/env python3
"""Compares two directory trees entry by entry and prints every difference with its path.

    compare.py [--skip-sockets] EXPECTED ACTUAL

Exit status: 0 when the trees match, 1 when anything differs (one line per difference on stdout:
`PATH: WHAT: expected X, actual Y`), 2 for a usage error or a tree that cannot be read.

Entries are matched by their raw name bytes, so names that are not valid UTF-8 compare exactly; a path
is printed with every byte outside printable ASCII (and the backslash) as \\xNN. The two roots themselves
are not compared, only what lies beneath them: whoever creates a root sets its mode and times.

Every entry is compared for
  - its type (regular file, directory, symlink, FIFO, socket, character or block device),
  - its mode's permission bits with setuid, setgid and sticky (07777), its owner (numeric uid:gid),
  - its mtime to the nanosecond (directories and symlinks too),
  - its extended attributes in every namespace this process can read (user., trusted. as root,
    security., system.posix_acl_* for POSIX ACLs), names and values byte for byte;
regular files for their size, bytes (SHA-256), data extents (SEEK_DATA/SEEK_HOLE: holes kept where
they were) and allocated 512-byte blocks; symlinks for their target bytes (never followed); devices
for their major:minor; and non-directories for their hardlink group: the paths of the tree that share
the entry's inode must be the same paths in both trees.

Allocated blocks are compared exactly: the 512-byte blocks the filesystem maps to the file's data (FIEMAP,
preallocated extents included; st_blocks where FIEMAP is not supported). On ext4, XFS and Btrfs a file
written with the same data extents gets the same count. st_blocks alone would also count the filesystem's
own blocks for the file (ext4's extent tree once a file lies in more than four pieces, which a busy disk
decides, not the writer). No tolerance is applied, so a filesystem that allocates differently for the
same layout (compression, inline data) would show as a difference.

--skip-sockets leaves sockets out of both trees (each one left out is listed after the differences):
sockets are not content, and a snapshot skips them while rsync and tar (with a warning) keep them.
"""

import argparse
import errno
import fcntl
import hashlib
import os
import stat
import struct
import sys

TYPE_NAMES = {
    stat.S_IFREG: "regular file",
    stat.S_IFDIR: "directory",
    stat.S_IFLNK: "symlink",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
}

READ_CHUNK_BYTES = 1 << 20

# linux/fiemap.h: FS_IOC_FIEMAP, struct fiemap (32 bytes) followed by struct fiemap_extent (56 bytes each).
FS_IOC_FIEMAP = 0xC020660B
FIEMAP_FLAG_SYNC = 0x1
FIEMAP_EXTENT_LAST = 0x1
FIEMAP_HEADER = struct.Struct("=QQIIII")
FIEMAP_EXTENT = struct.Struct("=QQQ2QI3I")
FIEMAP_BATCH = 256


def show(path):
    """A path as printable text that maps back to exactly one byte string."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else "\\x%02x" % b for b in path)


def show_value(value):
    if isinstance(value, bytes):
        return '"' + show(value) + '"'
    return str(value)


class Entry:
    """What the comparison looks at for one path, read without following symlinks."""

    def __init__(self, root, path):
        full = os.path.join(root, path)
        st = os.lstat(full)
        self.kind = stat.S_IFMT(st.st_mode)
        self.mode = stat.S_IMODE(st.st_mode)
        self.owner = "%d:%d" % (st.st_uid, st.st_gid)
        self.mtime_ns = st.st_mtime_ns
        self.inode = (st.st_dev, st.st_ino)
        self.xattrs = read_xattrs(full)
        self.size = self.digest = self.extents = self.blocks = self.target = self.device = None
        if self.kind == stat.S_IFREG:
            self.size = st.st_size
            self.digest, self.extents, self.blocks = read_content(full)
            if self.blocks is None:
                self.blocks = st.st_blocks
        elif self.kind == stat.S_IFLNK:
            self.target = os.readlink(full)
        elif self.kind in (stat.S_IFCHR, stat.S_IFBLK):
            self.device = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))


def read_xattrs(full):
    names = os.listxattr(full, follow_symlinks=False)
    return {os.fsencode(name): os.getxattr(full, name, follow_symlinks=False) for name in sorted(names)}


def mapped_blocks(fd):
    """The 512-byte blocks FIEMAP maps to the file's data; None where the filesystem has no FIEMAP."""
    total = start = 0
    while True:
        request = bytearray(FIEMAP_HEADER.size + FIEMAP_BATCH * FIEMAP_EXTENT.size)
        FIEMAP_HEADER.pack_into(request, 0, start, 2**64 - 1 - start, FIEMAP_FLAG_SYNC, 0, FIEMAP_BATCH, 0)
        try:
            fcntl.ioctl(fd, FS_IOC_FIEMAP, request)
        except OSError as e:
            if e.errno in (errno.EOPNOTSUPP, errno.ENOTTY):
                return None
            raise
        mapped = FIEMAP_HEADER.unpack_from(request, 0)[3]
        if mapped == 0:
            return total // 512
        for i in range(mapped):
            logical, _, length, _, _, flags, *_ = FIEMAP_EXTENT.unpack_from(request, FIEMAP_HEADER.size + i * FIEMAP_EXTENT.size)
            total += length
            start = logical + length
            if flags & FIEMAP_EXTENT_LAST:
                return total // 512


def read_content(full):
    """The SHA-256 of a regular file's bytes, its data extents [(start, end), ...] and its mapped blocks."""
    digest = hashlib.sha256()
    extents = []
    fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole remains
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            extents.append((start, end))
            offset = end
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            chunk = os.read(fd, READ_CHUNK_BYTES)
            if not chunk:
                break
            digest.update(chunk)
        blocks = mapped_blocks(fd)
    finally:
        os.close(fd)
    return digest.hexdigest(), extents, blocks


def walk(root, skip_sockets, skipped):
    """{relative path bytes: Entry} of everything beneath root, root itself excluded."""
    entries = {}
    pending = [b""]
    while pending:
        directory = pending.pop()
        with os.scandir(os.path.join(root, directory) if directory else root) as listing:
            for item in listing:
                path = os.path.join(directory, item.name) if directory else item.name
                entry = Entry(root, path)
                if skip_sockets and entry.kind == stat.S_IFSOCK:
                    skipped.add(path)
                    continue
                entries[path] = entry
                if entry.kind == stat.S_IFDIR:
                    pending.append(path)
    return entries


def hardlink_groups(entries):
    """{path: sorted tuple of the paths sharing its inode} for every non-directory."""
    by_inode = {}
    for path, entry in entries.items():
        if entry.kind != stat.S_IFDIR:
            by_inode.setdefault(entry.inode, []).append(path)
    groups = {}
    for paths in by_inode.values():
        group = tuple(sorted(paths))
        for path in paths:
            groups[path] = group
    return groups


def show_group(group):
    return "[" + ", ".join(show(p) for p in group) + "]"


def compare_entries(path, expected, actual, differences):
    def differ(what, want, got):
        differences.append("%s: %s: expected %s, actual %s" % (show(path), what, want, got))

    if expected.kind != actual.kind:
        differ("type", TYPE_NAMES.get(expected.kind, oct(expected.kind)), TYPE_NAMES.get(actual.kind, oct(actual.kind)))
        return
    if expected.mode != actual.mode:
        differ("mode", "%04o" % expected.mode, "%04o" % actual.mode)
    if expected.owner != actual.owner:
        differ("owner", expected.owner, actual.owner)
    if expected.mtime_ns != actual.mtime_ns:
        differ("mtime", "%d ns" % expected.mtime_ns, "%d ns" % actual.mtime_ns)
    for name in sorted(set(expected.xattrs) | set(actual.xattrs)):
        want, got = expected.xattrs.get(name), actual.xattrs.get(name)
        if want != got:
            differ("xattr " + show(name), "absent" if want is None else show_value(want),
                   "absent" if got is None else show_value(got))
    if expected.kind == stat.S_IFREG:
        if expected.size != actual.size:
            differ("size", expected.size, actual.size)
        elif expected.digest != actual.digest:
            differ("content", "sha256 " + expected.digest, "sha256 " + actual.digest)
        # Extents end at the end of the file: with sizes apart, they differ for that reason alone.
        if expected.size == actual.size and expected.extents != actual.extents:
            differ("data extents (holes)", expected.extents, actual.extents)
        if expected.blocks != actual.blocks:
            differ("allocated blocks", expected.blocks, actual.blocks)
    elif expected.kind == stat.S_IFLNK:
        if expected.target != actual.target:
            differ("symlink target", show_value(expected.target), show_value(actual.target))
    elif expected.kind in (stat.S_IFCHR, stat.S_IFBLK):
        if expected.device != actual.device:
            differ("device", expected.device, actual.device)


def compare(expected_root, actual_root, skip_sockets=False):
    """(differences, skipped sockets): each difference one line naming its path."""
    skipped = set()
    expected = walk(expected_root, skip_sockets, skipped)
    actual = walk(actual_root, skip_sockets, skipped)
    expected_groups, actual_groups = hardlink_groups(expected), hardlink_groups(actual)
    differences = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            differences.append("%s: missing (a %s)" % (show(path), TYPE_NAMES.get(expected[path].kind)))
        elif path not in expected:
            differences.append("%s: extra (a %s)" % (show(path), TYPE_NAMES.get(actual[path].kind)))
        else:
            compare_entries(path, expected[path], actual[path], differences)
            if path in expected_groups and path in actual_groups:
                want = tuple(p for p in expected_groups[path] if p in actual)
                got = tuple(p for p in actual_groups[path] if p in expected)
                if want != got:
                    differences.append("%s: hardlinks: expected shared with %s, actual shared with %s"
                                       % (show(path), show_group(want), show_group(got)))
    return differences, sorted(skipped)


def main():
    parser = argparse.ArgumentParser(description="Compare two directory trees entry by entry.")
    parser.add_argument("--skip-sockets", action="store_true", help="leave sockets out of both trees")
    parser.add_argument("expected")
    parser.add_argument("actual")
    args = parser.parse_args()
    for root in (args.expected, args.actual):
        if not os.path.isdir(root) or os.path.islink(root):
            print("compare.py: %s is not a directory" % root, file=sys.stderr)
            return 2
    try:
        differences, skipped = compare(os.fsencode(args.expected), os.fsencode(args.actual), args.skip_sockets)
    except OSError as error:
        print("compare.py: cannot read %s: %s" % (show(os.fsencode(error.filename or b"")), error.strerror),
              file=sys.stderr)
        return 2
    for line in differences:
        print(line)
    for path in skipped:
        print("%s: socket skipped" % show(path))
    if differences:
        print("%d difference(s) between %s and %s" % (len(differences), args.expected, args.actual))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
