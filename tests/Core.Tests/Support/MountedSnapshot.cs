using Snapshotter.Lifecycle;

namespace Snapshotter.Tests.Support;

/// <summary>A lifecycle snapshot's mounts made at a directory (as root, with mount(8)), unmounted on dispose.</summary>
public sealed class MountedSnapshot : IDisposable
{
    private readonly List<string> _mounted = [];

    public MountedSnapshot(IReadOnlyList<LifecycleMount> mounts, string target)
    {
        Target = Directory.CreateDirectory(target).FullName;
        try
        {
            foreach (LifecycleMount mount in mounts)
            {
                string options = string.Join(',', mount.Options);
                if (mount.Type == "bind")
                {
                    Tool.Run("mount", "-o", options, mount.Source, Target);
                }
                else
                {
                    Tool.Run("mount", "-t", mount.Type, "-o", options, mount.Source, Target);
                }

                _mounted.Add(Target);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Target { get; }

    public string Path(string relative) => System.IO.Path.Join(Target, relative);

    public void Dispose()
    {
        for (int i = _mounted.Count - 1; i >= 0; i--)
        {
            Tool.Run("umount", _mounted[i]);
        }

        _mounted.Clear();
    }
}
