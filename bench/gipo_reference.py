"""
Plain-PyTorch reference of the Gipo policy network: a Llama / Qwen2-style
decoder-only transformer that follows the math of Hugging Face's
`LlamaForCausalLM` / `Qwen2ForCausalLM` (eager attention path) exactly,
with HF's parameter names so that a HF checkpoint loads unchanged.

It exists for two reasons:
  1. to produce golden fixtures for the C#/TorchSharp implementation
     (see make_fixtures.py), and
  2. to be the "PyTorch eager" side of the C# vs PyTorch benchmark
     (see torch_baseline.py).

Written from the published math (RMSNorm, RoPE, GQA, SwiGLU), not copied
from transformers.  Works with PyTorch >= 1.13 (Debian bookworm's).

Contents:
  GipoConfig                 config from a HF config.json dict (4.x and >=5 style)
  GipoForCausalLM            the model; forward(ids, mask) -> (logits, final hidden)
  KVCache + prefill/decode   preallocated per-layer cache for generation
  load_safetensors / save_safetensors   minimal pure-Python safetensors I/O
  load_pretrained(dir)       config.json + model.safetensors (+ sharded index)
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass, asdict
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# -----------------------------------------------------------------------------
# config

_DTYPES = {
    "float64": torch.float64, "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
    "float16": torch.float16, "fp16": torch.float16, "half": torch.float16,
}


@dataclass
class GipoConfig:
    vocab_size: int = 128
    hidden_size: int = 256
    intermediate_size: int = 1024
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    num_key_value_heads: int = 4
    head_dim: int = 64
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 2048
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = False
    model_type: str = "llama"
    qkv_bias: bool = False      # bias on q/k/v projections
    o_bias: bool = False        # bias on the output projection
    mlp_bias: bool = False      # Llama's `mlp_bias` (gate/up/down)
    dtype: str = "float32"

    @property
    def torch_dtype(self) -> torch.dtype:
        return _DTYPES[self.dtype]

    @classmethod
    def from_hf_dict(cls, d: dict) -> "GipoConfig":
        model_type = d.get("model_type", "llama")
        if model_type not in ("llama", "qwen2"):
            raise ValueError(f"unsupported model_type {model_type!r} (llama|qwen2)")
        heads = int(d["num_attention_heads"])
        hidden = int(d["hidden_size"])
        kv_heads = d.get("num_key_value_heads")
        head_dim = d.get("head_dim")

        # RoPE: transformers 4.x keeps `rope_theta` (+ optional `rope_scaling`)
        # at top level; transformers >= 5 moved both into `rope_parameters`.
        rope_params = d.get("rope_parameters") or {}
        rope_theta = rope_params.get("rope_theta", d.get("rope_theta", 10000.0))
        rope_type = rope_params.get("rope_type", "default")
        scaling = d.get("rope_scaling")
        if scaling:  # 4.x style scaling block
            rope_type = scaling.get("rope_type", scaling.get("type", "default"))
        if rope_type != "default":
            raise NotImplementedError(f"rope_type {rope_type!r}: only 'default' RoPE is implemented")
        if model_type == "qwen2" and d.get("use_sliding_window", False):
            raise NotImplementedError("Qwen2 sliding-window attention is not implemented")
        if d.get("hidden_act", "silu") != "silu":
            raise NotImplementedError(f"hidden_act {d.get('hidden_act')!r}: only silu (SwiGLU)")

        # Attention biases differ by family: Qwen2 always has q/k/v bias and
        # never an o bias; Llama's single `attention_bias` flag covers q/k/v/o.
        if model_type == "qwen2":
            qkv_bias, o_bias = True, False
        else:
            qkv_bias = o_bias = bool(d.get("attention_bias", False))

        # dtype: `torch_dtype` in 4.x, `dtype` in >= 5 ("auto"/missing -> fp32)
        dtype = d.get("dtype", d.get("torch_dtype")) or "float32"
        if dtype not in _DTYPES:
            dtype = "float32"

        return cls(
            vocab_size=int(d["vocab_size"]),
            hidden_size=hidden,
            intermediate_size=int(d["intermediate_size"]),
            num_hidden_layers=int(d["num_hidden_layers"]),
            num_attention_heads=heads,
            num_key_value_heads=int(kv_heads) if kv_heads is not None else heads,
            head_dim=int(head_dim) if head_dim is not None else hidden // heads,
            rms_norm_eps=float(d.get("rms_norm_eps", 1e-6)),
            max_position_embeddings=int(d.get("max_position_embeddings", 2048)),
            rope_theta=float(rope_theta),
            tie_word_embeddings=bool(d.get("tie_word_embeddings", False)),
            model_type=model_type,
            qkv_bias=qkv_bias,
            o_bias=o_bias,
            mlp_bias=bool(d.get("mlp_bias", False)) if model_type == "llama" else False,
            dtype=dtype,
        )

    @classmethod
    def from_json_file(cls, path: str) -> "GipoConfig":
        with open(path) as f:
            return cls.from_hf_dict(json.load(f))


# -----------------------------------------------------------------------------
# building blocks (module-level functions so that tests can swap them out)

def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    # HF computes the statistics in fp32 whatever the model dtype, casts the
    # normalised activations back, and only then multiplies by the weight
    # (in the model dtype).  The order matters for bf16 bit-exactness.
    input_dtype = x.dtype
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return weight * h.to(input_dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    # HF's "half split" RoPE convention: dims [0, d/2) pair with [d/2, d),
    # NOT the interleaved (2i, 2i+1) pairs of the original Meta code.
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(position_ids: torch.Tensor, head_dim: int, theta: float,
                 dtype: torch.dtype) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos/sin tables of shape [B, T, head_dim] for the given integer positions.

    Angles are computed in fp32 (as HF does, autocast disabled) and only the
    final cos/sin are cast to the activation dtype."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64,
                                             device=position_ids.device).float() / head_dim))
    freqs = position_ids.float()[..., None] * inv_freq          # [B, T, d/2]
    emb = torch.cat((freqs, freqs), dim=-1)                     # [B, T, d]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # x: [B, H, T, d]; cos/sin: [B, T, d] -> broadcast over heads
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return x * cos + rotate_half(x) * sin


def repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    # GQA: each kv head serves n_rep consecutive query heads
    # ([B, KV, L, d] -> [B, KV*n_rep, L, d], head h uses kv head h // n_rep).
    if n_rep == 1:
        return x
    b, kv, l, d = x.shape
    return x[:, :, None].expand(b, kv, n_rep, l, d).reshape(b, kv * n_rep, l, d)


def build_attn_mask(q_pos: torch.Tensor, k_pos: torch.Tensor,
                    key_valid: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    """Boolean "may attend" mask [B, 1, Tq, Tk] from *cache slot* indices.

    q_pos: [Tq] slot index of each query, k_pos: [Tk] slot index of each key,
    key_valid: [B, Tk] False for padding keys (or None: no padding).
    Returns None when every query may see every key (single-token decode
    without padding) so that the fast path skips masking entirely."""
    causal = k_pos[None, :] <= q_pos[:, None]                   # [Tq, Tk]
    if key_valid is None:
        if bool(causal.all()):
            return None
        return causal[None, None]
    return causal[None, None] & key_valid[:, None, None, :]


# -----------------------------------------------------------------------------
# model

class Attention(nn.Module):
    def __init__(self, cfg: GipoConfig):
        super().__init__()
        self.n_heads, self.n_kv, self.hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        assert self.n_heads % self.n_kv == 0, "heads must be a multiple of kv heads"
        h = cfg.hidden_size
        self.q_proj = nn.Linear(h, self.n_heads * self.hd, bias=cfg.qkv_bias)
        self.k_proj = nn.Linear(h, self.n_kv * self.hd, bias=cfg.qkv_bias)
        self.v_proj = nn.Linear(h, self.n_kv * self.hd, bias=cfg.qkv_bias)
        self.o_proj = nn.Linear(self.n_heads * self.hd, h, bias=cfg.o_bias)

    def forward(self, x, cos, sin, mask, cache=None, start: int = 0):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_heads, self.hd).transpose(1, 2)   # [B, H, T, d]
        k = self.k_proj(x).view(B, T, self.n_kv, self.hd).transpose(1, 2)      # [B, KV, T, d]
        v = self.v_proj(x).view(B, T, self.n_kv, self.hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)

        if cache is not None:
            # write this chunk into the preallocated cache in place, then
            # attend over everything written so far (slots [0, start+T)).
            k_cache, v_cache = cache
            k_cache[:, :, start:start + T] = k
            v_cache[:, :, start:start + T] = v
            k, v = k_cache[:, :, :start + T], v_cache[:, :, :start + T]

        n_rep = self.n_heads // self.n_kv
        k, v = repeat_kv(k, n_rep), repeat_kv(v, n_rep)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
        if mask is not None:
            # HF adds dtype-min (not -inf): a fully masked row (a padding
            # query) then gets a finite uniform softmax instead of NaNs that
            # would leak into later layers through 0 * NaN.
            att = att.masked_fill(~mask, torch.finfo(att.dtype).min)
        att = F.softmax(att, dim=-1, dtype=torch.float32).to(q.dtype)  # softmax in fp32
        y = torch.matmul(att, v)                                        # [B, H, T, d]
        y = y.transpose(1, 2).reshape(B, T, self.n_heads * self.hd)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, cfg: GipoConfig):
        super().__init__()
        h, i = cfg.hidden_size, cfg.intermediate_size
        self.gate_proj = nn.Linear(h, i, bias=cfg.mlp_bias)
        self.up_proj = nn.Linear(h, i, bias=cfg.mlp_bias)
        self.down_proj = nn.Linear(i, h, bias=cfg.mlp_bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))  # SwiGLU


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return rms_norm(x, self.weight, self.eps)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: GipoConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask, cache=None, start=0):
        # pre-norm residual blocks
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache, start)
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x


class Backbone(nn.Module):
    """HF's `model.` prefix: embed_tokens, layers, norm."""

    def __init__(self, cfg: GipoConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class KVCache:
    """Preallocated per-layer K/V tensors [B, kv_heads, max_len, head_dim].

    Slot s of the cache holds the s-th token fed to the model for every row,
    so all rows share one write offset (`length`); left padding is handled by
    `key_valid` (padding slots are never attended) and per-row RoPE positions
    (`next_pos`), exactly as HF does for left-padded batched generation."""

    def __init__(self, cfg: GipoConfig, batch: int, max_len: int,
                 device=None, dtype=None):
        dtype = dtype or cfg.torch_dtype
        shape = (batch, cfg.num_key_value_heads, max_len, cfg.head_dim)
        self.layers = [(torch.zeros(shape, device=device, dtype=dtype),
                        torch.zeros(shape, device=device, dtype=dtype))
                       for _ in range(cfg.num_hidden_layers)]
        self.max_len = max_len
        self.length = 0                                   # slots written so far
        self.key_valid = torch.ones(batch, max_len, dtype=torch.bool, device=device)
        self.has_padding = False
        self.next_pos = torch.zeros(batch, dtype=torch.long, device=device)  # RoPE position of next token


class GipoForCausalLM(nn.Module):
    def __init__(self, cfg: GipoConfig):
        super().__init__()
        self.config = cfg
        self.model = Backbone(cfg)
        if not cfg.tie_word_embeddings:
            self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)

    # --- weights -------------------------------------------------------------
    def lm_head_weight(self) -> torch.Tensor:
        # tied: the output projection *is* the embedding matrix
        return self.model.embed_tokens.weight if self.config.tie_word_embeddings else self.lm_head.weight

    def hf_state_dict(self) -> Dict[str, torch.Tensor]:
        # our module tree already uses HF names; tied models simply have no lm_head
        return {k: v.detach() for k, v in self.state_dict().items()}

    def load_hf_state_dict(self, sd: Dict[str, torch.Tensor], strict: bool = True):
        sd = dict(sd)
        if self.config.tie_word_embeddings:
            sd.pop("lm_head.weight", None)  # some tied checkpoints still carry a copy
        own = self.state_dict()
        missing = sorted(set(own) - set(sd))
        unexpected = sorted(set(sd) - set(own))
        if strict and (missing or unexpected):
            raise KeyError(f"missing={missing} unexpected={unexpected}")
        with torch.no_grad():
            for k, v in sd.items():
                if k in own:
                    if own[k].shape != v.shape:
                        raise ValueError(f"{k}: shape {tuple(v.shape)} != {tuple(own[k].shape)}")
                    own[k].copy_(v.to(own[k].dtype))  # e.g. BF16 file into fp32 model

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())  # tied weight counted once

    # --- full forward ----------------------------------------------------------
    def _head(self, x):
        h = self.model.norm(x)
        return F.linear(h, self.lm_head_weight()), h

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None):
        """input_ids [B, T] (+ optional attention_mask [B, T], 1 = real token,
        0 = padding, left padding expected) -> (logits [B, T, V], final normed
        hidden [B, T, hidden]).  Logits are in the model dtype like HF's."""
        cfg = self.config
        B, T = input_ids.shape
        dev = input_ids.device
        if attention_mask is None:
            position_ids = torch.arange(T, device=dev).expand(B, T)
            key_valid = None
        else:
            # left padding: each row's first real token gets position 0
            attention_mask = attention_mask.to(torch.long)
            position_ids = (attention_mask.cumsum(-1) - 1).masked_fill(attention_mask == 0, 1)
            key_valid = attention_mask.bool()
        cos, sin = rope_cos_sin(position_ids, cfg.head_dim, cfg.rope_theta, cfg.torch_dtype)
        slots = torch.arange(T, device=dev)
        mask = build_attn_mask(slots, slots, key_valid)
        x = self.model.embed_tokens(input_ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        return self._head(x)

    # --- cached generation -----------------------------------------------------
    def new_cache(self, batch: int, max_len: int) -> KVCache:
        p = self.model.embed_tokens.weight
        return KVCache(self.config, batch, max_len, device=p.device, dtype=p.dtype)

    def _cached_forward(self, ids: torch.Tensor, cache: KVCache, position_ids: torch.Tensor):
        cfg = self.config
        B, T = ids.shape
        start = cache.length
        if start + T > cache.max_len:
            raise ValueError(f"KV cache overflow: {start}+{T} > {cache.max_len}")
        cos, sin = rope_cos_sin(position_ids, cfg.head_dim, cfg.rope_theta, cache.layers[0][0].dtype)
        q_slots = torch.arange(start, start + T, device=ids.device)
        k_slots = torch.arange(0, start + T, device=ids.device)
        key_valid = cache.key_valid[:, :start + T] if cache.has_padding else None
        mask = build_attn_mask(q_slots, k_slots, key_valid)
        x = self.model.embed_tokens(ids)
        for layer, kv in zip(self.model.layers, cache.layers):
            x = layer(x, cos, sin, mask, cache=kv, start=start)
        cache.length = start + T
        cache.next_pos = position_ids[:, -1] + 1
        return self._head(x)

    @torch.no_grad()
    def prefill(self, input_ids: torch.Tensor, cache: KVCache,
                attention_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Run the prompt through the model, filling the cache.  Returns the
        logits of the last position [B, V] (the distribution of token T+1)."""
        assert cache.length == 0, "prefill expects an empty cache"
        B, T = input_ids.shape
        if attention_mask is None:
            position_ids = torch.arange(T, device=input_ids.device).expand(B, T)
        else:
            m = attention_mask.to(torch.long)
            position_ids = (m.cumsum(-1) - 1).masked_fill(m == 0, 1)
            cache.key_valid[:, :T] = m.bool()
            cache.has_padding = bool((m == 0).any())
        logits, _ = self._cached_forward(input_ids, cache, position_ids)
        return logits[:, -1]

    @torch.no_grad()
    def decode_step(self, tokens: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """Feed one new token per row ([B] or [B, 1]); returns logits [B, V]."""
        tokens = tokens.reshape(-1, 1)
        position_ids = cache.next_pos[:, None]
        logits, _ = self._cached_forward(tokens, cache, position_ids)
        return logits[:, -1]


def init_weights_(model: GipoForCausalLM, std: float = 0.02):
    """HF-like init: N(0, std) for matrices, ones for norms, zeros for biases."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("layernorm.weight") or name == "model.norm.weight":
                p.fill_(1.0)
            elif name.endswith(".bias"):
                p.zero_()
            else:
                p.normal_(0.0, std)


# -----------------------------------------------------------------------------
# minimal safetensors I/O
#
# File layout: u64 little-endian N | N bytes of JSON header | raw data.
# Header: {name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
#          "__metadata__": {...}}, offsets relative to the start of the data,
#          padded with spaces so that the data starts 8-byte aligned.

_ST_TO_NP = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
             "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
_TORCH_TO_ST = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
                torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
                torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def _tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: reinterpret the 16-bit patterns
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(_ST_TO_NP[_TORCH_TO_ST[t.dtype]]).tobytes()


def save_safetensors(tensors: Dict[str, torch.Tensor], path: str,
                     metadata: Optional[Dict[str, str]] = None):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):                   # sorted names, contiguous data
        t = tensors[name]
        if t.dtype not in _TORCH_TO_ST:
            raise TypeError(f"{name}: unsupported dtype {t.dtype}")
        b = _tensor_bytes(t)
        header[name] = {"dtype": _TORCH_TO_ST[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)                       # pad so data is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path: str) -> Dict[str, torch.Tensor]:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        st, shape = info["dtype"], info["shape"]
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data, dtype=_ST_TO_NP[st], count=int(np.prod(shape, dtype=np.int64)),
                            offset=base + begin).reshape(shape)
        assert arr.nbytes == end - begin, f"{name}: size mismatch"
        if st == "BF16":
            # reinterpret the raw 16-bit patterns (copy: frombuffer is read-only)
            t = torch.from_numpy(arr.view("<i2").copy()).view(torch.bfloat16)
        else:
            t = torch.from_numpy(arr.copy())
        out[name] = t
    return out


def read_safetensors_header(path: str) -> dict:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8"))


def load_pretrained(model_dir: str, dtype: Optional[str] = None) -> GipoForCausalLM:
    """Load a HF-format directory: config.json + model.safetensors or a sharded
    model.safetensors.index.json."""
    cfg = GipoConfig.from_json_file(os.path.join(model_dir, "config.json"))
    if dtype:
        cfg.dtype = dtype
    model = GipoForCausalLM(cfg).to(cfg.torch_dtype)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    sd = {}
    for fn in files:
        sd.update(load_safetensors(os.path.join(model_dir, fn)))
    model.load_hf_state_dict(sd)
    return model


if __name__ == "__main__":
    # smoke test: forward == cached generation on a random model
    torch.manual_seed(0)
    cfg = GipoConfig(vocab_size=50, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, head_dim=8)
    m = GipoForCausalLM(cfg)
    init_weights_(m)
    ids = torch.randint(0, 50, (2, 9))
    logits, _ = m(ids)
    cache = m.new_cache(2, 9)
    steps = [m.prefill(ids[:, :4], cache)] + [m.decode_step(ids[:, t], cache) for t in range(4, 9)]
    diff = (torch.stack(steps[:-1], 1) - logits[:, 3:8]).abs().max().item()
    print(f"params={m.num_params()} cache-vs-forward max|diff|={diff:.2e}")
