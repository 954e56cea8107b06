using Gipo.Cluster.Fencing;

namespace Gipo.Cluster.Tests.Fencing;

public sealed class LeaseRulesTests
{
    private const long Ttl = 10_000;
    private static readonly string A = LeaseHolderId.Of("10.0.0.1:4053", "a1");
    private static readonly string ARestarted = LeaseHolderId.Of("10.0.0.1:4053", "a2");
    private static readonly string B = LeaseHolderId.Of("10.0.0.2:4053", "b1");

    [Fact]
    public void A_free_lease_is_granted_at_epoch_one()
    {
        var row = LeaseRules.Acquire(null, A, 1000, Ttl);
        Assert.Equal(new LeaseRecord(A, 11_000, 1), row);
    }

    [Fact]
    public void A_live_lease_of_another_address_is_refused()
    {
        Assert.Null(LeaseRules.Acquire(new LeaseRecord(B, 5000, 3), A, 4999, Ttl));
    }

    [Fact]
    public void An_expired_lease_passes_with_the_epoch_raised()
    {
        Assert.Equal(new LeaseRecord(A, 5000 + Ttl, 4), LeaseRules.Acquire(new LeaseRecord(B, 5000, 3), A, 5000, Ttl));
    }

    [Fact]
    public void A_restarted_process_on_the_same_address_takes_over_at_once_with_a_new_epoch()
    {
        // The earlier incarnation cannot still be running: two processes cannot bind one address.
        Assert.Equal(new LeaseRecord(ARestarted, 1000 + Ttl, 8), LeaseRules.Acquire(new LeaseRecord(A, 9000, 7), ARestarted, 1000, Ttl));
    }

    [Fact]
    public void The_holder_reacquiring_keeps_its_epoch()
    {
        Assert.Equal(new LeaseRecord(A, 2000 + Ttl, 5), LeaseRules.Acquire(new LeaseRecord(A, 3000, 5), A, 2000, Ttl));
    }

    [Fact]
    public void Renewal_needs_the_same_holder_and_epoch()
    {
        Assert.Equal(new LeaseRecord(A, 7000 + Ttl, 5), LeaseRules.Renew(new LeaseRecord(A, 3000, 5), A, 5, 7000, Ttl));
        Assert.Null(LeaseRules.Renew(new LeaseRecord(B, 3000, 6), A, 5, 2000, Ttl));
        Assert.Null(LeaseRules.Renew(new LeaseRecord(A, 3000, 6), A, 5, 2000, Ttl));
        Assert.Null(LeaseRules.Renew(null, A, 5, 2000, Ttl));
    }

    [Fact]
    public void Release_ends_the_lease_now_and_keeps_the_epoch()
    {
        Assert.Equal(new LeaseRecord(A, 2000, 5), LeaseRules.Release(new LeaseRecord(A, 9000, 5), A, 5, 2000));
        Assert.Null(LeaseRules.Release(new LeaseRecord(B, 9000, 6), A, 5, 2000));
    }

    [Fact]
    public void A_write_under_the_current_epoch_passes()
    {
        Assert.Null(LeaseRules.FenceViolation(new LeaseRecord(A, 9000, 5), A, 5, 2000, 1000));
    }

    [Fact]
    public void A_write_under_a_stale_epoch_is_fenced_and_names_the_new_holder()
    {
        var why = LeaseRules.FenceViolation(new LeaseRecord(B, 9000, 6), A, 5, 2000, 1000);
        Assert.NotNull(why);
        Assert.Contains("epoch 5 is stale", why);
        Assert.Contains(B, why);
    }

    [Fact]
    public void A_write_in_the_last_margin_before_expiry_is_fenced()
    {
        Assert.Contains("expires", LeaseRules.FenceViolation(new LeaseRecord(A, 9000, 5), A, 5, 8001, 1000));
        Assert.Contains("holds no lease", LeaseRules.FenceViolation(new LeaseRecord(A, 9000, 5), A, 0, 1, 1000));
    }

    [Fact]
    public void Holder_ids_keep_the_address()
    {
        Assert.Equal("10.0.0.1:4053", LeaseHolderId.Owner(A));
        Assert.Equal("10.0.0.1:4053", LeaseHolderId.Owner("10.0.0.1:4053"));
    }
}
