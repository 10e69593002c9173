namespace Snapshotter.Tests.Support;

/// <summary>
/// A fresh directory under the system temp dir, removed with everything in it on Dispose. Test classes own
/// one and dispose it from their own Dispose, which xunit calls whether the test passed or failed.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("snapshotter-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>A path below this directory (not created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    /// <summary>Creates (if needed) and returns a subdirectory.</summary>
    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    public void Dispose()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }

        // Tests make read-only files and directories; make everything removable first (root ignores modes,
        // but the suite should not depend on running as root to clean up).
        foreach (string dir in Directory.EnumerateDirectories(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            TryChmod(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        TryChmod(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // .NET reaches entries by their names as UTF-16, so it cannot name those that are not UTF-8; rm can.
            Tools.Run("rm", "-rf", "--", Path);
        }
    }

    private static void TryChmod(string path, UnixFileMode mode)
    {
        try
        {
            File.SetUnixFileMode(path, mode);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
