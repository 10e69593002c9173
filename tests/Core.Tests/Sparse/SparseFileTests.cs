using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Sparse;

/// <summary>Extents come from SEEK_DATA/SEEK_HOLE (ext4 here: 4 KiB blocks), clamped to the size.</summary>
public sealed class SparseFileTests : IDisposable
{
    private const int Block = TestFiles.BlockBytes;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private List<Extent> ExtentsOf(string path)
    {
        List<Extent> extents = LibrarySpf1.Extents(path);
        // The library and the tests' own lseek loop must agree on every file.
        Assert.Equal(TestFiles.DataExtents(path), extents.Select(e => (e.Offset, e.Length)).ToList());
        return extents;
    }

    [Fact]
    public void Empty_file_has_no_extents()
    {
        Assert.Empty(ExtentsOf(TestFiles.WriteDense(_temp.Combine("empty"), [])));
    }

    [Fact]
    public void All_hole_file_of_nonzero_size_has_no_extents()
    {
        Assert.Empty(ExtentsOf(TestFiles.WriteSparse(_temp.Combine("holes"), 10 << 20)));
    }

    [Fact]
    public void Dense_file_is_one_extent_of_its_exact_size()
    {
        Assert.Equal([new Extent(0, 10_001)], ExtentsOf(TestFiles.WriteDense(_temp.Combine("dense"), TestFiles.Pattern(10_001, 1))));
    }

    [Fact]
    public void Data_at_the_start_is_one_block_aligned_extent()
    {
        string path = TestFiles.WriteSparse(_temp.Combine("start"), 1 << 20, (0, TestFiles.Pattern(100, 2)));
        Assert.Equal([new Extent(0, Block)], ExtentsOf(path));
    }

    [Fact]
    public void Data_in_the_middle_is_rounded_out_to_its_block()
    {
        string path = TestFiles.WriteSparse(_temp.Combine("middle"), 1 << 20, (500_000, TestFiles.Pattern(10, 3)));
        Assert.Equal([new Extent(122 * Block, Block)], ExtentsOf(path));
    }

    [Fact]
    public void Data_at_the_end_is_clamped_to_the_size()
    {
        string path = TestFiles.WriteSparse(_temp.Combine("end"), 1_000_000, (999_900, TestFiles.Pattern(100, 4)));
        Assert.Equal([new Extent(244 * Block, 1_000_000 - (244 * Block))], ExtentsOf(path));
    }

    [Fact]
    public void Data_at_start_middle_and_end_gives_three_extents_in_order()
    {
        string path = TestFiles.WriteSparse(
            _temp.Combine("three"),
            1_000_000,
            (0, TestFiles.Pattern(5000, 5)),
            (500_000, TestFiles.Pattern(10, 6)),
            (999_999, [7]));
        Assert.Equal(
            [new Extent(0, 2 * Block), new Extent(122 * Block, Block), new Extent(244 * Block, 1_000_000 - (244 * Block))],
            ExtentsOf(path));
    }

    [Fact]
    public void A_write_straddling_a_block_boundary_covers_both_blocks()
    {
        string path = TestFiles.WriteSparse(_temp.Combine("straddle"), 64 * Block, ((10 * Block) - 3, TestFiles.Pattern(6, 7)));
        Assert.Equal([new Extent(9 * Block, 2 * Block)], ExtentsOf(path));
    }

    [Fact]
    public void Adjacent_written_blocks_merge_into_one_extent()
    {
        string path = TestFiles.WriteSparse(_temp.Combine("adjacent"), 64 * Block, (4 * Block, TestFiles.Pattern(Block, 8)), (5 * Block, TestFiles.Pattern(Block, 9)));
        Assert.Equal([new Extent(4 * Block, 2 * Block)], ExtentsOf(path));
    }

    [Fact]
    public void Extents_are_limited_to_the_size_asked_for()
    {
        string path = TestFiles.WriteSparse(_temp.Combine("limited"), 64 * Block, (0, TestFiles.Pattern(Block, 10)), (40 * Block, TestFiles.Pattern(Block, 11)));
        using Snapshotter.IO.UnixFile file = Snapshotter.IO.UnixFile.OpenRead(path);
        Assert.Equal([new Extent(0, 1000)], SparseFile.GetExtents(file, 1000));
        Assert.Equal([new Extent(0, Block)], SparseFile.GetExtents(file, 40 * Block));
        Assert.Equal([new Extent(0, Block), new Extent(40 * Block, 100)], SparseFile.GetExtents(file, (40 * Block) + 100));
    }
}
