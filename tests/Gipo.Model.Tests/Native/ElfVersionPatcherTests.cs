using Gipo.Model.Native;

namespace Gipo.Model.Tests.Native;

public sealed class ElfVersionPatcherTests
{
    private static string PackagedLibTorchSharp()
    {
        var path = new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") }
            .Select(d => Path.Combine(d, "libLibTorchSharp.so")).FirstOrDefault(File.Exists);
        Assert.NotNull(path);
        return path!;
    }

    [Fact]
    public void Marks_only_the_named_version_weak_and_changes_two_bytes()
    {
        var original = File.ReadAllBytes(PackagedLibTorchSharp());
        var before = ElfVersionPatcher.ReadVersionNeeds(original);
        var target = Assert.Single(before, n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", target.File);
        Assert.False(target.IsWeak);

        var patched = (byte[])original.Clone();
        Assert.Equal(1, ElfVersionPatcher.MarkVersionWeak(patched, "GLIBCXX_3.4.32"));
        var after = ElfVersionPatcher.ReadVersionNeeds(patched);
        Assert.True(Assert.Single(after, n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.Equal(before.Where(n => n.Version != "GLIBCXX_3.4.32"), after.Where(n => n.Version != "GLIBCXX_3.4.32"));
        Assert.Equal(1, original.Zip(patched).Count(p => p.First != p.Second)); // the flags' low byte only

        Assert.Equal(0, ElfVersionPatcher.MarkVersionWeak(patched, "GLIBCXX_3.4.32")); // idempotent
    }

    [Fact]
    public void Rejects_a_file_that_is_not_elf()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadVersionNeeds(new byte[100]));
        Assert.Contains("not an ELF file", e.Message);
    }

    [Fact]
    public void Loader_uses_an_owned_copy_never_the_package_cache()
    {
        var info = NativeTorch.EnsureLoaded();
        Assert.NotNull(info.LibTorchSharpPath);
        var nugetCache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget");
        if (info.Patched)
        {
            Assert.DoesNotContain(nugetCache, info.LibTorchSharpPath!);
            var needs = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(info.LibTorchSharpPath!));
            Assert.True(needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        }
        using var t = TorchSharp.torch.arange(4).sum();
        Assert.Equal(6L, t.item<long>());
    }
}
