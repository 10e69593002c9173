using Snapshotter.Metadata;

namespace Snapshotter.Engine;

/// <summary>
/// The files a snapshot has stored, written to the metadata store's staging for its reservation a batch at a time
/// (see <see cref="MetadataStore.Stage"/>): a file's record is let go once its batch is written, so a snapshot of many
/// files holds a batch of them, not all. Safe for the storing threads to add to at once; a full batch is written by
/// the thread that filled it, one batch at a time, while the others go on storing.
/// </summary>
internal sealed class FileStaging
{
    /// <summary>Files per staging transaction: large enough that the transactions cost little beside the rows.</summary>
    private const int BatchFiles = 512;

    private readonly MetadataStore _metadata;
    private readonly long _snapshotId;
    private readonly bool _replace;
    private readonly object _gate = new();
    private readonly object _writing = new();
    private List<FileRecord> _files = new(BatchFiles);
    private List<ContentRecord> _contents = new(BatchFiles);

    /// <param name="replace">Whether a file replaces one staged before under its path (a file stored again).</param>
    public FileStaging(MetadataStore metadata, long snapshotId, bool replace = false)
    {
        _metadata = metadata;
        _snapshotId = snapshotId;
        _replace = replace;
    }

    public void Add(FileRecord file, ContentRecord content)
    {
        List<FileRecord> files;
        List<ContentRecord> contents;
        lock (_gate)
        {
            _files.Add(file);
            _contents.Add(content);
            if (_files.Count < BatchFiles)
            {
                return;
            }

            (files, contents) = Take();
        }

        Write(files, contents);
    }

    /// <summary>Writes what is not written yet; for when every file was added.</summary>
    public void Flush()
    {
        List<FileRecord> files;
        List<ContentRecord> contents;
        lock (_gate)
        {
            (files, contents) = Take();
        }

        Write(files, contents);
    }

    private (List<FileRecord> Files, List<ContentRecord> Contents) Take()
    {
        (List<FileRecord> files, List<ContentRecord> contents) = (_files, _contents);
        (_files, _contents) = (new List<FileRecord>(BatchFiles), new List<ContentRecord>(BatchFiles));
        return (files, contents);
    }

    private void Write(List<FileRecord> files, List<ContentRecord> contents)
    {
        if (files.Count == 0)
        {
            return;
        }

        lock (_writing)
        {
            _metadata.Stage(_snapshotId, files, contents, _replace);
        }
    }
}
