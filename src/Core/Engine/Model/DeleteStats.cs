namespace Snapshotter.Engine;

/// <summary>What a delete removed: the snapshot's file count, the content objects (with their stored bytes) that no
/// other snapshot referenced, and the digest of the manifest deleted from the remote catalog (null: none).</summary>
public sealed record DeleteStats(long Files, long ContentFreed, long BytesFreed, string? RemoteManifest = null);
