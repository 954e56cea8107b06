using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Learning;
using Gipo.Model.Probe;
using static TorchSharp.torch;

namespace Gipo.Model.Checkpoints;

/// <summary>
/// A learner checkpoint: everything a <see cref="GipoLearner"/> needs to repeat its next step bit for bit, in one folder
/// named <see cref="DirectoryName"/>: the Hugging Face model (<c>config.json</c>, <c>model.safetensors</c>,
/// <c>tokenizer.json</c>, loadable by <c>gipo eval</c> and transformers), <c>optimizer.safetensors</c> (AdamW moments
/// and step), the IB probe (<c>probe.safetensors</c>, <c>probe.json</c>) when the learner has one, <c>scheduler.json</c>
/// (<see cref="EntropySchedulerJson"/>) when the learner has an entropy scheduler (the one home of its state), <c>learner.json</c> (step, policy
/// version, seed, learning rate, the ref-answer trust gate), the caller's extra JSON files, the Hugging Face companion files
/// (<see cref="HfCompanionFiles"/>: tokenizer_config, special_tokens_map, generation_config, the model card), and last <c>manifest.json</c> with
/// every file's SHA-256 and size.
/// <para>Saving builds the folder beside the target and renames it into place, and never writes into an existing
/// folder, so a learner error can never damage the last good checkpoint: if the target exists (say, the leftover of an
/// attempt whose commit never happened), it is left alone and the checkpoint goes to the first free
/// <c>&lt;target&gt;-2</c>, <c>&lt;target&gt;-3</c>, …; callers use the returned manifest path. Loading verifies the manifest (against an expected
/// hash when given) and every file's size and hash before the learner is touched. The reference policy (kl.beta &gt; 0) is the fixed SFT checkpoint
/// and is not saved here.</para>
/// </summary>
public static class LearnerCheckpoint
{
    /// <summary>The manifest, written last.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>AdamW state: <c>exp_avg</c>, <c>exp_avg_sq</c> (flat, in the optimizer's layout) and <c>step</c>.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>The entropy-scheduler state (<see cref="EntropySchedulerJson"/>).</summary>
    public const string SchedulerFile = "scheduler.json";

    /// <summary>Learner counters and small state.</summary>
    public const string LearnerFile = "learner.json";

    /// <summary>The manifest's format tag.</summary>
    public const string Format = "gipo-learner-checkpoint/1";

    private const string LearnerFormat = "gipo-learner/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    private static readonly Regex ExtraName = new(@"^[A-Za-z0-9][A-Za-z0-9._-]*\.json$", RegexOptions.CultureInvariant);

    /// <summary>Names the extra files may not take.</summary>
    private static readonly HashSet<string> Reserved = new(
        [HfCheckpoint.ConfigFile, HfCheckpoint.TokenizerFile, HfCheckpoint.IndexFile, ManifestFile, SchedulerFile, LearnerFile,
         IbScorer.StateFile, .. HfCompanionFiles.Names],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The folder name of the checkpoint after learner step <paramref name="step"/>: <c>step-000010</c>.</summary>
    public static string DirectoryName(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return $"step-{step:D6}";
    }

    /// <summary>
    /// Writes the learner's checkpoint to <paramref name="directory"/> (built in a staging folder beside it, renamed into
    /// place once complete). Call between steps. An existing folder is never written into or replaced: when
    /// <paramref name="directory"/> exists the checkpoint goes to <c>&lt;directory&gt;-2</c> (or the next free suffix),
    /// so the folder is the one holding the returned manifest.
    /// </summary>
    /// <param name="policy">The learner's policy (checked: the very model the learner trains).</param>
    /// <param name="tokenizerJson">The policy's <c>tokenizer.json</c> text.</param>
    /// <param name="extraJsonFiles">More files by name (<c>name.json</c>, letters, digits, <c>._-</c>), each valid JSON.</param>
    /// <param name="companionFiles">The Hugging Face files beside the model (<see cref="HfCompanionFiles.Build"/>), by name;
    /// like every file, listed with their hashes in the manifest.</param>
    /// <returns>The manifest's path (its folder is the checkpoint) and the SHA-256 of its bytes.</returns>
    public static (string ManifestPath, string ManifestSha256) Save(string directory, GipoLearner learner, PolicyModel policy,
        string tokenizerJson, IReadOnlyDictionary<string, string>? extraJsonFiles = null,
        IReadOnlyDictionary<string, string>? companionFiles = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        if (!ReferenceEquals(policy, learner.Policy))
            throw new ArgumentException("the policy is not the one this learner trains", nameof(policy));
        var extras = extraJsonFiles ?? new Dictionary<string, string>();
        foreach (var (name, text) in extras) CheckExtra(name, text);
        var companions = companionFiles ?? new Dictionary<string, string>();
        foreach (var (name, text) in companions)
        {
            if (!HfCompanionFiles.Names.Contains(name))
                throw new ArgumentException($"companion file '{name}' is not one of {string.Join(", ", HfCompanionFiles.Names)}");
            ArgumentNullException.ThrowIfNull(text);
        }
        // The learner's entropy-scheduler state, when it has a scheduler. The checkpoint is that state's one home: it is
        // consistent with the weights it was computed with, and every resume and fail-over rolls back to a checkpoint.
        var scheduler = learner.Scheduler?.State;

        var requested = Path.GetFullPath(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var target = requested;
        for (var n = 2; Directory.Exists(target) || File.Exists(target); n++) target = $"{requested}-{n}";
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            // Every tensor made while saving (weight wrappers, views, CPU copies) lives in this scope and is freed here,
            // never by a finalizer in the middle of a native call (see SafeTensors.Save).
            using var scope = NewDisposeScope();
            var meta = new Dictionary<string, string> { ["step"] = learner.Step.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            HfCheckpoint.WriteFiles(policy, staging, tokenizerJson, meta);
            var (optimizerStep, avg, avgSq) = learner.Optimizer.State;
            using (var stepTensor = tensor(new[] { optimizerStep }))
                SafeTensors.Save(Path.Combine(staging, OptimizerFile), [("exp_avg", avg), ("exp_avg_sq", avgSq), ("step", stepTensor)], meta);
            learner.Ib?.Save(staging);
            if (scheduler is not null) AtomicFile.WriteText(Path.Combine(staging, SchedulerFile), EntropySchedulerJson.Serialize(scheduler));
            var state = new LearnerState(LearnerFormat, learner.Step, learner.PolicyVersion, learner.Seed, learner.Optimizer.LearningRate,
                optimizerStep, learner.Ib is not null, learner.RefAnswer?.Gate.State);
            AtomicFile.WriteText(Path.Combine(staging, LearnerFile), JsonSerializer.Serialize(state, Json));
            foreach (var (name, text) in extras) AtomicFile.WriteText(Path.Combine(staging, name), text);
            foreach (var (name, text) in companions) AtomicFile.WriteText(Path.Combine(staging, name), text);

            // Hashes of the bytes as they lie on disk, read back.
            var files = Directory.GetFiles(staging).Select(Path.GetFileName).Order(StringComparer.Ordinal)
                .Select(name =>
                    new CheckpointFileEntry(name!, Sha256OfFile(Path.Combine(staging, name!)), new FileInfo(Path.Combine(staging, name!)).Length))
                .ToList();
            var manifest = new LearnerCheckpointManifest(Format, learner.Step, learner.PolicyVersion, learner.Seed, files,
                extras.Keys.Order(StringComparer.Ordinal).ToList());
            var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
            AtomicFile.Write(Path.Combine(staging, ManifestFile), s => s.Write(bytes));
            Directory.Move(staging, target); // fails, leaving it alone, if a folder of that name appeared meanwhile
            return (Path.Combine(target, ManifestFile), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Checks a checkpoint without loading it: the manifest's hash (when <paramref name="expectedManifestSha256"/> is
    /// given), its format, and the presence, size and SHA-256 of every file it lists. Errors are
    /// <see cref="InvalidDataException"/>s naming the checkpoint and the file.
    /// </summary>
    public static LearnerCheckpointManifest Verify(string directory, string? expectedManifestSha256 = null) =>
        VerifyCore(directory, expectedManifestSha256).Manifest;

    /// <summary>
    /// Verifies the checkpoint (<see cref="Verify"/>), checks it fits <paramref name="learner"/> (seed, probe, sizes),
    /// and only then restores, in place: the policy's weights, the optimizer's moments, step and learning rate, the probe,
    /// the ref-answer trust gate, the learner's step and (when saved) its internal scheduler. Returns the scheduler state
    /// and the extra JSON files for the caller. An error raised before the restore begins leaves the learner untouched.
    /// </summary>
    /// <param name="policy">The learner's policy (checked).</param>
    public static LearnerCheckpointContents Load(string directory, GipoLearner learner, PolicyModel policy, string? expectedManifestSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(policy);
        if (!ReferenceEquals(policy, learner.Policy))
            throw new ArgumentException("the policy is not the one this learner trains", nameof(policy));
        var (manifest, manifestSha, root, label) = VerifyCore(directory, expectedManifestSha256);
        string PathOf(string name) => Path.Combine(root, name);
        bool Listed(string name) => manifest.Files.Any(f => f.Name == name);

        // Read and check everything first.
        var state = ReadJson<LearnerState>(PathOf(LearnerFile), label, text => JsonSerializer.Deserialize<LearnerState>(text, Json));
        if (state.Format != LearnerFormat)
            throw new InvalidDataException($"{label}: {LearnerFile} has format '{state.Format}', expected '{LearnerFormat}'");
        if (state.Step != manifest.Step || state.PolicyVersion != manifest.PolicyVersion || state.Seed != manifest.Seed)
            throw new InvalidDataException($"{label}: {LearnerFile} (step {state.Step}, seed {state.Seed}) disagrees with {ManifestFile} " +
                                           $"(step {manifest.Step}, seed {manifest.Seed})");
        if (state.Seed != learner.Seed)
            throw new InvalidDataException($"{label}: saved by a learner with seed {state.Seed}, this one has seed {learner.Seed}; " +
                                           $"the resumed run would not repeat its steps");
        if (state.HasProbe != (learner.Ib is not null) || state.HasProbe != (Listed(IbScorer.WeightsFile) && Listed(IbScorer.StateFile)))
            throw new InvalidDataException($"{label}: the checkpoint {(state.HasProbe ? "has" : "has no")} IB probe, " +
                                           $"this learner {(learner.Ib is not null ? "has" : "has none")}");
        if ((state.RefAnswerGate is not null) != (learner.RefAnswer is not null))
            throw new InvalidDataException($"{label}: the checkpoint {(state.RefAnswerGate is not null ? "has" : "has no")} ref_answer_prob gate, " +
                                           $"this learner {(learner.RefAnswer is not null ? "has" : "has none")}");
        var scheduler = Listed(SchedulerFile)
            ? ReadJson(PathOf(SchedulerFile), label, EntropySchedulerJson.Deserialize)
            : null;
        var extras = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in manifest.ExtraFiles)
        {
            var text = File.ReadAllText(PathOf(name));
            ReadJson(PathOf(name), label, t => { using var _ = JsonDocument.Parse(t); return t; });
            extras[name] = text;
        }
        var tokenizerJson = File.ReadAllText(PathOf(HfCheckpoint.TokenizerFile));

        using var scope = NewDisposeScope(); // every tensor the restore makes (docs/style.md, "Tensor lifetimes")
        var optimizer = SafeTensors.Load(PathOf(OptimizerFile));
        try
        {
            Tensor Get(string name) => optimizer.TryGetValue(name, out var t) ? t
                : throw new InvalidDataException($"{label}: {OptimizerFile} has no tensor '{name}'");
            var (avg, avgSq, step) = (Get("exp_avg"), Get("exp_avg_sq"), Get("step"));
            if (avg.numel() != learner.Optimizer.ParameterCount || avgSq.numel() != learner.Optimizer.ParameterCount)
                throw new InvalidDataException($"{label}: {OptimizerFile} holds {avg.numel()} values per moment, " +
                                               $"the policy has {learner.Optimizer.ParameterCount} parameters");
            if (avg.dtype != learner.Optimizer.Parameters.dtype || avgSq.dtype != avg.dtype)
                throw new InvalidDataException($"{label}: {OptimizerFile} holds {avg.dtype} moments, " +
                                               $"the optimizer keeps {learner.Optimizer.Parameters.dtype}");
            if (step.numel() != 1 || step.dtype != ScalarType.Int64 || step.item<long>() != state.OptimizerStep)
                throw new InvalidDataException($"{label}: {OptimizerFile} step does not match {LearnerFile}'s optimizer step {state.OptimizerStep}");
            try
            {
                if (scheduler is not null) EntropyScheduler.FromState(scheduler); // validates
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{label}: {SchedulerFile} holds an invalid state ({e.Message})", e);
            }
            if (scheduler is not null && learner.Scheduler is { } own && SchedulerMismatch(scheduler, own.State, state.Step) is { } mismatch)
                throw new InvalidDataException($"{label}: {SchedulerFile} {mismatch}");

            // Restore. The weights loader checks every tensor's name and shape before it copies any.
            HfCheckpoint.LoadWeights(policy, root);
            learner.Optimizer.LoadState(state.OptimizerStep, avg, avgSq);
            learner.Optimizer.LearningRate = state.LearningRate;
            learner.Ib?.Load(root);
            if (state.RefAnswerGate is not null) learner.RefAnswer!.Gate.Restore(state.RefAnswerGate);
            learner.Restore(state.Step, scheduler);
            return new LearnerCheckpointContents(manifest, manifestSha, scheduler, extras, tokenizerJson);
        }
        finally
        {
            foreach (var t in optimizer.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Why a saved scheduler state does not fit the scheduler this learner built from its settings, or null: the same
    /// structure of config (a live change, <c>gipo set</c>, may have moved the targets, u, η_λ and λ_max since the start;
    /// nothing else may differ), the same K_B, and the state of learner step <paramref name="step"/> (the scheduler numbers
    /// its updates from 0, so the state after k steps is that of scheduler step k − 1; a fresh state, −1, counts as 0).
    /// </summary>
    private static string? SchedulerMismatch(EntropySchedulerState saved, EntropySchedulerState own, long step)
    {
        if (!saved.Config.SameStructure(own.Config))
            return $"was saved under scheduler config hash {EntropySchedulerJson.ConfigHash(saved)}, " +
                   $"this learner's is {EntropySchedulerJson.ConfigHash(own)}: the checkpoint was taken under another scheduler config";
        if (saved.NumBuckets != own.NumBuckets)
            return $"has K_B = {saved.NumBuckets}, this learner's scheduler K_B = {own.NumBuckets}";
        var savedStep = Math.Max(0, saved.LearnerStep);
        var expected = Math.Max(0, step - 1);
        return savedStep == expected ? null : $"holds the scheduler state after scheduler step {saved.LearnerStep}, " +
                                              $"the checkpoint is of learner step {step} (expected scheduler step {expected})";
    }

    /// <summary>SHA-256 of a file's bytes, lowercase hex.</summary>
    public static string Sha256OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static (LearnerCheckpointManifest Manifest, string Sha256, string Root, string Label) VerifyCore(string directory, string? expectedSha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var label = Label(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{label}: folder '{root}' does not exist");
        var manifestPath = Path.Combine(root, ManifestFile);
        if (!File.Exists(manifestPath))
            throw new InvalidDataException($"{label}: no {ManifestFile} (an incomplete checkpoint, or not a learner checkpoint)");
        var bytes = File.ReadAllBytes(manifestPath);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (expectedSha256 is not null && !string.Equals(sha, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{label}: {ManifestFile} sha256 mismatch (expected {expectedSha256.ToLowerInvariant()}, found {sha})");
        var manifest = ReadJson(manifestPath, label, _ => JsonSerializer.Deserialize<LearnerCheckpointManifest>(bytes, Json));
        if (manifest.Format != Format)
            throw new InvalidDataException($"{label}: {ManifestFile} has format '{manifest.Format}', expected '{Format}'");
        if (manifest.Files is null || manifest.ExtraFiles is null || manifest.ExtraFiles.Any(n => !SafeName(n)))
            throw new InvalidDataException($"{label}: {ManifestFile} has a malformed file list");
        foreach (var f in manifest.Files)
        {
            if (f is null || !SafeName(f.Name) || f.Sha256 is not { Length: 64 } || f.Size < 0)
                throw new InvalidDataException($"{label}: {ManifestFile} has a malformed file entry{(f is null ? "" : $" '{f.Name}'")}");
        }
        if (manifest.Files.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() != manifest.Files.Count)
            throw new InvalidDataException($"{label}: {ManifestFile} lists a file twice");
        string[] required = [HfCheckpoint.ConfigFile, HfCheckpoint.WeightsFile, HfCheckpoint.TokenizerFile, OptimizerFile, LearnerFile];
        foreach (var name in required.Concat(manifest.ExtraFiles))
            if (manifest.Files.All(f => f.Name != name))
                throw new InvalidDataException($"{label}: {ManifestFile} does not list {name}");
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(root, f.Name);
            if (!File.Exists(path)) throw new InvalidDataException($"{label}: {f.Name} is missing");
            var size = new FileInfo(path).Length;
            if (size != f.Size)
                throw new InvalidDataException($"{label}: {f.Name} size mismatch (expected {f.Size} bytes, " +
                                               $"found {size}){(size < f.Size ? ": truncated" : "")}");
            var hash = Sha256OfFile(path);
            if (!string.Equals(hash, f.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{label}: {f.Name} sha256 mismatch (expected {f.Sha256.ToLowerInvariant()}, found {hash})");
        }
        return (manifest, sha, root, label);
    }

    /// <summary>Parses a JSON file, reporting bad or empty JSON as an error naming the file.</summary>
    private static T ReadJson<T>(string path, string label, Func<string, T?> parse) where T : class
    {
        try
        {
            return parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{label}: {Path.GetFileName(path)} is empty (null)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{label}: {Path.GetFileName(path)} is not valid JSON or lacks a field ({e.Message})", e);
        }
    }

    private static void CheckExtra(string name, string text)
    {
        if (!ExtraName.IsMatch(name) || Reserved.Contains(name))
            throw new ArgumentException($"extra checkpoint file '{name}': need a plain '<name>.json' (letters, digits, " +
                                        $"'._-') that is not one of the checkpoint's own files");
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"extra checkpoint file '{name}' is not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>A manifest entry must name a file directly inside the folder.</summary>
    private static bool SafeName(string? name) =>
        !string.IsNullOrEmpty(name) && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    private static string Label(string fullPath) => $"checkpoint {Path.GetFileName(fullPath)}";

    /// <summary>The contents of <see cref="LearnerFile"/>.</summary>
    private sealed record LearnerState(string Format, long Step, long PolicyVersion, long Seed, double LearningRate, long OptimizerStep,
        bool HasProbe, TrustGateState? RefAnswerGate);
}
