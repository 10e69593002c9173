using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// One prepared statement run once per row, on a connection and inside the transaction its caller holds, through
/// SQLite's own API: integers and text are bound without allocating. For the statements over every file of a call
/// (files, content, pins, remembered digests), where the per-execution objects of the ADO.NET layer cost more than
/// SQLite itself. Parameters are positional: ?1, ?2, ...
/// </summary>
internal sealed class RowStatement : IDisposable
{
    /// <summary>Text up to this many UTF-8 bytes is bound from the stack; longer text from a pooled buffer.</summary>
    private const int StackTextBytes = 512;

    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public RowStatement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_database, sql, out _statement));
    }

    public RowStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    /// <summary>Binds text as its bytes: UTF-8, and a name that is not UTF-8 as its own bytes (see
    /// <see cref="PathEncoding"/>), so every path is stored losslessly.</summary>
    public RowStatement Bind(int index, string value)
    {
        if (!PathEncoding.IsUtf8(value))
        {
            Check(raw.sqlite3_bind_text(_statement, index, PathEncoding.GetBytes(value)));
            return this;
        }

        int maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = maxBytes > StackTextBytes ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[StackTextBytes];
            int length = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer[..length]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return this;
    }

    public RowStatement Bind(int index, ReadOnlySpan<byte> blob)
    {
        Check(raw.sqlite3_bind_blob(_statement, index, blob));
        return this;
    }

    public RowStatement BindNull(int index)
    {
        Check(raw.sqlite3_bind_null(_statement, index));
        return this;
    }

    /// <summary>Binds a digest as its text form ("xxh3:" and hex), the form every table stores.</summary>
    public RowStatement Bind(int index, Digest digest)
    {
        Span<byte> text = stackalloc byte[Digest.MaxTextLength];
        Check(raw.sqlite3_bind_text(_statement, index, text[..digest.FormatUtf8(text)]));
        return this;
    }

    /// <summary>Runs a statement that returns no rows; returns how many rows it changed.</summary>
    public int Execute()
    {
        try
        {
            int result = raw.sqlite3_step(_statement);
            if (result != raw.SQLITE_DONE)
            {
                throw Failure(result);
            }

            return raw.sqlite3_changes(_database);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Steps a query: true with a row to read (<see cref="Int64"/>, <see cref="Text"/>), false when done. A
    /// query that is not read to its end is ended by <see cref="Reset"/> before it is bound again.</summary>
    public bool Read()
    {
        int result = raw.sqlite3_step(_statement);
        if (result == raw.SQLITE_ROW)
        {
            return true;
        }

        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
        {
            throw Failure(result);
        }

        return false;
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    /// <summary>A text column's bytes (UTF-8, or a name's own bytes), valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Text(int column) => raw.sqlite3_column_blob(_statement, column);

    /// <summary>A blob column's bytes, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Blob(int column) => raw.sqlite3_column_blob(_statement, column);

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw Failure(result);
        }
    }

    private SqliteException Failure(int result) =>
        new($"SQLite Error {result}: '{raw.sqlite3_errmsg(_database).utf8_to_string()}'.", result, raw.sqlite3_extended_errcode(_database));
}
