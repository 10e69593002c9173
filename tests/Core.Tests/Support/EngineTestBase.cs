using Snapshotter.Engine;

namespace Snapshotter.Tests.Support;

/// <summary>
/// A temp directory holding a store root ("root") and a base dir ("base") for source files, with engines
/// opened on the root. Everything is disposed after each test, pass or fail.
/// </summary>
public abstract class EngineTestBase : IDisposable
{
    private readonly List<SnapshotEngine> _engines = [];
    private SnapshotEngine? _engine;

    protected EngineTestBase()
    {
        Temp = new TempDirectory();
        RootDir = Temp.Combine("root");
        BaseDir = Temp.CreateDirectory("base");
    }

    protected TempDirectory Temp { get; }

    protected string RootDir { get; }

    protected string BaseDir { get; }

    protected string ContentDir => Path.Join(RootDir, "storage", "content", "xxh3");

    protected string SnapshotDir => Path.Join(RootDir, "storage", "snapshot", "xxh3");

    /// <summary>The default engine (concurrency 5, system clock), opened on first use.</summary>
    protected SnapshotEngine Engine => _engine ??= OpenEngine();

    protected SnapshotEngine OpenEngine(TimeProvider? time = null, int concurrency = EngineOptions.DefaultConcurrency) =>
        OpenEngine(new EngineOptions { RootDir = RootDir, Time = time ?? TimeProvider.System, Concurrency = concurrency });

    /// <summary>An engine with these options, disposed with the test.</summary>
    protected SnapshotEngine OpenEngine(EngineOptions options)
    {
        var engine = SnapshotEngine.Open(options);
        lock (_engines)
        {
            _engines.Add(engine);
        }

        return engine;
    }

    protected string StoredPath(string digest) => Path.Join(SnapshotDir, digest["xxh3:".Length..]);

    protected string ContentPath(string digest) => Path.Join(ContentDir, digest["xxh3:".Length..]);

    /// <summary>Writes a dense source file under the base dir.</summary>
    protected string Source(string relativePath, byte[] bytes, uint mode = 0x1A4, long? mtimeNs = null)
    {
        string path = TestFiles.WriteDense(Path.Join(BaseDir, relativePath), bytes);
        TestFiles.SetMode(path, mode);
        if (mtimeNs is { } ns)
        {
            TestFiles.SetMtimeNs(path, ns);
        }

        return path;
    }

    protected static SnapshotRequest SnapshotOf(string name, string version, string baseDir, params FileSpec[] files) =>
        new() { Name = name, Version = version, BaseDir = baseDir, Files = files };

    protected OperationStats Snapshot(string name, string version, params FileSpec[] files) =>
        Engine.Snapshot(SnapshotOf(name, version, BaseDir, files));

    protected OperationStats Restore(string name, string version, string? outputDir, bool overwrite = false) =>
        Engine.Restore(new RestoreRequest { Name = name, Version = version, OutputDir = outputDir, Overwrite = overwrite });

    /// <summary>The store's content and snapshot dirs, listed: what a rejected request must leave unchanged.</summary>
    protected List<string> StoreListing() =>
        [.. TestFiles.Tree(ContentDir).Select(p => "content/" + p), .. TestFiles.Tree(SnapshotDir).Select(p => "snapshot/" + p)];

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        try
        {
            DisposeEngines();
        }
        finally
        {
            Temp.Dispose();
        }
    }

    /// <summary>Closes every engine opened so far (Dispose does it too): for tests that must release the store before
    /// their own clean-up.</summary>
    protected void DisposeEngines()
    {
        foreach (SnapshotEngine engine in _engines)
        {
            engine.Dispose();
        }
    }
}
