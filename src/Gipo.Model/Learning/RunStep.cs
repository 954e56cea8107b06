namespace Gipo.Model.Learning;

/// <summary>One line of a run's log: the learner's metrics plus sampling counters and, on evaluation steps, pass@1.</summary>
public sealed record RunStep(LearnerStepMetrics? Learner, long SamplesTotal, int GroupsExamined, int GroupsFiltered, double? EvalPassAt1,
                             double Seconds);
