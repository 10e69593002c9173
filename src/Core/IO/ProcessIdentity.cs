using System.Globalization;

namespace Snapshotter.IO;

/// <summary>
/// A process id with the process's start time (clock ticks since boot, /proc/PID/stat field 22): together
/// they tell a live owner from a dead one whose pid was reused.
/// </summary>
internal readonly record struct ProcessIdentity(int Pid, long StartTicks)
{
    public static ProcessIdentity Current { get; } = Of(Environment.ProcessId) ?? new ProcessIdentity(Environment.ProcessId, 0);

    /// <summary>The identity of a running process, or null when none has that pid.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    public bool IsAlive => Of(Pid) is { } now && now.StartTicks == StartTicks;
}
