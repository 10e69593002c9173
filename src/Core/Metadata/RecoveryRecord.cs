namespace Snapshotter.Metadata;

/// <summary>What it takes to record a committed snapshot again: its name, version, creation time and files (with their
/// content digests). Written beside the content as storage/recovery/&lt;key&gt;.json (see <see cref="RecoveryRecords"/>).</summary>
internal sealed record RecoveryRecord(string Name, string Version, long CreatedNs, IReadOnlyList<FileRecord> Files);
