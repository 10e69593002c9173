using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>References: their grammar, and which version "@latest" and "@time" pick, at every boundary.</summary>
public sealed class SnapshotReferenceTests : EngineTestBase
{
    /// <summary>2025-01-02T03:04:05Z; versions are created at this plus a few nanoseconds (in 100 ns ticks).</summary>
    private const long T0 = 1_735_787_045_000_000_000;
    private readonly ManualClock _clock = new(DateTimeOffset.UnixEpoch);
    private readonly SnapshotEngine _engine;

    public SnapshotReferenceTests()
    {
        _engine = OpenEngine(_clock);
        Source("a.txt", "a"u8.ToArray());
    }

    private void CreateAt(string version, long createdNs, string name = "app")
    {
        _clock.NowNs = createdNs;
        _engine.Snapshot(SnapshotOf(name, version, BaseDir, new FileSpec("a.txt", false)));
    }

    private string Resolve(string reference) => _engine.Inspect(SnapshotReference.Parse(reference)).Snapshot.Version;

    private static string At(long unixNs) => $"app@{Rfc3339.Format(unixNs, 0)}";

    [Theory]
    [InlineData("app:v1", "app", "v1", null)]
    [InlineData("a.b_c-d:V_1.2-x", "a.b_c-d", "V_1.2-x", null)]
    [InlineData("app@latest", "app", null, null)]
    [InlineData("app@2025-01-02T03:04:05Z", "app", null, T0)]
    [InlineData("app@2025-01-02T11:04:05.000000001+08:00", "app", null, T0 + 1)]
    public void Parses_the_three_forms(string text, string name, string? version, long? atOrBefore)
    {
        SnapshotReference reference = SnapshotReference.Parse(text);
        Assert.Equal(name, reference.Name);
        Assert.Equal(version, reference.Version);
        Assert.Equal(atOrBefore, reference.CreatedAtOrBeforeNs);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("app", "names no version")]
    [InlineData("", "names no version")]
    [InlineData(":v1", "ref name is required")]
    [InlineData("App:v1", "'App'")]
    [InlineData("app:", "ref version is required")]
    [InlineData("app:v1:v2", "'v1:v2'")]
    [InlineData("app:.v1", "'.v1'")]
    [InlineData("app@", "after '@'")]
    [InlineData("app@Latest", "after '@'")]
    [InlineData("app@yesterday", "after '@'")]
    [InlineData("app@2025-01-02", "after '@'")]
    [InlineData("app@v1", "after '@'")]
    [InlineData("app@latest:v1", "after '@'")]
    public void Refuses_malformed_references_saying_what_is_wrong(string text, string needle)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => SnapshotReference.Parse(text));
        Assert.Contains(needle, e.Message);
    }

    [Fact]
    public void A_request_names_its_snapshot_one_way_only()
    {
        Assert.Equal("app:v1", SnapshotReference.FromRequest(null, "app", "v1").ToString());
        Assert.Equal("app@latest", SnapshotReference.FromRequest("app@latest", null, null).ToString());
        Assert.Contains("both given", Expect.Error(ErrorCode.InvalidArgument, () => SnapshotReference.FromRequest("app:v1", "app", null)).Message);
        Assert.Contains("both given", Expect.Error(ErrorCode.InvalidArgument, () => SnapshotReference.FromRequest("app:v1", null, "v1")).Message);
        Assert.Contains("give ref", Expect.Error(ErrorCode.InvalidArgument, () => SnapshotReference.FromRequest(null, null, null)).Message);
        Assert.Contains("snapshot_version is required", Expect.Error(ErrorCode.InvalidArgument, () => SnapshotReference.FromRequest(null, "app", null)).Message);
        Assert.Contains("name is required", Expect.Error(ErrorCode.InvalidArgument, () => SnapshotReference.FromRequest(null, null, "v1")).Message);
    }

    [Fact]
    public void At_latest_is_the_version_created_last_not_the_greatest_name()
    {
        CreateAt("v2", T0);
        CreateAt("v10", T0 + 100);
        CreateAt("v1", T0 + 200);
        CreateAt("z9", T0 + 1_000_000_000, name: "other");

        Assert.Equal("v1", Resolve("app@latest"));
        Assert.Equal("z9", Resolve("other@latest"));
    }

    [Fact]
    public void At_a_time_picks_the_latest_created_at_or_before_it()
    {
        CreateAt("v1", T0);
        CreateAt("v2", T0 + 1000);
        CreateAt("v3", T0 + 2000);

        Assert.Equal("v1", Resolve(At(T0)));
        Assert.Equal("v1", Resolve(At(T0 + 999)));
        Assert.Equal("v2", Resolve(At(T0 + 1000)));
        Assert.Equal("v2", Resolve(At(T0 + 1999)));
        Assert.Equal("v3", Resolve(At(T0 + 2000)));
        Assert.Equal("v3", Resolve("app@2262-01-01T00:00:00Z"));
        Assert.Equal("v2", Resolve("app@2025-01-02T11:04:05.000001+08:00"));
    }

    [Fact]
    public void Before_the_first_version_is_not_found_naming_the_first()
    {
        CreateAt("v1", T0);
        CreateAt("v2", T0 + 1000);

        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => Resolve(At(T0 - 1)));
        Assert.Contains("no version of 'app' was created at or before 2025-01-02T03:04:04.999999999Z", e.Message);
        Assert.Contains("the first, 'v1', was created at 2025-01-02T03:04:05Z", e.Message);
    }

    [Fact]
    public void An_unknown_name_is_not_found()
    {
        CreateAt("v1", T0);

        Assert.Contains("no snapshot named 'nope'", Expect.Error(ErrorCode.NotFound, () => _engine.Inspect(SnapshotReference.Parse("nope@latest"))).Message);
        Assert.Contains("'app:v9' not found", Expect.Error(ErrorCode.NotFound, () => _engine.Inspect(SnapshotReference.Parse("app:v9"))).Message);
    }

    [Fact]
    public void Versions_created_at_the_same_instant_are_ambiguous_only_where_they_are_the_answer()
    {
        CreateAt("v1", T0);
        CreateAt("b", T0 + 1000);
        CreateAt("a", T0 + 1000);
        CreateAt("v3", T0 + 2000);

        Assert.Equal("v3", Resolve("app@latest"));
        Assert.Equal("v1", Resolve(At(T0 + 999)));
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Resolve(At(T0 + 1000)));
        Assert.Contains("ambiguous: versions 'a', 'b' of 'app' were all created at 2025-01-02T03:04:05.000001Z", e.Message);
        Assert.Equal("a", Resolve("app:a"));
    }

    [Fact]
    public void Restore_takes_a_reference_or_a_name_and_version_never_both()
    {
        CreateAt("v1", T0);
        CreateAt("v2", T0 + 1000);
        string output = Temp.Combine("out");

        _engine.Restore(new RestoreRequest { Reference = SnapshotReference.Parse(At(T0 + 1)), OutputDir = output });
        Assert.Single(_engine.List("app"), s => s.Version == "v1" && s.LastUsedNs > s.CreatedNs);
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () =>
            _engine.Restore(new RestoreRequest { Reference = SnapshotReference.Parse("app@latest"), Name = "app", OutputDir = output }));
        Assert.Contains("both given", e.Message);
    }
}
