using Snapshotter.Hashing;

namespace Snapshotter.Content;

/// <summary>
/// Content an import staged (see ContentStore.Stage): its digest, logical and stored size, and the private file
/// holding it until the import has committed: null when the store had the content already (the import's
/// lease pins it there).
/// </summary>
internal readonly record struct StagedContent(Digest Digest, long Size, long EncodedSize, string? PrivatePath)
{
    /// <summary>Whether the store lacked this content: the import adds it.</summary>
    public bool New => PrivatePath is not null;
}
