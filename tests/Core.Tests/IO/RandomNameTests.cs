using Snapshotter.IO;
using Xunit;

namespace Snapshotter.Tests.IO;

public sealed class RandomNameTests
{
    [Fact]
    public void Names_are_sixteen_lowercase_hex_digits_and_do_not_repeat()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 10_000; i++)
        {
            string name = RandomName.Hex16();
            Assert.Matches("^[0-9a-f]{16}$", name);
            Assert.True(seen.Add(name), $"{name} came twice");
        }
    }
}
