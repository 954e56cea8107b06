using Akka.Actor;
using Gipo.Cluster.Learning;

namespace Gipo.Cluster.Tests.Learning;

public sealed class LearnerFailuresTests
{
    [Fact]
    public void A_deterministic_kind_ends_the_run_at_its_first_occurrence()
    {
        var reason = new LearnerFailures().Record(4, new ArgumentOutOfRangeException("gsec.buckets", "must be >= 1"));
        Assert.NotNull(reason);
        Assert.Contains("learner step 4", reason);
        Assert.Contains("must be >= 1", reason);
    }

    [Fact]
    public void Only_the_same_failure_at_the_same_step_twice_ends_the_run()
    {
        var failures = new LearnerFailures();
        Assert.Null(failures.Record(3, new InvalidOperationException("journal unavailable")));
        Assert.Null(failures.Record(4, new InvalidOperationException("journal unavailable"))); // another step
        Assert.Null(failures.Record(3, new InvalidOperationException("another cause"))); // another failure
        Assert.Null(failures.Record(3, new IOException("journal unavailable"))); // another type
        Assert.Contains("twice", failures.Record(3, new InvalidOperationException("journal unavailable")));
    }

    [Fact]
    public void Timeouts_are_always_retried()
    {
        var failures = new LearnerFailures();
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(failures.Record(2, new AskTimeoutException("no reply from the coordinator")));
            Assert.Null(failures.Record(2, new TimeoutException("no reply")));
        }
    }
}
