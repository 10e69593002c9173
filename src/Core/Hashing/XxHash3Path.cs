namespace Snapshotter.Hashing;

/// <summary>
/// The implementation of XXH3's long-input stripe loop. Normally the widest one the CPU accelerates is
/// chosen once (<see cref="XxHash3Core.BestPath"/>); naming one explicitly exists so tests can prove that
/// all of them produce identical hashes, since a machine only ever runs one of them in production.
/// </summary>
internal enum XxHash3Path
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}
