using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// Which snapshot a request means: "name:version" exactly, "name@latest" (the version created last) or
/// "name@&lt;RFC 3339 time&gt;" (the latest created at or before that instant). Names and versions cannot contain
/// ':' or '@', so the form is never ambiguous. Versions picked by time are chosen among local snapshots.
/// </summary>
public sealed class SnapshotReference
{
    private const string LatestSelector = "latest";
    private readonly string _text;

    private SnapshotReference(string name, string? version, long? createdAtOrBeforeNs, string text)
    {
        Name = name;
        Version = version;
        CreatedAtOrBeforeNs = createdAtOrBeforeNs;
        _text = text;
    }

    public string Name { get; }

    /// <summary>The version named exactly, or null when the reference picks one by creation time.</summary>
    public string? Version { get; }

    /// <summary>For "name@time": the instant (Unix ns) the chosen version was created at or before. Null for
    /// "name@latest" and for exact references.</summary>
    public long? CreatedAtOrBeforeNs { get; }

    public override string ToString() => _text;

    /// <summary>Parses a reference; anything malformed is an invalid-argument error naming <paramref name="field"/>.</summary>
    public static SnapshotReference Parse(string text, string field = "ref")
    {
        ArgumentNullException.ThrowIfNull(text);
        int separator = text.AsSpan().IndexOfAny(':', '@');
        if (separator < 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{text}' names no version: write name:version, name@latest or name@<RFC 3339 time>");
        }

        string name = text[..separator];
        string rest = text[(separator + 1)..];
        NameRules.ValidateName(name, $"{field} name");
        if (text[separator] == ':')
        {
            NameRules.ValidateVersion(rest, $"{field} version");
            return new SnapshotReference(name, rest, null, text);
        }

        if (rest == LatestSelector)
        {
            return new SnapshotReference(name, null, null, text);
        }

        if (!Rfc3339.TryParse(rest, out long unixNs, out _))
        {
            throw SnapshotterException.InvalidArgument(
                $"{field} '{text}': after '@' comes 'latest' or an RFC 3339 time such as 2025-01-02T03:04:05Z (fractions to the nanosecond, 'Z' or an offset like +08:00)");
        }

        return new SnapshotReference(name, null, unixNs, text);
    }

    /// <summary>name:version given apart, each validated under its own field name.</summary>
    public static SnapshotReference Exact(string? name, string? version, string nameField = "name", string versionField = "snapshot_version")
    {
        NameRules.ValidateName(name, nameField);
        NameRules.ValidateVersion(version, versionField);
        return new SnapshotReference(name!, version!, null, $"{name}:{version}");
    }

    /// <summary>
    /// The snapshot of a request that takes either a reference or a name and a version: exactly one of the two
    /// forms, or an invalid-argument error saying which fields clash or are missing.
    /// </summary>
    public static SnapshotReference FromRequest(string? reference, string? name, string? version, string referenceField = "ref")
    {
        if (reference is not null)
        {
            return name is null && version is null
                ? Parse(reference, referenceField)
                : throw SnapshotterException.InvalidArgument(
                    $"{referenceField} '{reference}' and {(name is not null ? "name" : "snapshot_version")} are both given: name the snapshot one way only");
        }

        if (name is null && version is null)
        {
            throw SnapshotterException.InvalidArgument($"no snapshot named: give {referenceField}, or name and snapshot_version");
        }

        return Exact(name, version);
    }

    /// <summary>The version this reference means: the exact one, or the one local creation times select.</summary>
    internal string ResolveVersion(MetadataStore metadata)
    {
        if (Version is not null)
        {
            return Version;
        }

        List<(string Version, long CreatedNs)> versions = metadata.ListVersions(Name);
        if (versions.Count == 0)
        {
            throw SnapshotterException.NotFound($"'{this}': there is no snapshot named '{Name}'");
        }

        List<(string Version, long CreatedNs)> candidates = CreatedAtOrBeforeNs is { } limit
            ? versions.Where(v => v.CreatedNs <= limit).ToList()
            : versions;
        if (candidates.Count == 0)
        {
            (string firstVersion, long firstCreated) = versions.MinBy(v => v.CreatedNs);
            throw SnapshotterException.NotFound(
                $"'{this}': no version of '{Name}' was created at or before {Rfc3339.Format(CreatedAtOrBeforeNs!.Value, 0)}; the first, '{firstVersion}', was created at {Rfc3339.Format(firstCreated, 0)}");
        }

        long newest = candidates.Max(v => v.CreatedNs);
        List<string> chosen = candidates.Where(v => v.CreatedNs == newest).Select(v => v.Version).Order(StringComparer.Ordinal).ToList();
        return chosen.Count == 1
            ? chosen[0]
            : throw SnapshotterException.InvalidArgument(
                $"'{this}' is ambiguous: versions {string.Join(", ", chosen.Select(v => $"'{v}'"))} of '{Name}' were all created at {Rfc3339.Format(newest, 0)}; name one as {Name}:VERSION");
    }
}
