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

/// <summary>One file of a learner checkpoint as its manifest lists it: name in the folder, SHA-256 (lowercase hex), bytes.</summary>
public sealed record CheckpointFileEntry(string Name, string Sha256, long Size);
