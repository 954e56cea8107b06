using Gipo.Bench.Processes;

namespace Gipo.Bench.Chaos;

/// <summary>A cluster run in which one node was signalled, and how the run ended.</summary>
internal sealed record SignalReport(ChaosReport Run, SignalledNode Signalled, StepHistory Steps);
