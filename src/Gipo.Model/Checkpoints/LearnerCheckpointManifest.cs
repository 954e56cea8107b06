using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Learning;
using Gipo.Model.Probe;
using static TorchSharp.torch;

namespace Gipo.Model.Checkpoints;

/// <summary>The <c>manifest.json</c> of a learner checkpoint, written last: every other file with its hash and size.</summary>
/// <param name="ExtraFiles">The caller's JSON files (a data cursor, say), also listed in <paramref name="Files"/>.</param>
public sealed record LearnerCheckpointManifest(string Format, long Step, long PolicyVersion, long Seed,
    IReadOnlyList<CheckpointFileEntry> Files, IReadOnlyList<string> ExtraFiles);
