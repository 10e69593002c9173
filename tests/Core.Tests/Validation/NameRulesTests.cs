using Snapshotter.Errors;
using Snapshotter.Tests.Support;
using Snapshotter.Validation;

namespace Snapshotter.Tests.Validation;

/// <summary>Names are OCI repository path components, versions OCI tags (distribution spec grammar).</summary>
public sealed class NameRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("vm-checkpoint")]
    [InlineData("a.b")]
    [InlineData("a_b")]
    [InlineData("a__b")]
    [InlineData("a-b")]
    [InlineData("a---b")]
    [InlineData("a.b_c__d-e--f")]
    [InlineData("model2024")]
    public void Valid_names(string name)
    {
        NameRules.ValidateName(name);
    }

    [Fact]
    public void Name_of_255_characters_is_valid_and_256_is_not()
    {
        NameRules.ValidateName(new string('a', 255));
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => NameRules.ValidateName(new string('a', 256)));
        Assert.Contains("name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("Vm")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("_a")]
    [InlineData("a_")]
    [InlineData("a..b")]
    [InlineData("a___b")]
    [InlineData("a._b")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("é")]
    [InlineData("a\n")]
    [InlineData("a\nb")]
    [InlineData("\na")]
    public void Invalid_names_are_rejected_naming_the_field_and_value(string name)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => NameRules.ValidateName(name, "the_name"));
        Assert.Contains($"the_name '{name}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_name_is_required(string? name)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => NameRules.ValidateName(name));
        Assert.Contains("name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("V1")]
    [InlineData("1")]
    [InlineData("_")]
    [InlineData("latest")]
    [InlineData("v1.2.3-rc.1_build")]
    [InlineData("_.-")]
    [InlineData("a--")]
    public void Valid_tags(string version)
    {
        NameRules.ValidateVersion(version);
    }

    [Fact]
    public void Tag_of_128_characters_is_valid_and_129_is_not()
    {
        NameRules.ValidateVersion("v" + new string('x', 127));
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => NameRules.ValidateVersion("v" + new string('x', 128)));
        Assert.Contains("snapshot_version", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".v1")]
    [InlineData("-v1")]
    [InlineData("v1/2")]
    [InlineData("v1:2")]
    [InlineData("v 1")]
    [InlineData("v1+build")]
    [InlineData("vé")]
    [InlineData("v1\n")]
    [InlineData("v1\nv2")]
    public void Invalid_tags_are_rejected_naming_the_field_and_value(string version)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => NameRules.ValidateVersion(version, "the_version"));
        Assert.Contains($"the_version '{version}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_tag_is_required(string? version)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => NameRules.ValidateVersion(version));
        Assert.Contains("snapshot_version", e.Message, StringComparison.Ordinal);
    }
}
