namespace Snapshotter.Sparse;

/// <summary>Supplies the bytes of a file at <paramref name="offset"/>: fills <paramref name="destination"/>, fewer
/// bytes only at the end of the data.</summary>
internal delegate int DataReader(long offset, Span<byte> destination);

/// <summary>Takes a chunk of data, valid only during the call.</summary>
internal delegate void DataSink(ReadOnlySpan<byte> data);
