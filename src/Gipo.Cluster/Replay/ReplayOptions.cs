using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Runtime;
using Gipo.Core.Algorithm;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using static TorchSharp.torch;

namespace Gipo.Cluster.Replay;

/// <summary>What to replay: the learner step, where to dump its batch and tensors (null: nowhere).</summary>
/// <param name="Journal">The run's journal (a cluster's PostgreSQL); null: the run folder's SQLite file.</param>
public sealed record ReplayOptions(long Step, string? DumpDirectory = null, JournalDatabase? Journal = null);
