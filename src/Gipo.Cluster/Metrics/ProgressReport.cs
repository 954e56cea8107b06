using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Metrics;

/// <summary>A step's headline numbers for console progress.</summary>
public sealed record ProgressReport(long Step, JsonObject Line, bool Evaluation);
