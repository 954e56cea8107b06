using Gipo.Core.Algorithm.Entropy;
using Gipo.Model.Learning;

namespace Gipo.Model.Checkpoints;

/// <summary>What <see cref="LearnerCheckpoint.Load"/> restored into the learner and what it hands back to the caller.</summary>
/// <param name="ManifestSha256">SHA-256 of the manifest's bytes: the checkpoint's identity, for the run ledger.</param>
/// <param name="Scheduler">The entropy-scheduler state saved with the checkpoint (also restored into
/// <see cref="GipoLearner.Scheduler"/>); null when none was saved.</param>
/// <param name="ExtraJsonFiles">The caller's JSON files by name, as saved.</param>
/// <param name="TokenizerJson">The checkpoint's <c>tokenizer.json</c>.</param>
public sealed record LearnerCheckpointContents(LearnerCheckpointManifest Manifest, string ManifestSha256,
    EntropySchedulerState? Scheduler, IReadOnlyDictionary<string, string> ExtraJsonFiles, string TokenizerJson);
