extern alias native;

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using native::Snapshotter.Native;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Abi;

/// <summary>
/// src/Native's mirrors of include/snapshotter.h, checked against what a C compiler makes of the header: every
/// struct the header defines has a mirror named after it (snapshotter_gc_options: NativeGcOptions) with the same
/// size and the same fields (the snake_case of its field names), in the same order, of the same sizes at the same
/// offsets. A mirror without a struct in the header must be one of the library's own objects behind an opaque C
/// type.
/// </summary>
public sealed partial class NativeLayoutTests
{
    /// <summary>Mirrors of opaque C types (or of no C type): laid out by the library alone.</summary>
    private static readonly HashSet<string> LibraryOnly = ["NativeList`1", "NativeReport`2", "NativeError"];

    private static readonly Assembly NativeAssembly = typeof(Exports).Assembly;

    [Fact]
    public void EveryHeaderStructHasAMirrorOfTheSameLayout()
    {
        string header = HeaderPath();
        Dictionary<string, List<string>> structs = ParseStructs(Tool.Run("gcc", "-E", "-P", "-x", "c", header));
        Assert.True(structs.Count >= 20, $"the header parsed to {structs.Count} structs");
        Dictionary<string, long> c = CompilerLayouts(header, structs);

        var problems = new List<string>();
        foreach ((string name, List<string> cFields) in structs)
        {
            Type? mirror = NativeAssembly.GetType("Snapshotter.Native.Native" + Pascal(name["snapshotter_".Length..]));
            if (mirror is null)
            {
                problems.Add($"{name} has no mirror Native{Pascal(name["snapshotter_".Length..])} in src/Native");
                continue;
            }

            FieldInfo[] fields = mirror.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            List<string> names = fields.Select(f => Snake(f.Name)).ToList();
            if (!names.SequenceEqual(cFields))
            {
                problems.Add($"{name}: fields [{string.Join(", ", cFields)}] in the header, [{string.Join(", ", names)}] in {mirror.Name}");
                continue;
            }

            long size = SizeOf(mirror);
            if (size != c[$"size {name}"])
            {
                problems.Add($"{name}: {c[$"size {name}"]} bytes in C, {size} in {mirror.Name}");
            }

            foreach (FieldInfo field in fields)
            {
                string cField = $"{name}.{Snake(field.Name)}";
                long offset = Marshal.OffsetOf(mirror, field.Name).ToInt64();
                if (offset != c[$"offset {cField}"])
                {
                    problems.Add($"{cField}: offset {c[$"offset {cField}"]} in C, {offset} in {mirror.Name}.{field.Name}");
                }

                long fieldSize = field.FieldType.IsPointer || field.FieldType.IsFunctionPointer ? IntPtr.Size : SizeOf(field.FieldType);
                if (fieldSize != c[$"fieldsize {cField}"])
                {
                    problems.Add($"{cField}: {c[$"fieldsize {cField}"]} bytes in C, {fieldSize} in {mirror.Name}.{field.Name}");
                }
            }
        }

        var mirrored = structs.Keys.Select(name => "Native" + Pascal(name["snapshotter_".Length..])).ToHashSet();
        foreach (Type type in NativeAssembly.GetTypes().Where(t => t.IsValueType && t.IsLayoutSequential && t.Name.StartsWith("Native", StringComparison.Ordinal)))
        {
            if (!mirrored.Contains(type.Name) && !LibraryOnly.Contains(type.Name))
            {
                problems.Add($"{type.Name} mirrors no struct of the header");
            }
        }

        Assert.True(problems.Count == 0, $"src/Native differs from {header}:\n  " + string.Join("\n  ", problems));
    }

    /// <summary>
    /// No exception crosses the boundary: every export catches everything itself, or is a one-line delegation to a
    /// method that does (InitStruct, and the accessors and the release of result lists and reports).
    /// </summary>
    [Fact]
    public void EveryExportCatchesEverything()
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
        MethodInfo[] guards =
        [
            typeof(Exports).GetMethod("InitStruct", Static)!,
            typeof(Arena).GetMethod(nameof(Arena.Release), Static)!,
            .. typeof(NativeList<>).GetMethods(Static).Where(m => m.Name is "CountOf" or "Get"),
            .. typeof(NativeReport<,>).GetMethods(Static).Where(m => m.Name is "SummaryOf" or "CountOf" or "Get"),
        ];
        Assert.Equal(7, guards.Length);
        string[] unguardedGuards = guards.Where(g => !CatchesEverything(g)).Select(g => $"{g.DeclaringType!.Name}.{g.Name}").ToArray();
        Assert.True(unguardedGuards.Length == 0, "delegation targets without a catch (Exception): " + string.Join(", ", unguardedGuards));

        List<MethodInfo> exports = typeof(Exports).GetMethods(Static)
            .Where(m => m.GetCustomAttribute<UnmanagedCallersOnlyAttribute>() is not null).ToList();
        Assert.True(exports.Count >= 45, $"found {exports.Count} exports");
        string[] unguarded = exports.Where(m => !CatchesEverything(m) && !DelegatesTo(m, guards)).Select(m => m.Name).ToArray();
        Assert.True(unguarded.Length == 0, "exports without a catch (Exception): " + string.Join(", ", unguarded));
    }

    private static bool CatchesEverything(MethodInfo method) =>
        method.GetMethodBody()!.ExceptionHandlingClauses.Any(c => c.Flags == ExceptionHandlingClauseOptions.Clause && c.CatchType == typeof(Exception));

    /// <summary>Whether the method's IL is a short body whose calls include one to any of <paramref name="targets"/>
    /// (matched by definition: an instantiation of a generic method or of a method of a generic type counts).</summary>
    private static bool DelegatesTo(MethodInfo method, MethodInfo[] targets)
    {
        const byte Call = 0x28;
        byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
        for (int i = 0; il.Length <= 32 && i + 4 < il.Length; i++)
        {
            if (il[i] == Call && ResolveOrNull(method.Module, BitConverter.ToInt32(il, i + 1), method) is { } callee
                && targets.Any(t => t.Module == callee.Module && t.MetadataToken == callee.MetadataToken))
            {
                return true;
            }
        }

        return false;
    }

    private static MethodBase? ResolveOrNull(Module module, int token, MethodInfo context)
    {
        try
        {
            return module.ResolveMethod(token, context.DeclaringType?.GetGenericArguments(), null);
        }
        catch (ArgumentException)
        {
            return null; // bytes that only looked like a call
        }
    }

    private static long SizeOf(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    private static string HeaderPath()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            // The source tree's header, not the copy the build installs under build/include.
            string candidate = Path.Join(dir.FullName, "include", "snapshotter.h");
            if (File.Exists(candidate) && Directory.Exists(Path.Join(dir.FullName, "src", "Native")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"include/snapshotter.h of the source tree not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Each `typedef struct name { ... } name;` of the preprocessed header, with its field names in order
    /// (the last identifier of a declaration, or the one after "(*" for a function pointer).</summary>
    private static Dictionary<string, List<string>> ParseStructs(string code)
    {
        var structs = new Dictionary<string, List<string>>();
        foreach (Match match in StructPattern().Matches(code))
        {
            structs[match.Groups[1].Value] = match.Groups[2].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(declaration => FunctionPointerName().Match(declaration) is { Success: true } pointer
                    ? pointer.Groups[1].Value
                    : LastIdentifier().Match(declaration).Groups[1].Value)
                .ToList();
        }

        return structs;
    }

    /// <summary>"size NAME", "offset NAME.FIELD" and "fieldsize NAME.FIELD" as the C compiler lays the structs out.</summary>
    private static Dictionary<string, long> CompilerLayouts(string header, Dictionary<string, List<string>> structs)
    {
        using var dir = new TempDirectory();
        var program = new StringBuilder($"#include <stdio.h>\n#include <stddef.h>\n#include \"{header}\"\nint main(void) {{\n");
        foreach ((string name, List<string> fields) in structs)
        {
            program.Append($"printf(\"size {name} %zu\\n\", sizeof({name}));\n");
            foreach (string field in fields)
            {
                program.Append($"printf(\"offset {name}.{field} %zu\\n\", offsetof({name}, {field}));\n");
                program.Append($"printf(\"fieldsize {name}.{field} %zu\\n\", sizeof((({name} *)0)->{field}));\n");
            }
        }

        program.Append("return 0;\n}\n");
        string source = Path.Join(dir.Path, "layout.c");
        string binary = Path.Join(dir.Path, "layout");
        File.WriteAllText(source, program.ToString());
        Tool.Run("gcc", "-std=c11", "-Wall", "-Werror", "-o", binary, source);
        return Tool.Run(binary).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(words => $"{words[0]} {words[1]}", words => long.Parse(words[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Pascal(string snake) => string.Concat(snake.Split('_').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

    private static string Snake(string pascal) => UpperAfterLower().Replace(pascal, "$1_$2").ToLowerInvariant();

    [GeneratedRegex(@"typedef struct (snapshotter_\w+) \{([^}]*)\} \1;")]
    private static partial Regex StructPattern();

    [GeneratedRegex(@"\(\*\s*(\w+)\)")]
    private static partial Regex FunctionPointerName();

    [GeneratedRegex(@"(\w+)\s*$")]
    private static partial Regex LastIdentifier();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex UpperAfterLower();
}
