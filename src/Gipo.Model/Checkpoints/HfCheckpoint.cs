using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Checkpoints;

/// <summary>
/// Checkpoints in the Hugging Face layout: <c>config.json</c> + <c>model.safetensors</c> (or a sharded
/// <c>model.safetensors.index.json</c>) + <c>tokenizer.json</c>, with HF tensor names, so a folder written by
/// <c>save_pretrained</c> loads here and one written here loads in transformers.
/// </summary>
public static class HfCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>
    /// Writes the model (and the tokenizer file, when given) to <paramref name="directory"/>. The folder is built
    /// beside the target and renamed into place, so an interrupted save never leaves a half-written checkpoint.
    /// </summary>
    /// <param name="companionFiles">The Hugging Face files beside the model (<see cref="HfCompanionFiles.Build"/>), by name.</param>
    public static void Save(PolicyModel model, string directory, string? tokenizerJson = null, IReadOnlyDictionary<string, string>? metadata = null,
        IReadOnlyDictionary<string, string>? companionFiles = null)
    {
        foreach (var name in companionFiles?.Keys ?? [])
            if (!HfCompanionFiles.Names.Contains(name))
                throw new ArgumentException($"companion file '{name}' is not one of {string.Join(", ", HfCompanionFiles.Names)}");
        var target = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            WriteFiles(model, staging, tokenizerJson, metadata);
            foreach (var (name, text) in companionFiles ?? new Dictionary<string, string>()) AtomicFile.WriteText(Path.Combine(staging, name), text);
            ReplaceDirectory(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Writes config, weights and (when given) tokenizer into an existing folder, each file atomically.</summary>
    internal static void WriteFiles(PolicyModel model, string directory, string? tokenizerJson, IReadOnlyDictionary<string, string>? metadata)
    {
        AtomicFile.WriteText(Path.Combine(directory, ConfigFile), model.Config.ToHfJson());
        // The views (and the weight wrappers they come from) live in this scope until written, then are freed here,
        // not by a finalizer (see SafeTensors.Save).
        using (NewDisposeScope()) SafeTensors.Save(Path.Combine(directory, WeightsFile), model.HfTensorViews().ToList(), metadata);
        if (tokenizerJson is not null) AtomicFile.WriteText(Path.Combine(directory, TokenizerFile), tokenizerJson);
    }

    /// <summary>Reads and validates <c>config.json</c> of a checkpoint folder.</summary>
    public static ModelConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"checkpoint folder '{directory}' does not exist");
        if (!File.Exists(path)) throw new InvalidDataException($"{directory}: no {ConfigFile} (not a Hugging Face checkpoint folder)");
        return ModelConfig.FromHfJson(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Builds a model from a checkpoint folder. Every expected tensor must be present with the right shape and a
    /// floating dtype; unexpected tensors are an error (except a redundant <c>lm_head.weight</c> when tied).
    /// </summary>
    public static PolicyModel Load(string directory, Device? device = null, string? dtype = null)
    {
        var config = ReadConfig(directory);
        if (dtype is not null) config = config with { Dtype = dtype };
        var model = new PolicyModel(config);
        LoadWeights(model, directory);
        if (device is not null) model.to(device);
        return model;
    }

    /// <summary>Copies a checkpoint's weights into an existing model of the same shape.</summary>
    public static void LoadWeights(PolicyModel model, string directory)
    {
        using var views = NewDisposeScope(); // the views below and the weight wrappers behind them
        var expected = model.HfTensorViews().ToDictionary(v => v.Name, v => v.View, StringComparer.Ordinal);
        var files = WeightFiles(directory);
        var headers = files.ToDictionary(f => f, SafeTensors.ReadHeader);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, header) in headers)
        foreach (var entry in header.Values)
        {
            if (!expected.TryGetValue(entry.Name, out var view))
            {
                if (entry.Name == "lm_head.weight" && model.Config.TieWordEmbeddings) continue;
                if (entry.Name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)) continue; // derived, not learned
                throw new InvalidDataException($"{file}: unexpected tensor '{entry.Name}' for a {model.Config.ModelType} model with " +
                                               $"{model.Config.NumLayers} layers");
            }
            if (!entry.Shape.SequenceEqual(view.shape))
                throw new InvalidDataException($"{file}: tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}], " +
                                               $"the config needs [{string.Join(", ", view.shape)}]");
            if (entry.Dtype is not ("F32" or "BF16" or "F16" or "F64"))
                throw new InvalidDataException($"{file}: tensor '{entry.Name}' has dtype {entry.Dtype}; weights must be floating point");
            if (!seen.Add(entry.Name)) throw new InvalidDataException($"{file}: tensor '{entry.Name}' appears in more than one shard");
        }
        var missing = expected.Keys.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{directory}: checkpoint lacks {missing.Count} tensor(s), e.g. '{missing[0]}'");

        using var _ = no_grad();
        foreach (var file in files)
        {
            // The loaded tensors and their dtype/device copies live here until copied in (see SafeTensors.Save).
            using var scope = NewDisposeScope();
            var tensors = SafeTensors.Load(file);
            foreach (var (name, t) in tensors)
            {
                using (t)
                {
                    if (expected.TryGetValue(name, out var view)) view.copy_(t.to(view.dtype).to(view.device));
                }
            }
        }
    }

    private static List<string> WeightFiles(string directory)
    {
        var single = Path.Combine(directory, WeightsFile);
        if (File.Exists(single)) return [single];
        var index = Path.Combine(directory, IndexFile);
        if (!File.Exists(index))
            throw new InvalidDataException($"{directory}: neither {WeightsFile} nor {IndexFile} is present");
        try
        {
            var map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"]?.AsObject()
                ?? throw new InvalidDataException($"{index}: no 'weight_map'");
            return map.Select(kv => kv.Value!.GetValue<string>()).Distinct().Select(f =>
            {
                var path = Path.Combine(directory, f);
                return File.Exists(path) ? path : throw new InvalidDataException($"{index}: shard '{f}' is missing");
            }).ToList();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{index}: not valid JSON ({e.Message})", e);
        }
    }

    private static void ReplaceDirectory(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        // Two renames: the old folder is moved aside, then the new one takes its name. Both are atomic on one filesystem.
        var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        Directory.Move(staging, target);
        Directory.Delete(old, recursive: true);
    }
}
