using Gipo.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model;

/// <summary>
/// Decoder-only transformer of the Llama/Qwen2 family: token embedding → N × (RMSNorm → grouped-query attention
/// with RoPE → residual → RMSNorm → SwiGLU MLP → residual) → RMSNorm → LM head (tied or not).
/// q/k/v and gate/up are stored fused (one matmul each, fewer kernel launches when decoding); checkpoint IO
/// maps them to and from Hugging Face's separate tensors (<see cref="HfTensorViews"/>).
/// </summary>
public sealed class PolicyModel : nn.Module
{
    public ModelConfig Config { get; }

    private readonly Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly Linear? lm_head;
    // RoPE tables per device, built on first use: not parameters, not saved, never cast with the weights.
    private readonly Dictionary<string, Tensor> ropeTables = [];

    public PolicyModel(ModelConfig config, Device? device = null) : base("policy")
    {
        Config = config.Validate();
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumLayers).Select(_ => new DecoderLayer(config)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        lm_head = config.TieWordEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
        InitWeights();
        var dtype = DtypeOf(config.Dtype);
        if (dtype != float32) this.to(dtype);
        if (device is not null) this.to(device);
    }

    /// <summary>The device the weights live on.</summary>
    public Device Device
    {
        get
        {
            // The getter wraps the native weight anew on each call; held by a using, the wrapper cannot be finalized
            // (its native tensor freed) while .device still reads it, inside a dispose scope or not.
            using var weight = embed_tokens.weight!;
            return weight.device;
        }
    }

    /// <summary>Dtype the weights are stored in.</summary>
    public ScalarType WeightDtype
    {
        get
        {
            using var weight = embed_tokens.weight!; // as in Device
            return weight.dtype;
        }
    }

    /// <summary>
    /// Runs the decoder on <paramref name="inputIds"/> [B, T].
    /// <paramref name="keyMask"/> [B, S] (1 = real token, 0 = padding) covers every key position the attention sees:
    /// S = T without a cache, S = cache.Length + T with one. <paramref name="positionIds"/> [B, T] defaults to
    /// the count of real tokens before each position (so left padding does not shift RoPE).
    /// With a <paramref name="cache"/> the new keys/values are written in place at cache.Length and the cache
    /// advances by T.
    /// </summary>
    public ModelOutput Forward(Tensor inputIds, Tensor? keyMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        var (batch, time) = (inputIds.shape[0], inputIds.shape[1]);
        var start = cache?.Length ?? 0;
        using var from = start.ToScalar();
        using var to = (start + time).ToScalar();
        positionIds ??= keyMask is null
            ? arange(from, to, ConstantScalars.One, dtype: int64, device: inputIds.device).unsqueeze(0).expand(batch, time)
            : keyMask.to(int64).cumsum(1).sub(ConstantScalars.One).clamp_min(ConstantScalars.Zero).narrow(1, start, time);

        // cos and signed sin once per forward, shared by every layer: [B, 1, T, head_dim] each.
        var rope = RopeTable(inputIds.device).index_select(0, positionIds.reshape(-1)).view(batch, 1, time, 2 * Config.HeadDim);
        var (cos, sin) = (rope.narrow(-1, 0, Config.HeadDim), rope.narrow(-1, Config.HeadDim, Config.HeadDim));

        var mask = AttentionMask(keyMask, start, time, inputIds.device);
        var x = embed_tokens.forward(inputIds);
        for (var i = 0; i < layers.Count; i++)
            x = layers[i].Forward(x, cos, sin, mask, cache, i, start);
        cache?.Advance(time);

        var hidden = norm.forward(x);
        var logits = lm_head is null ? F.linear(hidden, embed_tokens.weight!) : lm_head.forward(hidden);
        return new ModelOutput(logits.dtype == float32 ? logits : logits.to(float32), hidden);
    }

    /// <summary>
    /// [max_positions, 2·head_dim]: HF's cos(p·θ_i) for both halves, then sin(p·θ_i) with the first half negated,
    /// so that rotate_half(x)·sin = roll(x, d/2)·signed_sin and RoPE costs four kernels.
    /// </summary>
    private Tensor RopeTable(Device device)
    {
        var key = $"{device}/{WeightDtype}";
        if (ropeTables.TryGetValue(key, out var table)) return table;
        using var scope = NewDisposeScope(); // the temporaries below, whoever calls; the table is detached from it
        using var _ = no_grad();
        using var headDim = Config.HeadDim.ToScalar();
        using var positions = Config.MaxPositionEmbeddings.ToScalar();
        var inv = pow(Config.RopeTheta, arange(ConstantScalars.Zero, headDim, ConstantScalars.Two, dtype: float64).div(headDim)).reciprocal();
        var angles = arange(ConstantScalars.Zero, positions, ConstantScalars.One, dtype: float64).unsqueeze(1) * inv.unsqueeze(0);
        var sin = angles.sin();
        table = cat([angles.cos(), angles.cos(), -sin, sin], 1).to(WeightDtype).to(device).DetachFromDisposeScope();
        ropeTables[key] = table;
        return table;
    }

    /// <summary>
    /// Boolean mask [B, 1, T, start+T] (true = may attend), or null when plain causal attention is exact.
    /// Each query may always see itself, so a padded row never softmaxes over nothing.
    /// </summary>
    private static Tensor? AttentionMask(Tensor? keyMask, long start, long time, Device device)
    {
        // One query at the end of the cache may see every key: causality holds by construction.
        if (keyMask is null && (start == 0 || time == 1)) return null;
        if (keyMask is not null && time == 1) return keyMask.to(@bool).view(keyMask.shape[0], 1, 1, keyMask.shape[1]);
        var keys = start + time;
        using var from = start.ToScalar();
        using var to = keys.ToScalar();
        var q = arange(from, to, ConstantScalars.One, device: device).unsqueeze(1);
        var k = arange(ConstantScalars.Zero, to, ConstantScalars.One, device: device).unsqueeze(0);
        var causal = k <= q; // [T, S]
        if (keyMask is null) return causal.unsqueeze(0).unsqueeze(0);
        var valid = keyMask.to(@bool).unsqueeze(1).unsqueeze(1); // [B, 1, 1, S]
        return (causal & valid) | (k == q);
    }

    /// <summary>
    /// Every checkpoint tensor under its Hugging Face name, as a view into this model's parameters
    /// (fused q/k/v and gate/up are narrowed). Copying into a view loads the weight.
    /// </summary>
    public IEnumerable<(string Name, Tensor View)> HfTensorViews()
    {
        var c = Config;
        long q = c.NumHeads * c.HeadDim, kv = c.NumKvHeads * c.HeadDim;
        yield return ("model.embed_tokens.weight", embed_tokens.weight!);
        for (var i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            var p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", l.input_layernorm.weight);
            var qkvW = l.self_attn.qkv_proj.weight!;
            yield return (p + "self_attn.q_proj.weight", qkvW.narrow(0, 0, q));
            yield return (p + "self_attn.k_proj.weight", qkvW.narrow(0, q, kv));
            yield return (p + "self_attn.v_proj.weight", qkvW.narrow(0, q + kv, kv));
            if (l.self_attn.qkv_proj.bias is { } qkvB)
            {
                yield return (p + "self_attn.q_proj.bias", qkvB.narrow(0, 0, q));
                yield return (p + "self_attn.k_proj.bias", qkvB.narrow(0, q, kv));
                yield return (p + "self_attn.v_proj.bias", qkvB.narrow(0, q + kv, kv));
            }
            yield return (p + "self_attn.o_proj.weight", l.self_attn.o_proj.weight!);
            if (l.self_attn.o_proj.bias is { } oB) yield return (p + "self_attn.o_proj.bias", oB);
            yield return (p + "post_attention_layernorm.weight", l.post_attention_layernorm.weight);
            var gu = l.mlp.gate_up_proj.weight!;
            yield return (p + "mlp.gate_proj.weight", gu.narrow(0, 0, c.IntermediateSize));
            yield return (p + "mlp.up_proj.weight", gu.narrow(0, c.IntermediateSize, c.IntermediateSize));
            yield return (p + "mlp.down_proj.weight", l.mlp.down_proj.weight!);
        }
        yield return ("model.norm.weight", norm.weight);
        if (lm_head is not null) yield return ("lm_head.weight", lm_head.weight!);
    }

    /// <summary>A new, empty KV cache for this model.</summary>
    public KvCache NewCache(long batch, long maxLength) =>
        new(Config.NumLayers, batch, Config.NumKvHeads, maxLength, Config.HeadDim, WeightDtype, Device);

    private void InitWeights()
    {
        using var _ = no_grad();
        // GPT-2/nanoGPT initialisation; residual projections scaled down by depth so the stream starts small.
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.NumLayers);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.fill_(ConstantScalars.One);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal))
                nn.init.normal_(p, 0, residualStd);
            else nn.init.normal_(p, 0, 0.02);
        }
    }

    internal static ScalarType DtypeOf(string name) => name switch
    {
        "float32" => float32,
        "bfloat16" => bfloat16,
        _ => throw new ArgumentException($"unsupported dtype '{name}' (float32, bfloat16)"),
    };
}
