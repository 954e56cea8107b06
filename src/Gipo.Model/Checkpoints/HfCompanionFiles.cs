using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Checkpoints;

/// <summary>
/// The files beside <c>config.json</c>, <c>model.safetensors</c> and <c>tokenizer.json</c> that make an exported
/// checkpoint load in a Hugging Face stack as the run used it: <c>tokenizer_config.json</c> (with the base model's chat
/// template when it had one), <c>special_tokens_map.json</c>, <c>generation_config.json</c> (the end, start and padding
/// ids the run used, and its sampling settings) and a model card <c>README.md</c>.
/// <para>
/// Files the base checkpoint has are the starting point, since the tokenizer is the base's, unchanged: its
/// <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> are kept as they are (a <c>chat_template.jinja</c>
/// is copied too, and its text set as <c>chat_template</c> when the config has none); its
/// <c>generation_config.json</c> gets the run's ids and sampling values on top. A base without them (Gipo's own
/// character-tokenizer models) gets files written from the tokenizer: the special tokens by their ids and a
/// <c>PreTrainedTokenizerFast</c> class, which reads the WordLevel <c>tokenizer.json</c>. Such a base has no chat
/// template, so none is written: its prompts are the task's plain text.
/// </para>
/// </summary>
public static class HfCompanionFiles
{
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string SpecialTokensMapFile = "special_tokens_map.json";
    public const string GenerationConfigFile = "generation_config.json";
    public const string ChatTemplateFile = "chat_template.jinja";
    public const string ModelCardFile = "README.md";

    /// <summary>Every name <see cref="Build"/> may return.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [TokenizerConfigFile, SpecialTokensMapFile, GenerationConfigFile, ChatTemplateFile, ModelCardFile];

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep "<eos>" and templates readable
    };

    /// <summary>
    /// The companion files by name. <paramref name="baseDirectory"/> is the checkpoint the run started from (its files
    /// are reused, see the class remarks); <paramref name="tokenizerJson"/> the <c>tokenizer.json</c> the checkpoint
    /// carries; <paramref name="sampling"/> the run's sampling settings. Malformed JSON in a base file is an error naming it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Build(string? baseDirectory, ModelConfig config, ITextTokenizer tokenizer, string tokenizerJson,
        SamplingOptions sampling, ModelCardFacts card)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(card);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var specials = SpecialTokens(config, tokenizer, tokenizerJson);

        var template = ReadText(baseDirectory, ChatTemplateFile);
        if (template is not null) files[ChatTemplateFile] = template;
        var tokenizerConfig = ReadObject(baseDirectory, TokenizerConfigFile);
        if (tokenizerConfig is null)
        {
            tokenizerConfig = new JsonObject { ["tokenizer_class"] = "PreTrainedTokenizerFast" };
            foreach (var (name, text) in specials) tokenizerConfig[name] = text;
            tokenizerConfig["model_max_length"] = config.MaxPositionEmbeddings;
            tokenizerConfig["clean_up_tokenization_spaces"] = false;
        }
        if (tokenizerConfig["chat_template"] is null && template is not null) tokenizerConfig["chat_template"] = template;
        files[TokenizerConfigFile] = Serialize(tokenizerConfig);

        var map = ReadObject(baseDirectory, SpecialTokensMapFile);
        if (map is null)
        {
            map = [];
            foreach (var (name, text) in specials) map[name] = text;
        }
        files[SpecialTokensMapFile] = Serialize(map);

        var generation = ReadObject(baseDirectory, GenerationConfigFile) ?? [];
        if (config.BosTokenId is { } bos) generation["bos_token_id"] = bos;
        generation["eos_token_id"] = config.EosTokenIds.Count switch
        {
            0 => tokenizer.EosId,
            1 => config.EosTokenIds[0],
            _ => new JsonArray([.. config.EosTokenIds.Select(id => JsonValue.Create(id))]),
        };
        generation["pad_token_id"] = config.PadTokenId ?? tokenizer.PadId;
        generation["do_sample"] = !sampling.Greedy;
        generation["temperature"] = sampling.Temperature;
        generation["top_p"] = sampling.TopP;
        generation["top_k"] = sampling.TopK; // 0: no top-k cut, in transformers as here (its default would be 50)
        generation["max_new_tokens"] = sampling.MaxNewTokens;
        files[GenerationConfigFile] = Serialize(generation);

        files[ModelCardFile] = ModelCard(card, tokenizerConfig["chat_template"] is not null);
        return files;
    }

    /// <summary>The model card: front matter for the Hub, then what the run was and where it got to.</summary>
    public static string ModelCard(ModelCardFacts card, bool hasChatTemplate)
    {
        var s = new StringBuilder();
        s.Append("---\nlibrary_name: transformers\npipeline_tag: text-generation\ntags:\n- gipo\n- reinforcement-learning\n---\n\n");
        s.Append($"# {card.RunId}, step {card.Step}\n\n");
        s.Append($"Trained with Gipo from `{card.BaseModel}` on the task `{card.Task}`: {card.Step} steps");
        s.Append(card.PolicyVersion > 0 ? $", policy version {card.PolicyVersion}.\n\n" : ".\n\n");
        s.Append($"- Algorithm: {card.Algorithm}\n");
        s.Append(hasChatTemplate
            ? "- Chat template: the base model's, in `tokenizer_config.json`.\n"
            : "- Chat template: none. The base model had none; prompts are the task's plain text, as in training.\n");
        s.Append("- Sampling defaults in `generation_config.json` are the run's (temperature, top-p, top-k, new-token limit).\n\n");
        Table(s, "Settings", card.Settings);
        Table(s, "Latest metrics", card.Metrics);
        s.Append("The run folder's `metrics.jsonl` has every step's metrics, and `tb/` the same as TensorBoard events.\n");
        return s.ToString();
    }

    private static void Table(StringBuilder s, string title, IReadOnlyList<KeyValuePair<string, string>> rows)
    {
        s.Append($"## {title}\n\n");
        if (rows.Count == 0)
        {
            s.Append("None recorded yet.\n\n");
            return;
        }
        s.Append("| name | value |\n|---|---|\n");
        foreach (var (name, value) in rows) s.Append($"| `{name}` | {value.Replace("|", "\\|")} |\n");
        s.Append('\n');
    }

    /// <summary>bos/eos/pad/unk token texts by their ids (the config's ids win, as the run used them).</summary>
    private static List<KeyValuePair<string, string>> SpecialTokens(ModelConfig config, ITextTokenizer tokenizer, string tokenizerJson)
    {
        var specials = new List<KeyValuePair<string, string>>();
        void Add(string name, int? id)
        {
            if (id is { } i && i >= 0 && i < tokenizer.VocabSize) specials.Add(new(name, tokenizer.TokenText(i)));
        }
        Add("bos_token", config.BosTokenId ?? tokenizer.BosId);
        Add("eos_token", config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : tokenizer.EosId);
        Add("pad_token", config.PadTokenId ?? tokenizer.PadId);
        try
        {
            if (JsonNode.Parse(tokenizerJson)?["model"]?["unk_token"] is JsonValue unk && unk.TryGetValue<string>(out var text))
                specials.Add(new("unk_token", text));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"tokenizer.json is not valid JSON ({e.Message})", e);
        }
        return specials;
    }

    private static string? ReadText(string? directory, string name)
    {
        if (directory is null) return null;
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    private static JsonObject? ReadObject(string? directory, string name)
    {
        var text = ReadText(directory, name);
        if (text is null) return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{Path.Combine(directory!, name)}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path.Combine(directory!, name)}: not valid JSON ({e.Message})", e);
        }
    }

    private static string Serialize(JsonObject o) => o.ToJsonString(Indented) + "\n";
}
