namespace Snapshotter.Engine;

/// <summary>How a store is opened (snapshotter_options in the C ABI).</summary>
public sealed record EngineOptions
{
    /// <summary>Files processed at once by one call, as in the Go snapshotter.</summary>
    public const int DefaultConcurrency = 5;

    public const int MaxConcurrency = 256;

    public required string RootDir { get; init; }

    public int Concurrency { get; init; } = DefaultConcurrency;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
