namespace Snapshotter.Lifecycle;

/// <summary>The disk a lifecycle snapshot's own directory takes (containerd's snapshots.Usage): allocated bytes and
/// inodes, each inode counted once however many names it has.</summary>
public sealed record LifecycleUsage(long Bytes, long Inodes);
