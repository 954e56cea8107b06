namespace Gipo.Model.Probe;

/// <summary>
/// Diagnostics of one probe update (§C.4, §S): ν-weighted mean BCE and KL (nats per state) over the last epoch's
/// minibatches (sampled z; replayed states included), the ν-weighted Brier score of this batch's states after
/// the update (z = μ), and how many of this batch's states it trained on (replay excluded).
/// </summary>
public sealed record IbTrainResult(long LearnerStep, double Bce, double KlRate, double Brier, long States);
