using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Content;

/// <summary>
/// What storing one file did: its digest and sizes; the temporary file holding its new content, not yet
/// durable nor in place (null when that content was already stored); whether the read-only source itself was
/// hardlinked into the store; the source's status once it had been read (before any link).
/// </summary>
internal readonly record struct IngestResult(Digest Digest, long Size, long EncodedSize, ulong? PendingId, bool Linked, FileStatus StatusAfterRead);
