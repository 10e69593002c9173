#!/usr/bin/env python3
"""Writes tar archives an attacker would craft against an import, one file per case, with python's tarfile.

    hostile_tar.py OUT_DIR OUTSIDE_DIR

OUTSIDE_DIR is a directory the archives try to reach (absolute paths and link targets name it); an import
must refuse each refused-*.tar by name, and restoring what it accepts of harmless-*.tar must leave
OUTSIDE_DIR untouched. Each archive also holds an honest file first, so that a refusal cannot come from an
empty archive. Prints one line per archive: NAME EXPECTED_CODE MESSAGE_PART.
"""

import io
import os
import sys
import tarfile


def member(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.mtime = kind, link, mode, 1_700_000_000
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, io.BytesIO(data) if kind == tarfile.REGTYPE else None


def write(path, members):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(*member("honest.txt", data=b"honest\n"))
        for info, data in members:
            tar.addfile(info, data)


def main():
    out, outside = sys.argv[1], sys.argv[2]
    planted = b"planted by the archive\n"
    sym, hard, reg, dir_ = tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.REGTYPE, tarfile.DIRTYPE
    cases = {
        # A symlink, then a member beneath it: extracting it would write where the link points.
        "refused-beneath-symlink": ("CORRUPT", "'dir/planted' lies beneath the symlink 'dir'",
                                    [member("dir", sym, link=outside), member("dir/planted", data=planted)]),
        "refused-beneath-symlink-to-root": ("CORRUPT", "lies beneath the symlink 'root'",
                                            [member("root", sym, link="/"), member("root" + outside + "/planted", data=planted)]),
        "refused-beneath-symlink-to-dot": ("CORRUPT", "lies beneath the symlink 'loop'",
                                           [member("loop", sym, link="."), member("loop/loop/planted", data=planted)]),
        "refused-directory-beneath-symlink": ("CORRUPT", "lies beneath the symlink 'd'",
                                              [member("d", sym, link=outside), member("d/sub/", dir_, mode=0o755)]),
        "refused-dotdot": ("CORRUPT", "contains '..'", [member("../planted", data=planted)]),
        "refused-inner-dotdot": ("CORRUPT", "contains '..'", [member("a/../../planted", data=planted)]),
        "refused-absolute": ("CORRUPT", "is absolute", [member(outside + "/planted", data=planted)]),
        "refused-hardlink-dotdot": ("CORRUPT", "contains '..'", [member("h", hard, link="../../etc/passwd")]),
        "refused-hardlink-absolute": ("CORRUPT", "is absolute", [member("h", hard, link="/etc/passwd")]),
        "refused-hardlink-to-nothing": ("CORRUPT", "hard link 'h' names 'not/here', which is no earlier regular file",
                                        [member("h", hard, link="not/here")]),
        "refused-hardlink-to-later": ("CORRUPT", "hard link 'h' names 'later', which is no earlier regular file",
                                      [member("h", hard, link="later"), member("later", data=planted)]),
        "refused-hardlink-to-symlink": ("CORRUPT", "hard link 'h' names 'sl', which is no earlier regular file",
                                        [member("sl", sym, link=outside + "/planted"), member("h", hard, link="sl")]),
        "refused-symlink-then-file": ("CORRUPT", "'x' is in the archive twice",
                                      [member("x", sym, link=outside + "/planted"), member("x", data=planted)]),
        # Links pointing anywhere are data: restore recreates them and never writes through one.
        "harmless-outside-links": ("OK", "", [
            member("escape", sym, link="../../../../../../.." + outside + "/planted"),
            member("absolute", sym, link=outside + "/planted"),
            member("root", sym, link="/"),
            member("dir/", dir_, mode=0o755),
            member("dir/up", sym, link=".."),
            member("dir/file", data=b"inside\n"),
            member("dir/same", hard, link="dir/file"),
        ]),
    }
    for name, (code, needle, members) in cases.items():
        write(os.path.join(out, name + ".tar"), members)
        print(name, code, needle)


if __name__ == "__main__":
    main()
