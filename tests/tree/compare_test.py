#!/usr/bin/env python3
"""The tree comparer and generator on their own: a generated tree and its `rsync -aHAXS` copy match, two
generations match (the generator is deterministic), and each kind of alteration of the copy is reported,
exactly and only, on its path. The comparer runs as a program, as the fidelity suite runs it.

    compare_test.py          (as root also covers devices, owners, capabilities and ACLs)
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "compare.py")
GENERATE = os.path.join(HERE, "generate.py")
AS_ROOT = os.geteuid() == 0


def compare(expected, actual, *options):
    result = subprocess.run([sys.executable, COMPARE, *options, expected, actual], capture_output=True)
    return result.returncode, result.stdout.decode("ascii").splitlines(), result.stderr.decode()


class TreeComparerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="snapshotter-treecmp.")
        cls.source = os.path.join(cls.work, "source")
        subprocess.run([sys.executable, GENERATE, cls.source], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work)

    def setUp(self):
        self.copy = os.path.join(self.work, "copy")
        if os.path.lexists(self.copy):
            shutil.rmtree(self.copy)
        subprocess.run(["rsync", "-aHAXS", self.source + "/", self.copy + "/"], check=True)

    def at(self, relative):
        return os.path.join(os.fsencode(self.copy), relative)

    def alter(self, relative, change):
        """Runs change(path) on the copy's entry, then puts back the mtimes of the entry (when it still
        exists) and of its directory, so only the intended attribute differs."""
        path = self.at(relative)
        parent = os.path.dirname(path)
        parent_mtime = os.lstat(parent).st_mtime_ns
        own_mtime = os.lstat(path).st_mtime_ns if os.path.lexists(path) else None
        change(path)
        if own_mtime is not None and os.path.lexists(path):
            os.utime(path, ns=(own_mtime, own_mtime), follow_symlinks=False)
        os.utime(parent, ns=(parent_mtime, parent_mtime), follow_symlinks=False)

    def assertOnly(self, *expected_lines):
        status, lines, errors = compare(self.source, self.copy, "--skip-sockets")
        self.assertEqual(status, 1, "the comparer found no difference; stderr: %s" % errors)
        self.assertTrue(lines[-1].startswith("%d difference(s)" % len(expected_lines)), lines)
        self.assertEqual([line for line in lines[:-1] if not line.endswith("socket skipped")], list(expected_lines))

    # ------------------------------------------------------------------ what matches

    def test_a_copy_by_rsync_matches(self):
        status, lines, errors = compare(self.source, self.copy, "--skip-sockets")
        self.assertEqual((status, errors), (0, ""), lines)
        self.assertEqual(lines, ["special/socket: socket skipped"])

    def test_two_generations_match(self):
        again = os.path.join(self.work, "again")
        subprocess.run([sys.executable, GENERATE, again], check=True, capture_output=True)
        try:
            status, lines, _ = compare(self.source, again)
            self.assertEqual(status, 0, lines)
        finally:
            shutil.rmtree(again)

    def test_the_generated_tree_has_every_kind_of_entry(self):
        kinds = set()
        names = set()
        for directory, dirs, files in os.walk(os.fsencode(self.source)):
            for name in dirs + files:
                kinds.add(stat.S_IFMT(os.lstat(os.path.join(directory, name)).st_mode))
                names.add(name)
        wanted = {stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK, stat.S_IFIFO, stat.S_IFSOCK}
        if AS_ROOT:
            wanted |= {stat.S_IFCHR, stat.S_IFBLK}
        self.assertEqual(kinds, wanted)
        self.assertIn(b"not-utf8-\xff\xfe", names)
        self.assertIn(b"new\nline", names)
        sparse = os.lstat(os.path.join(self.source, "data/sparse.img"))
        self.assertLess(sparse.st_blocks * 512, sparse.st_size // 10)
        self.assertEqual(os.lstat(os.path.join(self.source, "hard/ro-1")).st_nlink, 3)

    def test_a_tree_missing_its_socket_matches_only_when_sockets_are_skipped(self):
        self.alter(b"special/socket", os.unlink)
        status, lines, _ = compare(self.source, self.copy)
        self.assertEqual(status, 1)
        self.assertEqual(lines[0], "special/socket: missing (a socket)")
        status, lines, _ = compare(self.source, self.copy, "--skip-sockets")
        self.assertEqual((status, lines), (0, ["special/socket: socket skipped"]))

    # ------------------------------------------------------------------ what differs

    def test_type(self):
        def fifo_instead(path):
            os.unlink(path)
            os.mkfifo(path, 0o644)
        self.alter(b"data/small-100", fifo_instead)
        self.assertOnly("data/small-100: type: expected regular file, actual fifo")

    def test_mode_bits(self):
        self.alter(b"modes/setuid", lambda p: os.chmod(p, 0o755))
        self.alter(b"modes/sticky-dir", lambda p: os.chmod(p, 0o777))
        self.alter(b"modes/setgid-dir", lambda p: os.chmod(p, 0o775))
        self.alter(b"private", lambda p: os.chmod(p, 0o755))
        self.assertOnly("modes/setgid-dir: mode: expected 2775, actual 0775",
                        "modes/setuid: mode: expected 4755, actual 0755",
                        "modes/sticky-dir: mode: expected 1777, actual 0777",
                        "private: mode: expected 0700, actual 0755")

    @unittest.skipUnless(AS_ROOT, "changing owners needs root")
    def test_owner(self):
        self.alter(b"owners/link", lambda p: os.chown(p, 0, 0, follow_symlinks=False))
        self.alter(b"data/small-1", lambda p: os.chown(p, 0, 99))
        self.assertOnly("data/small-1: owner: expected 0:0, actual 0:99",
                        "owners/link: owner: expected 1234:5678, actual 0:0")

    def test_content_of_the_same_size(self):
        def flip_last_byte(path):
            with open(path, "r+b") as f:
                f.seek(-1, os.SEEK_END)
                last = f.read(1)
                f.seek(-1, os.SEEK_END)
                f.write(bytes([last[0] ^ 1]))
        self.alter(b"data/large.bin", flip_last_byte)
        lines = compare(self.source, self.copy, "--skip-sockets")[1]
        self.assertRegex(lines[0], r"^data/large.bin: content: expected sha256 [0-9a-f]{64}, actual sha256 [0-9a-f]{64}$")
        self.assertTrue(lines[-1].startswith("1 difference(s)"), lines)

    def test_size(self):
        def append(path):
            with open(path, "ab") as f:
                f.write(b"x")
        self.alter(b"data/small-1", append)
        self.assertOnly("data/small-1: size: expected 1, actual 2")

    def test_a_filled_hole(self):
        def fill_first_hole(path):
            with open(path, "r+b") as f:
                f.write(bytes(4096))
        self.alter(b"data/sparse.img", fill_first_hole)
        self.assertOnly("data/sparse.img: data extents (holes): expected [(1048576, 1052672), (1114112, 1126400), "
                        "(9437184, 9502720)], actual [(0, 4096), (1048576, 1052672), (1114112, 1126400), "
                        "(9437184, 9502720)]",
                        "data/sparse.img: allocated blocks: expected 160, actual 168")

    def test_symlink_target(self):
        def retarget(path):
            os.unlink(path)
            os.symlink(b"does/not/exist/either", path)
        self.alter(b"links/dangling", retarget)
        self.assertOnly('links/dangling: symlink target: expected "does/not/exist", actual "does/not/exist/either"')

    @unittest.skipUnless(AS_ROOT, "device nodes need root")
    def test_device_numbers(self):
        def other_device(path):
            os.unlink(path)
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
            os.chmod(path, 0o666)
        self.alter(b"devices/null-like", other_device)
        self.assertOnly("devices/null-like: device: expected 1:3, actual 1:5")

    def test_user_xattrs(self):
        self.alter(b"xattrs/file", lambda p: os.setxattr(p, "user.comment", b"another comment"))
        self.alter(b"xattrs/file", lambda p: os.removexattr(p, "user.empty"))
        self.alter(b"xattrs/dir", lambda p: os.setxattr(p, "user.added", b"\x00\xff"))
        self.assertOnly('xattrs/dir: xattr user.added: expected absent, actual "\\x00\\xff"',
                        'xattrs/file: xattr user.comment: expected "a comment", actual "another comment"',
                        'xattrs/file: xattr user.empty: expected "", actual absent')

    @unittest.skipUnless(AS_ROOT, "capabilities and ACLs for other users need root")
    def test_capability_and_acls(self):
        self.alter(b"xattrs/capability", lambda p: os.removexattr(p, "security.capability"))
        self.alter(b"acl/default-dir", lambda p: subprocess.run(["setfacl", "-k", p], check=True))
        lines = compare(self.source, self.copy, "--skip-sockets")[1]
        self.assertEqual([line.split(": expected")[0] for line in lines[:-2]],
                         ["acl/default-dir: xattr system.posix_acl_default",
                          "xattrs/capability: xattr security.capability"])

    def test_mtimes_to_the_nanosecond(self):
        expected = []
        for relative in (b"data/small-0", b"links/to-dir", b"nested/a/b"):
            path = self.at(relative)
            parent_mtime = os.lstat(os.path.dirname(path)).st_mtime_ns
            mtime = os.lstat(path).st_mtime_ns
            os.utime(path, ns=(mtime + 1, mtime + 1), follow_symlinks=False)
            self.assertEqual(os.lstat(os.path.dirname(path)).st_mtime_ns, parent_mtime)
            expected.append("%s: mtime: expected %d ns, actual %d ns" % (relative.decode(), mtime, mtime + 1))
        self.assertOnly(*expected)

    def test_a_split_hardlink_group(self):
        def separate_copy(path):
            shutil.copy2(path, path + b".tmp")
            os.rename(path + b".tmp", path)
        self.alter(b"hard/ro-2", separate_copy)
        self.assertOnly("hard/ro-1: hardlinks: expected shared with [hard/ro-1, hard/ro-2, nested/a/ro-3], "
                        "actual shared with [hard/ro-1, nested/a/ro-3]",
                        "hard/ro-2: hardlinks: expected shared with [hard/ro-1, hard/ro-2, nested/a/ro-3], "
                        "actual shared with [hard/ro-2]",
                        "nested/a/ro-3: hardlinks: expected shared with [hard/ro-1, hard/ro-2, nested/a/ro-3], "
                        "actual shared with [hard/ro-1, nested/a/ro-3]")

    def test_a_joined_hardlink_group(self):
        # The copy with a group split, as the expected tree: the source then has paths joined.
        def separate_copy(path):
            shutil.copy2(path, path + b".tmp")
            os.rename(path + b".tmp", path)
        self.alter(b"data/rw-2", separate_copy)
        status, lines, _ = compare(self.copy, self.source, "--skip-sockets")
        self.assertEqual(status, 1)
        self.assertEqual(lines[:-2], ["data/rw-2: hardlinks: expected shared with [data/rw-2], "
                                      "actual shared with [data/rw-2, hard/rw-1]",
                                      "hard/rw-1: hardlinks: expected shared with [hard/rw-1], "
                                      "actual shared with [data/rw-2, hard/rw-1]"])

    def test_missing_and_extra_entries_by_raw_name(self):
        def rename_one_byte(path):
            os.rename(path, path[:-1] + b"\xfd")
        self.alter(b"names/not-utf8-\xff\xfe", rename_one_byte)
        self.alter(b"empty", os.rmdir)
        self.assertOnly("empty: missing (a directory)",
                        "names/not-utf8-\\xff\\xfd: extra (a regular file)",
                        "names/not-utf8-\\xff\\xfe: missing (a regular file)")

    def test_names_that_are_not_directories_are_refused(self):
        status, _, errors = compare(self.source, os.path.join(self.source, "data/small-1"))
        self.assertEqual(status, 2)
        self.assertIn("is not a directory", errors)


class MappedBlocksTest(unittest.TestCase):
    def test_blocks_are_the_datas_not_the_filesystems_own(self):
        """A file in 600 pieces: ext4 adds blocks of its extent tree to st_blocks, which depend on how the disk
        was filled when the file was written; the comparer counts only what holds the data, over more
        extents than one FIEMAP call returns."""
        sys.path.insert(0, HERE)
        import compare as comparer
        with tempfile.TemporaryDirectory(prefix="snapshotter-treecmp.") as work:
            fd = os.open(os.path.join(work, "pieces"), os.O_CREAT | os.O_RDWR, 0o644)
            try:
                for piece in range(600):
                    os.pwrite(fd, b"x" * 4096, piece * 8192)
                os.fsync(fd)
                mapped = comparer.mapped_blocks(fd)
                if mapped is None:
                    self.skipTest("the filesystem has no FIEMAP")
                self.assertEqual(600 * 4096 // 512, mapped)
                self.assertGreaterEqual(os.fstat(fd).st_blocks, mapped)
            finally:
                os.close(fd)


if __name__ == "__main__":
    unittest.main(verbosity=2)
