using Snapshotter.Errors;

namespace Snapshotter.Engine;

/// <summary>The two ends an export or an import may have: a tar stream through a descriptor, or a directory.</summary>
internal static class StreamOrDirectory
{
    /// <summary>Exactly one of the two; a negative descriptor is a caller's mistake.</summary>
    /// <param name="directoryField">The request field of the directory, e.g. "output_dir".</param>
    /// <param name="directoryRole">What follows it in the message, e.g. "(a directory) to export to".</param>
    public static void Require(int? descriptor, string? directory, string directoryField, string directoryRole)
    {
        if ((descriptor is null) == (directory is null))
        {
            throw SnapshotterException.InvalidArgument($"give exactly one of fd (a tar stream) and {directoryField} {directoryRole}");
        }

        if (descriptor is < 0)
        {
            throw SnapshotterException.InvalidArgument($"fd {descriptor} is not a file descriptor");
        }
    }
}
