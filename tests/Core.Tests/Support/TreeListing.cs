using System.Globalization;

namespace Snapshotter.Tests.Support;

/// <summary>
/// Trees of every entry type for comparing against GNU tar, made, listed and compared by python3 independently of
/// the library: tests/tree/generate.py makes the tree (directories, symlinks, hard link groups, FIFO, socket,
/// devices, owners, setuid bits, xattrs and ACLs, names that are not UTF-8, sparse files, ns mtimes) and
/// tests/tree/compare.py compares two. A listing describes a tree one entry per path below the root, sorted: the
/// name's bytes, type, permission bits with setuid/setgid/sticky, owner, mtime in ns, size, SHA-256 of the data,
/// link target, device numbers, every extended attribute, and the other paths of a regular file's inode. Sockets,
/// which tar does not archive, are left out.
/// </summary>
internal static class TreeListing
{
    /// <summary>Makes the sample tree at <paramref name="root"/> (which must not exist): generate.py's, and a
    /// directory of what only archives find hard: names and link targets longer than a ustar field, xattr names with
    /// '=' and '%', a trusted.* xattr.</summary>
    public static void MakeSample(string root)
    {
        Tools.Run("python3", RepositoryFile("tests/tree/generate.py"), root);
        Tools.Run("python3", "-c", Script, "extras", root);
    }

    /// <summary>The differences compare.py finds between two trees (sockets left out); empty when they match.</summary>
    public static string Differences(string expected, string actual)
    {
        (int exit, string output, string error) = Tools.Execute("python3", [RepositoryFile("tests/tree/compare.py"), "--skip-sockets", expected, actual]);
        return exit is 0 or 1 ? string.Join('\n', output.Split('\n').Where(l => l.Length > 0 && !l.EndsWith(": socket skipped", StringComparison.Ordinal) && !l.Contains(" difference(s) between ", StringComparison.Ordinal)))
            : throw new InvalidOperationException($"compare.py failed: {error}");
    }

    /// <summary>The entries below <paramref name="root"/>; with <paramref name="dataDir"/>, a copy of every regular
    /// file's data is put there, named by its SHA-256, for readers that cannot open names that are not UTF-8.</summary>
    public static List<Entry> Of(string root, string? dataDir = null) =>
        Tools.Run("python3", ["-c", Script, "list", root, .. dataDir is null ? Array.Empty<string>() : [dataDir]], null, null, null)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Entry.Parse).ToList();

    /// <summary>Removes a tree that holds names .NET cannot spell.</summary>
    public static void Remove(string root) => Tools.Run("rm", "-rf", "--", root);

    /// <summary>One entry; <see cref="ToString"/> is its line, so that two listings compare line by line.</summary>
    public sealed record Entry(byte[] Name, char Type, uint Mode, uint Uid, uint Gid, long MtimeNs, long Size, string Sha256, byte[] Link,
        uint DevMajor, uint DevMinor, IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs, IReadOnlyList<byte[]> Group)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Convert.ToHexStringLower(Name)} {Type} {Mode:x} {Uid}:{Gid} {MtimeNs} {Size} {Sha256} link={Convert.ToHexStringLower(Link)} dev={DevMajor}:{DevMinor}"
            + $" xattrs={string.Join(';', Xattrs.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}={Convert.ToHexStringLower(x.Value)}"))}"
            + $" group={string.Join(',', Group.Select(Convert.ToHexStringLower).Order(StringComparer.Ordinal))}");

        public static Entry Parse(string line)
        {
            string[] f = line.Split(' ');
            string Field(int i, string key) => f[i].StartsWith(key, StringComparison.Ordinal) ? f[i][key.Length..] : throw new FormatException(line);
            string[] owner = f[3].Split(':'), dev = Field(8, "dev=").Split(':');
            string xattrs = Field(9, "xattrs="), group = Field(10, "group=");
            return new Entry(
                Convert.FromHexString(f[0]), f[1][0], Convert.ToUInt32(f[2], 16), uint.Parse(owner[0], CultureInfo.InvariantCulture), uint.Parse(owner[1], CultureInfo.InvariantCulture),
                long.Parse(f[4], CultureInfo.InvariantCulture), long.Parse(f[5], CultureInfo.InvariantCulture), f[6], Convert.FromHexString(Field(7, "link=")),
                uint.Parse(dev[0], CultureInfo.InvariantCulture), uint.Parse(dev[1], CultureInfo.InvariantCulture),
                xattrs.Length == 0 ? [] : xattrs.Split(';').Select(x => new KeyValuePair<string, byte[]>(x[..x.LastIndexOf('=')], Convert.FromHexString(x[(x.LastIndexOf('=') + 1)..]))).ToList(),
                group.Length == 0 ? [] : group.Split(',').Select(Convert.FromHexString).ToList());
        }
    }

    private static string RepositoryFile(string relative)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Join(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    private const string Script = """
        import hashlib, os, stat, sys

        def extras(root):
            def p(*parts): return os.path.join(root.encode(), b'archive-extras', *parts)
            deep = p(b'd' * 120, 'é'.encode() * 70)
            os.makedirs(deep)
            with open(os.path.join(deep, b'f' * 200), 'wb') as f: f.write(b'deep')
            os.symlink(b'x' * 150 + b'/' + b'y' * 150, p(b'long-target'))
            os.symlink(b'caf\xc3\xa9/\xff', p(b'odd-target'))
            with open(p(b'attrs'), 'wb') as f: f.write(b'attrs')
            os.setxattr(p(b'attrs'), 'user.a=b%c', b'=%')
            os.setxattr(p(b'attrs'), 'trusted.t', b'\x00' * 300)
            walked = [os.path.join(d, n) for d, dirs, files in os.walk(p()) for n in files + dirs] + [p()]
            for i, full in enumerate(sorted(walked, key=lambda w: -w.count(b'/'))):
                os.utime(full, ns=(0, 1_600_000_000_987_654_321 + i * 1_000_000_007), follow_symlinks=False)

        def listing(root, data=None):
            entries = []
            inodes = {}
            for dirpath, dirs, files in os.walk(root.encode()):
                for n in dirs + files:
                    full = os.path.join(dirpath, n)
                    entries.append((os.path.relpath(full, root.encode()), full))
            for rel, full in entries:
                st = os.lstat(full)
                if stat.S_ISREG(st.st_mode):
                    inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
            lines = []
            for rel, full in entries:
                st = os.lstat(full)
                if stat.S_ISSOCK(st.st_mode): continue
                kind = {stat.S_IFREG: '0', stat.S_IFLNK: '2', stat.S_IFCHR: '3', stat.S_IFBLK: '4', stat.S_IFDIR: '5', stat.S_IFIFO: '6'}[stat.S_IFMT(st.st_mode)]
                digest, size, link, dev, group = '-', 0, b'', (0, 0), []
                if kind == '0':
                    with open(full, 'rb') as f: content = f.read()
                    digest = hashlib.sha256(content).hexdigest()
                    if data:
                        with open(os.path.join(data, digest), 'wb') as f: f.write(content)
                    size = st.st_size
                    group = [r for r in inodes[(st.st_dev, st.st_ino)] if r != rel]
                elif kind == '2':
                    link = os.readlink(full)
                elif kind in '34':
                    dev = (os.major(st.st_rdev), os.minor(st.st_rdev))
                xattrs = [] if kind == '2' else sorted((n, os.getxattr(full, n, follow_symlinks=False).hex()) for n in os.listxattr(full, follow_symlinks=False))
                lines.append(f"{rel.hex()} {kind} {stat.S_IMODE(st.st_mode):x} {st.st_uid}:{st.st_gid} {st.st_mtime_ns} {size} {digest} link={link.hex()} dev={dev[0]}:{dev[1]}"
                             f" xattrs={';'.join(f'{n}={v}' for n, v in xattrs)} group={','.join(sorted(r.hex() for r in group))}")
            print('\n'.join(sorted(lines)))

        {'extras': extras, 'list': listing}[sys.argv[1]](*sys.argv[2:])
        """;
}
