namespace Snapshotter.Tests;
public class SqliteLinkTests { [Fact] public void Opens() => Assert.StartsWith("3.", Snapshotter.Probe.SqliteVersion()); }
