"""
Writes small deterministic golden fixtures for the C# model tests:

  tests/Gipo.Model.Tests/Fixtures/tiny-llama/  {config.json, model.safetensors, expected.json}
  tests/Gipo.Model.Tests/Fixtures/tiny-qwen2/  {config.json, model.safetensors, expected.json}

tiny-llama: transformers-4.x style config (top-level rope_theta, torch_dtype),
            untied lm_head, GQA 4 heads / 2 kv heads, no biases, head_dim implicit.
tiny-qwen2: transformers->=5 style config (rope_parameters, dtype), tied
            embeddings (no lm_head.weight in the file), q/k/v biases,
            4 heads / 1 kv head, theta 1e6, explicit head_dim.

Rerunnable: `/usr/bin/python3 bench/make_fixtures.py` regenerates byte-identical
files (fixed seeds, one thread, sorted JSON keys).  Before writing it checks:
  * safetensors write -> read is bit-exact, and the header is well formed,
  * prefill + step-by-step KV-cache decoding == full forward (< 1e-5),
  * the left-padded rows == the unpadded sequences,
  * fp32 logits agree with an fp64 run of the same weights,
  * a few classic implementation bugs (wrong RoPE convention, no causal mask,
    wrong GQA head mapping, unweighted norm, missing bias, ...) move the
    logits by much more than a test tolerance, i.e. the fixture catches them.
"""

import contextlib
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gipo_reference as ref  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "tests", "Gipo.Model.Tests", "Fixtures")

BATCH, SEQ = 2, 11
PAD_ID, N_PAD = 0, 3
MAX_FILE_BYTES = 300 * 1024

COMMON = {
    "vocab_size": 97,
    "hidden_size": 64,
    "intermediate_size": 160,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "rms_norm_eps": 1e-06,
    "max_position_embeddings": 128,
    "hidden_act": "silu",
    "initializer_range": 0.02,
    "attention_dropout": 0.0,
    "use_cache": True,
}

FIXTURES = {
    # transformers 4.x style: top-level rope_theta, torch_dtype; no head_dim
    # key, so readers must default it to hidden_size / num_attention_heads.
    "tiny-llama": dict(COMMON, **{
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "num_key_value_heads": 2,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "attention_bias": False,
        "mlp_bias": False,
        "pretraining_tp": 1,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "bos_token_id": 1,
        "eos_token_id": 2,
        "transformers_version": "4.46.0",
    }),
    # transformers >= 5 style: rope_parameters block, `dtype`.
    "tiny-qwen2": dict(COMMON, **{
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "num_key_value_heads": 1,
        "head_dim": 16,
        "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"},
        "use_sliding_window": False,
        "sliding_window": None,
        "max_window_layers": 2,
        "layer_types": ["full_attention", "full_attention"],
        "tie_word_embeddings": True,
        "dtype": "float32",
        "bos_token_id": 95,
        "eos_token_id": 96,
        "transformers_version": "5.0.0",
    }),
}
SEEDS = {"tiny-llama": 1234, "tiny-qwen2": 5678}


# -----------------------------------------------------------------------------

def init_fixture_weights_(model: ref.GipoForCausalLM, seed: int):
    """N(0, 0.02) for matrices, but norms ~ 1 + 0.1 N(0,1) and biases 0.1 N(0,1):
    with HF's ones/zeros init a forgotten norm weight or bias would be invisible."""
    torch.manual_seed(seed)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in sorted(params):  # sorted: independent of module definition order
            p = params[name]
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape))
            else:
                p.copy_(0.02 * torch.randn(p.shape))


def r9(x):
    """Nested lists of floats with 9 significant digits (round-trips float32)."""
    if isinstance(x, torch.Tensor):
        x = x.tolist()
    if isinstance(x, list):
        return [r9(v) for v in x]
    return float("%.9g" % x)


def max_diff(a, b) -> float:
    return (a.double() - b.double()).abs().max().item()


# --- mutations: deliberately wrong variants, to prove the fixture is sensitive --

@contextlib.contextmanager
def patched(**fns):
    old = {k: getattr(ref, k) for k in fns}
    for k, v in fns.items():
        setattr(ref, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(ref, k, v)


def _interleaved_cos_sin(position_ids, head_dim, theta, dtype):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
    f = (position_ids.float()[..., None] * inv).repeat_interleave(2, dim=-1)
    return f.cos().to(dtype), f.sin().to(dtype)


def _interleaved_rotate(x):
    return torch.stack((-x[..., 1::2], x[..., 0::2]), dim=-1).flatten(-2)


def _tile_kv(x, n_rep):  # head h -> kv head h % n_kv instead of h // n_rep
    return x if n_rep == 1 else x.repeat(1, n_rep, 1, 1)


def mutation_diffs(model, ids, base_logits):
    cfg = model.config
    out = {}

    def run(**fns):
        with patched(**fns):
            return max_diff(model(ids)[0], base_logits)

    out["rope interleaved (Meta) convention"] = run(rope_cos_sin=_interleaved_cos_sin,
                                                     rotate_half=_interleaved_rotate)
    out["no rope"] = run(apply_rope=lambda x, c, s: x)
    out["no causal mask"] = run(build_attn_mask=lambda q, k, v: None)
    out["norm weight ignored"] = run(rms_norm=lambda x, w, e: _unweighted(x, e))
    if cfg.num_key_value_heads not in (1, cfg.num_attention_heads):
        out["gqa kv-head mapping h % n_kv"] = run(repeat_kv=_tile_kv)
    wrong_theta = copy.deepcopy(model)
    wrong_theta.config = copy.deepcopy(cfg)
    wrong_theta.config.rope_theta = 1e6 if cfg.rope_theta != 1e6 else 1e4
    out["wrong rope theta"] = max_diff(wrong_theta(ids)[0], base_logits)
    if cfg.qkv_bias:
        nb = copy.deepcopy(model)
        with torch.no_grad():
            for n, p in nb.named_parameters():
                if n.endswith(".bias"):
                    p.zero_()
        out["qkv bias dropped"] = max_diff(nb(ids)[0], base_logits)
    swapped = copy.deepcopy(model)
    for layer in swapped.model.layers:
        layer.mlp.gate_proj, layer.mlp.up_proj = layer.mlp.up_proj, layer.mlp.gate_proj
    out["gate/up swapped"] = max_diff(swapped(ids)[0], base_logits)
    # (Not listed: left-padded rows using positions 0..T-1 instead of
    # cumsum(mask)-1.  RoPE scores depend only on position *differences*, so a
    # constant shift per row is mathematically invisible -- measured 1e-7.)
    return out


def _unweighted(x, eps):
    h = x.float()
    return (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


# -----------------------------------------------------------------------------

def check_safetensors(path: str, sd: dict):
    back = ref.load_safetensors(path)
    assert sorted(back) == sorted(sd), "safetensors: names differ"
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        assert torch.equal(back[k], v), f"safetensors: {k} not bit-exact"
    header = ref.read_safetensors_header(path)
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
    assert n % 8 == 0, "header not padded to 8 bytes"
    names = sorted(k for k in header if k != "__metadata__")
    offs = [header[k]["data_offsets"] for k in names]
    assert offs[0][0] == 0 and all(a[1] == b[0] for a, b in zip(offs, offs[1:])), "data not contiguous/sorted"
    assert 8 + n + offs[-1][1] == os.path.getsize(path), "trailing bytes"
    assert header["__metadata__"] == {"format": "pt"}
    # a BF16 / F16 / I64 round trip too (formats the C# reader must accept)
    tmp = path + ".tmp"
    extra = {"a.bf16": torch.randn(3, 5).bfloat16(), "b.f16": torch.randn(7).half(),
             "c.i64": torch.tensor([[-(2 ** 40), 3], [0, 2 ** 62]])}
    ref.save_safetensors(extra, tmp)
    try:
        back = ref.load_safetensors(tmp)
        for k, v in extra.items():
            assert back[k].dtype == v.dtype and torch.equal(back[k], v), f"round trip {k}"
    finally:
        os.remove(tmp)


def check_kv_cache(model, ids, logits, pad_ids, pad_mask, pad_last):
    """prefill(prompt) + decode_step(token by token) must reproduce the full forward."""
    T = ids.shape[1]
    for split in (1, 4, T - 1):
        cache = model.new_cache(ids.shape[0], T)
        got = [model.prefill(ids[:, :split], cache)]
        for t in range(split, T):
            got.append(model.decode_step(ids[:, t], cache))
        d = max_diff(torch.stack(got, 1), logits[:, split - 1:])
        assert d < 1e-5, f"kv cache (prefill {split}) differs from forward by {d}"
    # the same with left padding
    cache = model.new_cache(ids.shape[0], T)
    got = model.prefill(pad_ids[:, :5], cache, attention_mask=pad_mask[:, :5])
    for t in range(5, T):
        got = model.decode_step(pad_ids[:, t], cache)
    d = max_diff(got, pad_last)
    assert d < 1e-5, f"left-padded kv cache differs from forward by {d}"


def make_one(name: str, cfg_dict: dict) -> dict:
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    cfg = ref.GipoConfig.from_hf_dict(cfg_dict)
    model = ref.GipoForCausalLM(cfg).eval()
    init_fixture_weights_(model, SEEDS[name])

    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg_dict, f, indent=2, sort_keys=True)
        f.write("\n")
    sd = model.hf_state_dict()
    assert ("lm_head.weight" in sd) == (not cfg.tie_word_embeddings)
    st_path = os.path.join(folder, "model.safetensors")
    ref.save_safetensors(sd, st_path)
    check_safetensors(st_path, sd)

    # reload through the public loader, exactly as a consumer would
    model = ref.load_pretrained(folder).eval()

    g = torch.Generator().manual_seed(SEEDS[name] + 1)
    ids = torch.randint(1, cfg.vocab_size, (BATCH, SEQ), generator=g)  # never the pad id 0
    pad_ids = ids.clone()
    pad_ids[0] = torch.cat([torch.full((N_PAD,), PAD_ID), ids[0, N_PAD:]])  # 3 pads + last 8 tokens
    pad_mask = torch.ones(BATCH, SEQ, dtype=torch.long)
    pad_mask[0, :N_PAD] = 0

    with torch.no_grad():
        logits, hidden = model(ids)
        pad_logits, _ = model(pad_ids, attention_mask=pad_mask)
        pad_last = pad_logits[:, -1]

        # left padding must be invisible: row 0 == the 8-token sequence alone,
        # row 1 (no padding) == the unpadded forward.
        alone, _ = model(ids[:1, N_PAD:])
        assert max_diff(pad_last[0], alone[0, -1]) < 1e-5, "left padding leaks"
        assert max_diff(pad_last[1], logits[1, -1]) < 1e-5, "mask changed an unpadded row"

        check_kv_cache(model, ids, logits, pad_ids, pad_mask, pad_last)

        # fp32 vs fp64 of the same weights: the fp32 numbers are trustworthy
        m64 = copy.deepcopy(model).double()
        m64.config = copy.deepcopy(cfg)
        m64.config.dtype = "float64"
        d64 = max_diff(m64(ids)[0], logits)
        assert d64 < 1e-5, f"fp32 vs fp64 differ by {d64}"

        mutations = mutation_diffs(model, ids, logits)

    expected = {
        "input_ids": ids.tolist(),                       # [2][11] int
        "logits": r9(logits),                            # [2][11][97] fp32
        "hidden_last": r9(hidden[:, -1]),                # [2][64] final-normed hidden, last position
        "pad_token_id": PAD_ID,
        "padded_input_ids": pad_ids.tolist(),            # [2][11] int, row 0 left-padded
        "padded_attention_mask": pad_mask.tolist(),      # [2][11] 0/1
        "padded_logits_last": r9(pad_last),              # [2][97] logits at position 10
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"), sort_keys=False)
        f.write("\n")

    sizes = {fn: os.path.getsize(os.path.join(folder, fn)) for fn in sorted(os.listdir(folder))}
    return {"params": model.num_params(), "fp64_diff": d64, "mutations": mutations, "sizes": sizes}


def main():
    torch.set_num_threads(1)  # one thread: reduction order, hence every bit, is reproducible
    torch.use_deterministic_algorithms(True)
    ok = True
    for name, cfg_dict in FIXTURES.items():
        rep = make_one(name, cfg_dict)
        print(f"{name}: params={rep['params']} fp32-vs-fp64 max|diff|={rep['fp64_diff']:.1e}")
        for fn, size in rep["sizes"].items():
            flag = "" if size < MAX_FILE_BYTES else "   (over 300 KB)"
            print(f"  {fn:20s} {size:8d} bytes{flag}")
        print("  sensitivity (max |logit diff| of a buggy variant; want >> test tolerance):")
        for what, d in rep["mutations"].items():
            weak = d < 1e-3
            ok &= not weak
            print(f"    {what:38s} {d:.2e}{'   <-- TOO WEAK' if weak else ''}")
    if not ok:
        sys.exit("\nsome bug classes are not detectable with these fixtures")


if __name__ == "__main__":
    main()
