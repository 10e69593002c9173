using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

/// <summary>Calls into SQLite that Microsoft.Data.Sqlite and SQLitePCLRaw do not offer.</summary>
internal static unsafe partial class Sqlite3
{
    public const int SQLITE_CONFIG_LOG = 16;
    public const int SQLITE_MISUSE = 21;

    /// <summary>sqlite3_config(SQLITE_CONFIG_LOG, callback, arg): SQLite's error log, which its Unix layer writes with
    /// the errno of every failed system call. Returns 0, or SQLITE_MISUSE once SQLite is initialized.</summary>
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_config")]
    public static partial int ConfigLog(int op, delegate* unmanaged<IntPtr, int, IntPtr, void> callback, IntPtr arg);

    /// <summary>sqlite3_shutdown(3). Returns 0 (nothing may be open).</summary>
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_shutdown")]
    public static partial int Shutdown();

    /// <summary>sqlite3_initialize(3). Returns 0, or an SQLite error code.</summary>
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_initialize")]
    public static partial int Initialize();
}
