using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.Learning.LearnerFixture;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// Issue 11: random truncations and byte flips of a learner checkpoint's files. Verifying it (what a resume, eval and
/// generate do first) gives a clear error naming the checkpoint and the file, never a hang, a crash or another
/// exception type, and never accepts a changed file.
/// </summary>
public sealed class CheckpointFuzzTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("gipo-ckfuzz-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(root, true); }
        catch (IOException) { } // best effort
    }

    [Fact]
    public async Task Truncated_or_flipped_checkpoint_files_are_refused_clearly()
    {
        var original = Path.Combine(root, "step-000001");
        string sha;
        using (var model = Policy())
        using (var learner = new GipoLearner(model, Tok, Settings("gipo-preset.conf"), seed: 5))
        {
            learner.Train(Batch(model));
            (_, sha) = LearnerCheckpoint.Save(original, learner, model, Tok.ToJson(), new Dictionary<string, string>());
        }
        LearnerCheckpoint.Verify(original, sha);
        var files = Directory.GetFiles(original).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var rng = new Random(1206);
        for (var i = 0; i < 40; i++)
        {
            var copy = Path.Combine(root, $"m{i}", "step-000001");
            Directory.CreateDirectory(copy);
            foreach (var f in files) File.Copy(Path.Combine(original, f!), Path.Combine(copy, f!));
            var victim = Path.Combine(copy, files[rng.Next(files.Count)]!);
            var bytes = File.ReadAllBytes(victim);
            var what = i % 2 == 0 ? $"truncated {Path.GetFileName(victim)} to {bytes.Length / 2}" : $"flipped a byte of {Path.GetFileName(victim)}";
            if (i % 2 == 0) bytes = bytes[..rng.Next(bytes.Length)];
            else bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
            File.WriteAllBytes(victim, bytes);

            var verify = Task.Run(() => LearnerCheckpoint.Verify(copy, sha));
            Assert.True(await Task.WhenAny(verify, Task.Delay(TimeSpan.FromSeconds(30))) == verify, $"no answer within 30 s: {what}");
            var error = Assert.IsType<InvalidDataException>(verify.Exception?.InnerException);
            Assert.StartsWith("checkpoint step-000001: ", error.Message);
            Assert.Contains(Path.GetFileName(victim) == LearnerCheckpoint.ManifestFile ? "manifest.json" : Path.GetFileName(victim)!, error.Message);
        }
    }
}
