using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Lifecycle;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    /// <summary>Above this a label or field path count is a caller bug (an uninitialised size_t), not a request.</summary>
    private const ulong MaxLabelCount = 1UL << 16;

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_label_init")]
    public static int LabelInit(NativeLabel* label, uint version) =>
        InitStruct(label, version, NativeLabel.CurrentVersion, "snapshotter_label");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_request_init")]
    public static int LifecycleRequestInit(NativeLifecycleRequest* request, uint version) =>
        InitStruct(request, version, NativeLifecycleRequest.CurrentVersion, "snapshotter_lifecycle_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_update_request_init")]
    public static int LifecycleUpdateRequestInit(NativeLifecycleUpdateRequest* request, uint version) =>
        InitStruct(request, version, NativeLifecycleUpdateRequest.CurrentVersion, "snapshotter_lifecycle_update_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_walk_request_init")]
    public static int LifecycleWalkRequestInit(NativeLifecycleWalkRequest* request, uint version) =>
        InitStruct(request, version, NativeLifecycleWalkRequest.CurrentVersion, "snapshotter_lifecycle_walk_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_prepare")]
    public static int LifecyclePrepare(NativeList<NativeMount>** result, IntPtr handle, NativeLifecycleRequest* request, NativeError** err)
    {
        try
        {
            *result = LifecycleCreate(result, handle, request, view: false);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_view")]
    public static int LifecycleView(NativeList<NativeMount>** result, IntPtr handle, NativeLifecycleRequest* request, NativeError** err)
    {
        try
        {
            *result = LifecycleCreate(result, handle, request, view: true);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    private static NativeList<NativeMount>* LifecycleCreate(NativeList<NativeMount>** result, IntPtr handle, NativeLifecycleRequest* request, bool view)
    {
        RequireOut(result, "out");
        SnapshotEngine engine = Handles.Engine(handle);
        RequireOut(request, "req");
        RequireVersion(request->Version, NativeLifecycleRequest.CurrentVersion, "snapshotter_lifecycle_request");
        string key = Utf8.Required(request->Key, "key");
        string? parent = Utf8.Optional(request->Parent, "parent") is { Length: > 0 } given ? given : null;
        Dictionary<string, string> labels = ReadLabels(request->Labels, request->LabelCount);
        var lifecycle = new LifecycleSnapshots(engine);
        return MountList(view ? lifecycle.View(key, parent, labels) : lifecycle.Prepare(key, parent, labels));
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_mounts")]
    public static int LifecycleMounts(NativeList<NativeMount>** result, IntPtr handle, byte* key, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            *result = MountList(new LifecycleSnapshots(engine).Mounts(Utf8.Required(key, "key")));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_stat")]
    public static int LifecycleStat(NativeList<NativeLifecycleInfo>** result, IntPtr handle, byte* key, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            *result = InfoList([new LifecycleSnapshots(engine).Stat(Utf8.Required(key, "key"))]);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_update")]
    public static int LifecycleUpdate(NativeList<NativeLifecycleInfo>** result, IntPtr handle, NativeLifecycleUpdateRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeLifecycleUpdateRequest.CurrentVersion, "snapshotter_lifecycle_update_request");
            string key = Utf8.Required(request->Key, "key");
            Dictionary<string, string> labels = ReadLabels(request->Labels, request->LabelCount);
            string[] paths = ReadStrings(request->FieldPaths, request->FieldPathCount, "field_path");
            *result = InfoList([new LifecycleSnapshots(engine).Update(key, labels, paths)]);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_walk")]
    public static int LifecycleWalk(NativeList<NativeLifecycleInfo>** result, IntPtr handle, NativeLifecycleWalkRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            var filter = new LifecycleFilter();
            if (request != null)
            {
                RequireVersion(request->Version, NativeLifecycleWalkRequest.CurrentVersion, "snapshotter_lifecycle_walk_request");
                if (request->Kind > (uint)LifecycleKind.Committed)
                {
                    throw SnapshotterException.InvalidArgument($"kind {request->Kind} is not a lifecycle kind (0, or 1 view, 2 active, 3 committed)");
                }

                filter = new LifecycleFilter
                {
                    Kind = request->Kind == 0 ? null : (LifecycleKind)request->Kind,
                    Parent = Utf8.Optional(request->Parent, "parent"),
                    LabelKey = Utf8.Optional(request->LabelName, "label_name"),
                    LabelValue = Utf8.Optional(request->LabelValue, "label_value"),
                };
            }

            *result = InfoList(new LifecycleSnapshots(engine).Walk(filter));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_commit_request_init")]
    public static int LifecycleCommitRequestInit(NativeLifecycleCommitRequest* request, uint version) =>
        InitStruct(request, version, NativeLifecycleCommitRequest.CurrentVersion, "snapshotter_lifecycle_commit_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_commit")]
    public static int LifecycleCommit(NativeStats* stats, IntPtr handle, NativeLifecycleCommitRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeLifecycleCommitRequest.CurrentVersion, "snapshotter_lifecycle_commit_request");
            CheckStats(stats);
            string name = Utf8.Required(request->Name, "name");
            string key = Utf8.Required(request->Key, "key");
            Dictionary<string, string> labels = ReadLabels(request->Labels, request->LabelCount);
            string? snapshotName = Utf8.Optional(request->SnapshotName, "snapshot_name");
            string? snapshotVersion = Utf8.Optional(request->SnapshotVersion, "snapshot_version");
            using var control = new CallControl(request->Cancel, request->Progress, request->ProgressPayload);
            WriteStats(stats, new LifecycleSnapshots(engine).Commit(name, key, labels, snapshotName, snapshotVersion, control.Progress, control.Token));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_remove")]
    public static int LifecycleRemove(IntPtr handle, byte* key, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            new LifecycleSnapshots(engine).Remove(Utf8.Required(key, "key"));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_usage")]
    public static int LifecycleUsageOf(NativeUsage* usage, IntPtr handle, byte* key, NativeError** err)
    {
        try
        {
            RequireOut(usage, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            RequireVersion(usage->Version, NativeUsage.CurrentVersion, "snapshotter_usage");
            LifecycleUsage result = new LifecycleSnapshots(engine).Usage(Utf8.Required(key, "key"));
            usage->Bytes = result.Bytes;
            usage->Inodes = result.Inodes;
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_mount_list_count")]
    public static nuint MountListCount(NativeList<NativeMount>* list) =>
        NativeList<NativeMount>.CountOf(list);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_mount_list_get")]
    public static NativeMount* MountListGet(NativeList<NativeMount>* list, nuint index) =>
        NativeList<NativeMount>.Get(list, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_mount_list_free")]
    public static void MountListFree(NativeList<NativeMount>* list) =>
        Arena.Release(list);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_list_count")]
    public static nuint LifecycleListCount(NativeList<NativeLifecycleInfo>* list) =>
        NativeList<NativeLifecycleInfo>.CountOf(list);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_list_get")]
    public static NativeLifecycleInfo* LifecycleListGet(NativeList<NativeLifecycleInfo>* list, nuint index) =>
        NativeList<NativeLifecycleInfo>.Get(list, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_lifecycle_list_free")]
    public static void LifecycleListFree(NativeList<NativeLifecycleInfo>* list) =>
        Arena.Release(list);

    /// <summary>Labels by name; a repeated name is INVALID_ARGUMENT (which one wins would be a guess).</summary>
    private static Dictionary<string, string> ReadLabels(NativeLabel* labels, nuint count)
    {
        CheckArray(labels, count, "labels", "label_count");
        var read = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < (int)count; i++)
        {
            NativeLabel* label = &labels[i];
            RequireVersion(label->Version, NativeLabel.CurrentVersion, $"labels[{i}]: snapshotter_label");
            string name = Utf8.Required(label->Name, $"labels[{i}].name");
            if (!read.TryAdd(name, Utf8.Required(label->Value, $"labels[{i}].value")))
            {
                throw SnapshotterException.InvalidArgument($"labels[{i}].name '{name}' is given twice");
            }
        }

        return read;
    }

    private static void CheckArray(void* array, nuint count, string field, string countField)
    {
        if (array == null && count != 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} is NULL but {countField} is {count}");
        }

        if (count > MaxLabelCount)
        {
            throw SnapshotterException.InvalidArgument($"{countField} {count} is implausibly large");
        }
    }

    /// <summary>Mounts in one block: the list, the mounts, every mount's option array, then the strings (arrays of
    /// pointers before any string, so each stays aligned).</summary>
    private static NativeList<NativeMount>* MountList(IReadOnlyList<LifecycleMount> mounts)
    {
        nuint size = Arena.SizeOf<NativeList<NativeMount>>(1) + Arena.SizeOf<NativeMount>((nuint)mounts.Count);
        foreach (LifecycleMount mount in mounts)
        {
            size += Arena.SizeOf<nint>((nuint)mount.Options.Count) + Arena.SizeOf(mount.Type) + Arena.SizeOf(mount.Source);
            foreach (string option in mount.Options)
            {
                size += Arena.SizeOf(option);
            }
        }

        return Arena.Build<NativeList<NativeMount>>(size, (ref Arena arena) =>
        {
            var list = arena.Take<NativeList<NativeMount>>(1);
            list->Count = (nuint)mounts.Count;
            list->Items = arena.Take<NativeMount>(list->Count);
            for (int i = 0; i < mounts.Count; i++)
            {
                list->Items[i].Version = NativeMount.CurrentVersion;
                list->Items[i].OptionCount = (nuint)mounts[i].Options.Count;
                list->Items[i].Options = (byte**)arena.Take<nint>(list->Items[i].OptionCount);
            }

            for (int i = 0; i < mounts.Count; i++)
            {
                list->Items[i].Type = arena.String(mounts[i].Type);
                list->Items[i].Source = arena.String(mounts[i].Source);
                for (int j = 0; j < mounts[i].Options.Count; j++)
                {
                    list->Items[i].Options[j] = arena.String(mounts[i].Options[j]);
                }
            }

            return list;
        });
    }

    /// <summary>Infos in one block, laid out as <see cref="MountList"/> is: label arrays before any string.</summary>
    private static NativeList<NativeLifecycleInfo>* InfoList(IReadOnlyList<LifecycleInfo> infos)
    {
        nuint size = Arena.SizeOf<NativeList<NativeLifecycleInfo>>(1) + Arena.SizeOf<NativeLifecycleInfo>((nuint)infos.Count);
        foreach (LifecycleInfo info in infos)
        {
            size += Arena.SizeOf<NativeLabel>((nuint)info.Labels.Count) + Arena.SizeOf(info.Key)
                + (info.Parent is null ? 0 : Arena.SizeOf(info.Parent))
                + (info.SnapshotName is null ? 0 : Arena.SizeOf(info.SnapshotName))
                + (info.SnapshotVersion is null ? 0 : Arena.SizeOf(info.SnapshotVersion));
            foreach ((string name, string value) in info.Labels)
            {
                size += Arena.SizeOf(name) + Arena.SizeOf(value);
            }
        }

        return Arena.Build<NativeList<NativeLifecycleInfo>>(size, (ref Arena arena) =>
        {
            var list = arena.Take<NativeList<NativeLifecycleInfo>>(1);
            list->Count = (nuint)infos.Count;
            list->Items = arena.Take<NativeLifecycleInfo>(list->Count);
            for (int i = 0; i < infos.Count; i++)
            {
                NativeLifecycleInfo* item = &list->Items[i];
                item->Version = NativeLifecycleInfo.CurrentVersion;
                item->Kind = (uint)infos[i].Kind;
                item->CreatedNs = infos[i].CreatedNs;
                item->UpdatedNs = infos[i].UpdatedNs;
                item->LabelCount = (nuint)infos[i].Labels.Count;
                item->Labels = arena.Take<NativeLabel>(item->LabelCount);
            }

            for (int i = 0; i < infos.Count; i++)
            {
                NativeLifecycleInfo* item = &list->Items[i];
                item->Key = arena.String(infos[i].Key);
                item->Parent = infos[i].Parent is { } parent ? arena.String(parent) : null;
                item->SnapshotName = infos[i].SnapshotName is { } name ? arena.String(name) : null;
                item->SnapshotVersion = infos[i].SnapshotVersion is { } version ? arena.String(version) : null;
                int j = 0;
                foreach ((string labelName, string labelValue) in infos[i].Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                {
                    item->Labels[j++] = new NativeLabel { Version = NativeLabel.CurrentVersion, Name = arena.String(labelName), Value = arena.String(labelValue) };
                }
            }

            return list;
        });
    }
}
