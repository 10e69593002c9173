namespace Snapshotter.Lifecycle;

/// <summary>One mount(2) to make, as containerd's mount.Mount: a filesystem type, a source and its options.</summary>
public sealed record LifecycleMount(string Type, string Source, IReadOnlyList<string> Options);
