using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

/// <summary>Calls into SQLite that Microsoft.Data.Sqlite and SQLitePCLRaw do not offer.</summary>
internal static partial class Sqlite3
{
    /// <summary>sqlite3_system_errno(3): the errno of the operating-system call behind the last SQLITE_IOERR or
    /// SQLITE_CANTOPEN on <paramref name="db"/> (SQLite reads it where the call failed). Never fails.</summary>
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_system_errno")]
    public static partial int SystemErrno(IntPtr db);
}
