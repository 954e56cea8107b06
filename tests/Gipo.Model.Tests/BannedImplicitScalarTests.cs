namespace Gipo.Model.Tests;

/// <summary>
/// The build bans implicit <c>TorchSharp.Scalar</c> conversions (src/BannedSymbols.txt, RS0030). These tests read
/// the TorchSharp assembly the build references, so a TorchSharp upgrade that adds a conversion or a member that hides
/// one fails here until the list is regenerated.
/// </summary>
public sealed class BannedImplicitScalarTests
{
    private static readonly HashSet<string> Banned = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "BannedSymbols.txt"))
        .Select(line => line.Split(';', 2)[0].Trim())
        .Where(id => id.Length > 0 && !id.StartsWith("//", StringComparison.Ordinal))
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_implicit_conversion_to_Scalar_is_banned()
    {
        var conversions = ImplicitScalarScan.ImplicitConversions().Select(ImplicitScalarScan.DocumentationId).ToList();
        Assert.True(conversions.Count >= 10, $"expected TorchSharp.Scalar's implicit operators, found {conversions.Count}");
        var missing = conversions.Where(id => !Banned.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "src/BannedSymbols.txt lacks:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Every_TorchSharp_member_that_hides_an_implicit_conversion_is_banned()
    {
        var hiding = ImplicitScalarScan.HidingMembers().Select(ImplicitScalarScan.DocumentationId).Distinct().ToList();
        // Tensor.add(Tensor) is add(target, 1): if the scan cannot see that, it sees nothing.
        Assert.Contains("M:TorchSharp.torch.Tensor.add(TorchSharp.torch.Tensor)", hiding);
        var missing = hiding.Where(id => !Banned.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"src/BannedSymbols.txt lacks {missing.Count} members:\n" + string.Join("\n", missing));
    }
}
