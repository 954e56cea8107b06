using System.Diagnostics;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Tests.Configuration;

/// <summary>Issue 11, items 7, 13 and 14: config text that does not parse is refused with file, line and column, quickly.</summary>
public sealed class ConfigSyntaxTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-conf-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Loads <paramref name="text"/> as a config file on a worker with a time limit (the old parser never returned on some of
    /// these).</summary>
    private HoconSyntaxException Refused(string text)
    {
        var file = Write($"c{Guid.NewGuid():N}.conf", text);
        var load = Task.Run(() => GipoSettings.Load(file));
        Assert.True(Task.WaitAny([load], TimeSpan.FromSeconds(15)) == 0, $"loading {text} did not end within 15 s");
        var e = Assert.IsType<HoconSyntaxException>(load.Exception?.InnerException);
        Assert.StartsWith($"{file}:{e.Line}:{e.Column}: not valid HOCON", e.Message);
        return e;
    }

    [Theory]
    [InlineData("gipo.run { steps = [1, }", 1, 24)]             // the old parser spun forever on this
    [InlineData("gipo.run {\n  steps = 5\n", 1, 10)]             // unclosed '{'
    [InlineData("gipo.run { steps = 5 }\n}", 2, 1)]              // an extra '}'
    [InlineData("{{{{", 1, 2)]
    [InlineData("gipo.run {\n  task = \"column-add\n}", 2, 10)] // unterminated string
    [InlineData("gipo.run {\n  steps = = 5\n}", 2, 11)]         // was: unknown key 'gipo.run.5'
    [InlineData("gipo.run.steps =\n", 2, 1)]
    [InlineData("gipo.run.steps 5", 1, 17)]
    [InlineData("gipo.run { steps = 5,, seed = 1 }", 1, 22)]
    [InlineData("gipo.run { steps = 5 ] }", 1, 22)]
    public void Syntax_errors_are_refused_with_line_and_column(string text, int line, int column)
    {
        var e = Refused(text);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void Valid_hocon_forms_still_load()
    {
        var file = Write("ok.conf", """
            # comment
            gipo {
              run { steps = 7, seed: 3 }   // trailing comment
              run.task = "column-add"
              algorithm.clip {
                eps-low = 0.1
                eps-high = 0.3,
              }
            }
            gipo.run.prompt-count = 100
            """);
        var s = GipoSettings.Load(file);
        Assert.Equal(7, s.Section("run").Int("steps"));
        Assert.Equal(3, s.Section("run").Int("seed"));
        Assert.Equal(0.3, s.Section("algorithm.clip").Double("eps-high"));
        Assert.Equal(100, s.Section("run").Int("prompt-count"));
    }

    [Fact]
    public void Include_is_resolved_against_the_including_file()
    {
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        Write(Path.Combine("sub", "base.conf"), "gipo.run { steps = 11, seed = 4 }");
        var file = Write("top.conf", "include \"sub/base.conf\"\ngipo.run.seed = 5\n");
        var s = GipoSettings.Load(file);
        Assert.Equal(11, s.Section("run").Int("steps"));
        Assert.Equal(5, s.Section("run").Int("seed"));

        var missing = Write("missing.conf", "include \"nope.conf\"");
        Assert.Contains("included file 'nope.conf' does not exist", Assert.Throws<ArgumentException>(() => GipoSettings.Load(missing)).Message);
        var broken = Write("broken-include.conf", "include \"broken.conf\"");
        Write("broken.conf", "gipo.run { steps = ");
        Assert.StartsWith(Path.Combine(dir, "broken.conf") + ":1:", Assert.Throws<HoconSyntaxException>(() => GipoSettings.Load(broken)).Message);
        var self = Write("self.conf", "include \"self.conf\"");
        Assert.Contains("include cycle", Assert.Throws<ArgumentException>(() => GipoSettings.Load(self)).Message);
    }

    [Fact]
    public void A_bad_set_value_is_blamed_on_the_set_not_the_file()
    {
        var file = Write("p.conf", "gipo.run.seed = 2");
        var e = Assert.Throws<ArgumentException>(() => RunSettings.Read(GipoSettings.Load(file, ["run.steps=abc"])));
        Assert.StartsWith("--set run.steps=abc: 'gipo.run.steps' = 'abc'", e.Message);
        e = Assert.Throws<ArgumentException>(() => RunSettings.Read(GipoSettings.Load(Write("q.conf", "gipo.run.seed = x"), ["run.steps=3"])));
        Assert.StartsWith(Path.Combine(dir, "q.conf") + ": 'gipo.run.seed' = 'x'", e.Message);
        e = Assert.Throws<ArgumentException>(() => GipoSettings.Load(file, ["run.steps {=3"]));
        Assert.StartsWith("--set run.steps {=3: 'gipo.run.steps {' is not a key", e.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_a_stack_overflow()
    {
        var clock = Stopwatch.StartNew();
        Assert.Contains("nested deeper", Refused("a = " + new string('[', 100_000)).Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }
}
