using System.Text.RegularExpressions;
using Snapshotter.Errors;

namespace Snapshotter.Validation;

/// <summary>
/// Snapshot names become OCI repository path components and versions become OCI tags, so both follow the
/// OCI distribution specification's grammar from the start.
/// </summary>
internal static partial class NameRules
{
    // Patterns end in \z, not $: in .NET, $ also matches before a final newline.
    public const int MaxNameLength = 255;

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathComponent();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    public static void ValidateName(string? name, string field = "name")
    {
        if (string.IsNullOrEmpty(name))
        {
            throw SnapshotterException.InvalidArgument($"{field} is required");
        }

        if (name.Length > MaxNameLength || !PathComponent().IsMatch(name))
        {
            throw SnapshotterException.InvalidArgument(
                $"{field} '{name}' is not a valid OCI repository path component: lowercase letters and digits, separated by '.', '_', '__' or dashes, at most {MaxNameLength} characters");
        }
    }

    /// <summary>
    /// A registry namespace: path components joined by '/', leaving room for a name within the
    /// distribution specification's 255 characters. Empty or null means none.
    /// </summary>
    public static void ValidateNamespace(string? repositoryNamespace, string field = "namespace")
    {
        if (string.IsNullOrEmpty(repositoryNamespace))
        {
            return;
        }

        if (repositoryNamespace.Length >= MaxNameLength || !repositoryNamespace.Split('/').All(PathComponent().IsMatch))
        {
            throw SnapshotterException.InvalidArgument(
                $"{field} '{repositoryNamespace}' is not a valid OCI repository prefix: path components of lowercase letters and digits (separated by '.', '_', '__' or dashes) joined by '/', shorter than {MaxNameLength} characters");
        }
    }

    public static void ValidateVersion(string? version, string field = "snapshot_version")
    {
        if (string.IsNullOrEmpty(version))
        {
            throw SnapshotterException.InvalidArgument($"{field} is required");
        }

        if (!Tag().IsMatch(version))
        {
            throw SnapshotterException.InvalidArgument(
                $"{field} '{version}' is not a valid OCI tag: a letter, digit or '_' followed by at most 127 letters, digits, '.', '_' or '-'");
        }
    }
}
