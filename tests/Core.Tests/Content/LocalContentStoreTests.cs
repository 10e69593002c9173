using Snapshotter.Content;

namespace Snapshotter.Tests.Content;

/// <summary>The contract suite against the local store under RootDir/storage.</summary>
public sealed class LocalContentStoreTests : ContentStoreContractTests
{
    private protected override ContentStore CreateStore(string rootDir) => new(rootDir, ownerToken: "0123456789abcdef");
}
