namespace Snapshotter;

public static class Probe
{
    public static string SqliteVersion()
    {
        SQLitePCL.Batteries_V2.Init();
        using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select sqlite_version()";
        return (string)cmd.ExecuteScalar()!;
    }
}
