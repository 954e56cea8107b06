"""
PyTorch-eager side of the Gipo C# vs PyTorch benchmark.

Measures, for the reference model of gipo_reference.py:
  (a) training throughput: forward + cross-entropy + backward + AdamW step on
      random token ids, median step time over the measured steps;
  (b) decode throughput with the preallocated KV cache at several batch sizes,
      sampling each token by multinomial over softmax(logits / 1.0) inside the
      loop, as the sampler of an RL rollout does (prefill not timed).

The C# side runs the same configs; keep both definitions in step.
The last stdout line is one JSON object; everything before it is for humans.

  /usr/bin/python3 bench/torch_baseline.py --threads 2 --train-steps 5 --warmup 2
"""

import argparse
import glob
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gipo_reference as ref  # noqa: E402

BLAS_ALTERNATIVE = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    p.add_argument("--config", default=None, help="HF config.json to take the model shape from (random weights)")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=1024)
    p.add_argument("--vocab", type=int, default=128)
    p.add_argument("--train-batch", type=int, default=32)
    p.add_argument("--train-seq", type=int, default=128)
    p.add_argument("--train-steps", type=int, default=20, help="measured steps (0 = skip training)")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured steps first (allocator, autotuning)")
    p.add_argument("--decode-batches", default="1,64", help="comma list ('' = skip decode)")
    p.add_argument("--prompt-len", type=int, default=16)
    p.add_argument("--new-tokens", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


# -----------------------------------------------------------------------------
# environment report

def loaded_blas_libs():
    """BLAS-ish shared objects actually mapped into this process.  Run after a
    matmul: the link-time name (libblas.so.3) says nothing about which
    implementation Debian's alternatives system put behind it."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return []
    keys = ("blas", "mkl", "lapack", "gomp", "omp")
    return sorted(p for p in paths if any(k in os.path.basename(p).lower() for k in keys))


def blas_report():
    build = torch.__config__.show()
    # the BLAS facts hide inside the long "Build settings" line: pick KEY=VALUE
    # tokens whose key mentions BLAS (BLAS_INFO=generic means "whatever
    # libblas.so.3 resolves to at run time", i.e. Debian's alternatives)
    build_blas = re.findall(r"\b\w*BLAS\w*=[^,\s]+", build)
    alt = os.path.realpath(BLAS_ALTERNATIVE) if os.path.exists(BLAS_ALTERNATIVE) else None
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded
    loaded = loaded_blas_libs()
    return build_blas, alt, loaded


def blas_summary(build_blas, alt, loaded):
    info = next((t for t in build_blas if t.startswith("BLAS_INFO=")), "BLAS_INFO=?")
    if alt:
        kind = "openblas" if "openblas" in alt else ("reference-blas" if "/blas/" in alt else "other")
        return f"{info}; libblas.so.3 -> {alt} ({kind})"
    return f"{info}; loaded: {', '.join(os.path.basename(p) for p in loaded) or '?'}"


def check_openblas(build_blas, alt, loaded):
    # Debian's torch links the generic libblas.so.3; if the alternative points at
    # the reference (netlib) BLAS, every GEMM is ~15x slower and any comparison
    # against it is a strawman.
    uses_generic = any(t == "BLAS_INFO=generic" for t in build_blas)
    blas_loaded = [p for p in loaded if "blas" in os.path.basename(p).lower()]
    if uses_generic and not any("openblas" in p for p in [alt or ""] + blas_loaded):
        print(f"WARNING: BLAS is not OpenBLAS (alternative -> {alt}, loaded {blas_loaded}); "
              "install libopenblas0-pthread and select it with update-alternatives, "
              "otherwise the PyTorch numbers are a strawman.", file=sys.stderr)


# -----------------------------------------------------------------------------

def build_model(args, device, dtype):
    if args.config:
        cfg = ref.GipoConfig.from_json_file(args.config)
    else:
        cfg = ref.GipoConfig(
            vocab_size=args.vocab, hidden_size=args.hidden, intermediate_size=args.intermediate,
            num_hidden_layers=args.layers, num_attention_heads=args.heads,
            num_key_value_heads=args.kv_heads, head_dim=args.hidden // args.heads,
            max_position_embeddings=max(2048, args.train_seq, args.prompt_len + args.new_tokens))
    cfg.dtype = "bfloat16" if dtype == torch.bfloat16 else "float32"
    model = ref.GipoForCausalLM(cfg)
    ref.init_weights_(model)
    return model.to(device=device, dtype=dtype), cfg


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench_train(model, cfg, args, device):
    model.train()
    kw = {"lr": 1e-4}
    try:  # multi-tensor AdamW where this torch has it (fewer kernel launches)
        opt = torch.optim.AdamW(model.parameters(), foreach=True, **kw)
    except TypeError:
        opt = torch.optim.AdamW(model.parameters(), **kw)
    B, T = args.train_batch, args.train_seq
    times = []
    for step in range(args.warmup + args.train_steps):
        ids = torch.randint(0, cfg.vocab_size, (B, T + 1), device=device)
        sync(device)
        t0 = time.perf_counter()
        logits, _ = model(ids[:, :-1])
        # next-token loss, computed in fp32 whatever the model dtype
        loss = F.cross_entropy(logits.float().reshape(-1, cfg.vocab_size), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sync(device)
        dt = time.perf_counter() - t0
        if step >= args.warmup:
            times.append(dt)
        assert torch.isfinite(loss), "loss diverged"
    med = statistics.median(times)
    return B * T / med, med * 1e3, times


@torch.inference_mode()
def decode_run(model, cfg, batch, prompt_len, new_tokens, device, gen):
    prompt = torch.randint(0, cfg.vocab_size, (batch, prompt_len), device=device, generator=gen)
    cache = model.new_cache(batch, prompt_len + new_tokens)
    logits = model.prefill(prompt, cache)
    sync(device)
    t0 = time.perf_counter()
    for _ in range(new_tokens):
        # sample the next token (temperature 1) and feed it back, like a sampler
        probs = torch.softmax(logits.float(), dim=-1)
        tok = torch.multinomial(probs, 1, generator=gen)
        logits = model.decode_step(tok, cache)
    sync(device)
    return batch * new_tokens / (time.perf_counter() - t0)


def bench_decode(model, cfg, args, device):
    model.eval()
    gen = torch.Generator(device=device).manual_seed(args.seed)
    out = {}
    for b in [int(x) for x in args.decode_batches.split(",") if x.strip()]:
        decode_run(model, cfg, b, args.prompt_len, min(8, args.new_tokens), device, gen)  # warm-up
        out[str(b)] = decode_run(model, cfg, b, args.prompt_len, args.new_tokens, device, gen)
    return out


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: this torch has no CUDA (Debian's build is CPU-only)")
    device = torch.device(args.device)
    dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32
    torch.manual_seed(args.seed)

    build_blas, alt, loaded = blas_report()
    blas = blas_summary(build_blas, alt, loaded)
    print(f"torch {torch.__version__}  threads={torch.get_num_threads()}  device={device}  dtype={args.dtype}")
    print("build BLAS:", "; ".join(build_blas) or "?")
    print("libblas alternative:", alt or "(none)")
    print("loaded:", ", ".join(loaded) or "?")
    check_openblas(build_blas, alt, loaded)

    model, cfg = build_model(args, device, dtype)
    print(f"model: {cfg.model_type} hidden={cfg.hidden_size} layers={cfg.num_hidden_layers} "
          f"heads={cfg.num_attention_heads}/{cfg.num_key_value_heads} ffn={cfg.intermediate_size} "
          f"vocab={cfg.vocab_size} params={model.num_params():,}")

    result = {"impl": "pytorch-eager", "torch": torch.__version__, "threads": torch.get_num_threads(),
              "blas": blas, "device": args.device, "dtype": args.dtype, "params": model.num_params()}
    if args.train_steps > 0:
        tps, ms, times = bench_train(model, cfg, args, device)
        print(f"train: batch={args.train_batch} seq={args.train_seq} steps={args.train_steps} "
              f"(+{args.warmup} warm-up)  median {ms:.1f} ms/step  {tps:,.0f} tok/s  "
              f"[min {min(times)*1e3:.1f} max {max(times)*1e3:.1f} ms]")
        result.update(train_tokens_per_s=round(tps, 1), train_step_ms=round(ms, 2))
    if args.decode_batches.strip():
        dec = bench_decode(model, cfg, args, device)
        for b, v in dec.items():
            print(f"decode: batch={b} prompt={args.prompt_len} new={args.new_tokens}  {v:,.0f} tok/s")
        result["decode"] = {b: round(v, 1) for b, v in dec.items()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
