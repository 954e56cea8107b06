using System.Diagnostics;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Tests.Configuration;

/// <summary>
/// Issue 11: random truncations and mutations of the shipped presets. Each mutant either loads (to the same settings
/// where the mutation cannot change meaning, or settings whose typed reads succeed or name the key), or is refused
/// with a file, line and column, or with an error naming a key, within a time limit; never a hang, a crash or another
/// exception type.
/// </summary>
public sealed class ConfigFuzzTests : IDisposable
{
    private static readonly string[] Presets = ["gipo.conf", "quickstart.conf", "gipo-preset.conf", "dapo.conf", "grpo.conf", "drgrpo.conf"];
    private static readonly string[] Inserts = ["{", "}", "[", "]", "\"", "=", ",", ":", "${", "\"\"\"", "= =", "\n}", "{{{{", "include", "\\", "+="];
    // Generous for a loaded machine (one mutant, a comment with an '=', once took over 5 s at load 60); a hang never answers.
    private static readonly TimeSpan PerMutant = TimeSpan.FromSeconds(30);
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-fuzz-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private enum Mutation { Truncate, DeleteStructural, Insert, DuplicateLine, CommentLine }

    [Fact]
    public async Task Mutated_presets_load_the_same_or_are_refused_with_a_position()
    {
        var clock = Stopwatch.StartNew();
        var rng = new Random(20261206);
        var (accepted, refusedWithPosition, refusedNamingKey) = (0, 0, 0);
        foreach (var preset in Presets)
        {
            var path = Path.Combine(AppContext.BaseDirectory, "hocon", preset);
            var original = File.ReadAllText(path);
            var expected = GipoSettings.Load(path).Flatten();
            var defaults = GipoSettings.Load().Flatten();
            for (var i = 0; i < 60; i++)
            {
                var kind = (Mutation)(i % 5);
                var text = Mutate(original, kind, rng);
                var file = Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(preset)}-{i}.conf");
                File.WriteAllText(file, text);
                var load = Task.Run(() =>
                {
                    var s = GipoSettings.Load(file);
                    RunSettings.Read(s);
                    AlgorithmSettingsReader.Read(s);
                    return s.Flatten();
                });
                var what = $"{kind} of {preset} (#{i}):\n{text}";
                Assert.True(await Task.WhenAny(load, Task.Delay(PerMutant)) == load, $"no answer within {PerMutant.TotalSeconds} s for {what}");
                if (load.IsCompletedSuccessfully)
                {
                    accepted++;
                    var got = await load;
                    if (kind == Mutation.CommentLine) Assert.Equal(expected, got);
                    if (kind == Mutation.Truncate)
                        foreach (var (key, value) in got)
                            Assert.True(value == expected[key] || value == defaults[key] || expected[key].StartsWith(value, StringComparison.Ordinal),
                                $"truncation changed '{key}' to '{value}' (was '{expected[key]}'): {what}");
                    continue;
                }
                var error = load.Exception!.InnerException!;
                switch (error)
                {
                    case HoconSyntaxException syntax:
                        Assert.StartsWith($"{file}:{syntax.Line}:{syntax.Column}: not valid HOCON: ", syntax.Message);
                        Assert.InRange(syntax.Line, 1, text.Count(c => c == '\n') + 1);
                        refusedWithPosition++;
                        break;
                    case ArgumentException named when named.Message.Contains("'gipo.", StringComparison.Ordinal)
                        || named.Message.Contains("include", StringComparison.Ordinal):
                        refusedNamingKey++;
                        break;
                    default:
                        Assert.Fail($"{error.GetType().Name}: {error.Message}\nfor {what}");
                        break;
                }
            }
        }
        // The mutations must exercise both outcomes, or the test proves nothing.
        Assert.True(refusedWithPosition > 100, $"only {refusedWithPosition} syntax refusals");
        Assert.True(accepted > 50, $"only {accepted} accepted mutants");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(300), $"fuzzing took {clock.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine($"config fuzz: {accepted} accepted, {refusedWithPosition} refused with a position, " +
                          $"{refusedNamingKey} refused naming a key");
    }

    private static string Mutate(string text, Mutation kind, Random rng)
    {
        switch (kind)
        {
            case Mutation.Truncate:
                return text[..rng.Next(text.Length)];
            case Mutation.DeleteStructural:
            {
                var positions = Enumerable.Range(0, text.Length).Where(i => "{}[]\"=,:".Contains(text[i])).ToList();
                var at = positions[rng.Next(positions.Count)];
                return text.Remove(at, 1);
            }
            case Mutation.Insert:
                return text.Insert(rng.Next(text.Length + 1), Inserts[rng.Next(Inserts.Length)]);
            case Mutation.DuplicateLine:
            {
                var lines = text.Split('\n').ToList();
                var at = rng.Next(lines.Count);
                lines.Insert(at, lines[at]);
                return string.Join('\n', lines);
            }
            default:
            {
                // A comment line between lines cannot change any setting.
                var lines = text.Split('\n').ToList();
                lines.Insert(rng.Next(lines.Count + 1), rng.Next(2) == 0 ? "  # a comment { [ \" = ," : "// another } ]");
                return string.Join('\n', lines);
            }
        }
    }
}
