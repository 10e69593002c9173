using System.Diagnostics;

namespace Snapshotter.Tests.Support;

/// <summary>Runs the reference tools the tests compare against (htpasswd, skopeo, curl, go), bounded in time.</summary>
internal static class Tools
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs a tool and returns its standard output; a non-zero exit fails the test with its stderr.</summary>
    public static string Run(string tool, params string[] arguments) => Run(tool, arguments, stdin: null, workingDirectory: null, environment: null);

    public static string Run(string tool, IEnumerable<string> arguments, byte[]? stdin, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        (int exit, string output, string error) = Execute(tool, arguments, stdin, workingDirectory, environment);
        return exit == 0 ? output : throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {exit}: {error}");
    }

    public static (int Exit, string Output, string Error) Execute(string tool, IEnumerable<string> arguments, byte[]? stdin = null, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {DefaultTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
