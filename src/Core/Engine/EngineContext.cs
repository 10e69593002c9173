using Snapshotter.Content;
using Snapshotter.Metadata;

namespace Snapshotter.Engine;

/// <summary>What every operation of one open store shares.</summary>
internal sealed class EngineContext
{
    /// <summary>Large enough that syscalls and hash setup vanish next to copying; small enough for many workers.</summary>
    public const int DefaultBufferBytes = 1 << 20;

    public EngineContext(ContentStore store, MetadataStore metadata, TimeProvider time, int concurrency)
    {
        Store = store;
        Metadata = metadata;
        Time = time;
        Concurrency = concurrency;
    }

    public ContentStore Store { get; }

    public MetadataStore Metadata { get; }

    public TimeProvider Time { get; }

    public int Concurrency { get; }

    public int BufferBytes => DefaultBufferBytes;

    public long NowNs => (Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick;
}
