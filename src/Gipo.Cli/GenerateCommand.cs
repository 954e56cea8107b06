using System.CommandLine;
using System.Text.Json;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Sampling;

namespace Gipo.Cli;

/// <summary><c>gipo generate</c>: complete one prompt with a checkpoint.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint") { Description = "Hugging Face-layout checkpoint folder", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "prompt text (e.g. \"Q:ADD 4721 968\\n\"; \\n is unescaped)", Required = true };
        var greedy = new Option<bool>("--greedy") { Description = "arg-max decoding" };
        var temperature = new Option<double>("--temperature") { Description = "sampling temperature", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus mass kept (1 = off)", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "most likely tokens kept (0 = off)", DefaultValueFactory = _ => 0 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "generation limit", DefaultValueFactory = _ => 128 };
        var seed =
            new Option<ulong>("--seed") { Description = "random seed (same seed + same weights = same tokens)", DefaultValueFactory = _ => 0UL };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N", DefaultValueFactory = _ => "auto" };
        var json = new Option<bool>("--json") { Description = "print one JSON object: prompt_token_ids, token_ids, logprobs, text" };
        var command = new Command("generate", "Complete a prompt with a checkpoint.")
        {
            checkpoint, prompt, greedy, temperature, topP, topK, maxNew, seed, device, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var dev = TorchRuntime.ResolveDevice(r.GetValue(device)!);
            var dir = r.GetValue(checkpoint)!.FullName;
            // A learner checkpoint lists every file's SHA-256 in its manifest: a corrupted one is refused, not used.
            if (File.Exists(Path.Combine(dir, LearnerCheckpoint.ManifestFile))) LearnerCheckpoint.Verify(dir);
            using var model = HfCheckpoint.Load(dir, dev);
            model.eval();
            var (tokenizer, _) = CheckpointTokenizer.Load(dir, model.Config);
            var text = r.GetValue(prompt)!.Replace("\\n", "\n");
            var ids = tokenizer.Encode(text);
            var options = new SamplingOptions(r.GetValue(temperature), r.GetValue(topP), r.GetValue(topK), r.GetValue(maxNew), r.GetValue(greedy));
            // generation_config.json's eos_token_id list, else config.json's, else the tokenizer's guess.
            var named = CheckpointTokenizer.EndOfSequenceIds(dir, model.Config);
            var eos = named.Count > 0 ? named : [tokenizer.EosId];
            var output = new Sampler(model, eos, tokenizer.PadId).Generate([new GenerationRequest(ids, r.GetValue(seed))], options)[0];
            var completion = tokenizer.Decode(output.TokenIds);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    prompt_token_ids = ids,
                    token_ids = output.TokenIds,
                    logprobs = output.LogProbs,
                    text = completion,
                    stopped_at_eos = output.StoppedAtEos,
                }));
            }
            else
            {
                Console.Write(text);
                Console.WriteLine(completion);
            }
            return 0;
        }));
        return command;
    }
}
