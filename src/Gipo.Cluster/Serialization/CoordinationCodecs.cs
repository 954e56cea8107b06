using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Serialization;

/// <summary>
/// Codecs of the run coordinator's messages, the ledger's events and its snapshot, and of the rollout records they
/// carry. Fields are written in declaration order; a layout change takes a new manifest version. The manifest
/// families: messages are two letters + version, events "e" + two letters + version, snapshots "s" + letters + version.
/// </summary>
internal static class CoordinationCodecs
{
    public static void Register()
    {
        // ---- RunCoordinator protocol
        GipoCodecs.Add<RequestWork>("rw1", (w, m) => { w.WriteString(m.SamplerId); w.Write(m.PolicyVersion); },
            r => new RequestWork(r.ReadString(), r.ReadInt64()));
        GipoCodecs.Add<WorkLease>("wl1",
            (w, m) =>
            {
                w.Write(m.GroupId); w.Write(m.PromptIndex); w.Write(m.Seed); w.Write(m.GroupSize); w.Write(m.PolicyVersion);
                w.WriteUtc(m.DeadlineUtc);
            },
            r => new WorkLease(r.ReadInt64(), r.ReadInt64(), r.ReadUInt64(), r.ReadInt32(), r.ReadInt64(), r.ReadUtc()));
        GipoCodecs.Add<NoWorkYet>("nw1", (w, m) => w.WriteString(m.Reason), r => new NoWorkYet(r.ReadString()));
        GipoCodecs.Add<GenerationDone>("gd1", (w, m) => w.Write(m.GroupId), r => new GenerationDone(r.ReadInt64()));
        GipoCodecs.Add<GroupResult>("gr1", (w, m) => WriteScoredGroup(w, m.Group), r => new GroupResult(ReadScoredGroup(r)));
        GipoCodecs.Add<ResultAck>("ra1", (w, m) => { w.Write(m.GroupId); w.WriteEnum(m.Outcome); w.WriteString(m.Reason); },
            r => new ResultAck(r.ReadInt64(), r.ReadEnum<ResultOutcome>(), r.ReadString()));
        GipoCodecs.Add<NextBatch>("nb1", (w, m) => w.Write(m.LearnerStep), r => new NextBatch(r.ReadInt64()));
        // tb2 adds to tb1 the prompt indexes and dropped groups the rollout log records and the live settings changes in
        // force at the step. A message, never journaled: the tb1 layout is gone (nodes of one run run one build).
        GipoCodecs.Add<TrainBatch>("tb2",
            (w, m) =>
            {
                w.Write(m.LearnerStep); w.Write(m.PolicyVersion); w.WriteList(m.Groups, WriteScoredGroup); w.Write(m.SamplesConsumedSoFar);
                w.WriteList(m.PromptIndexes, (x, i) => x.Write(i));
                w.WriteList(m.Dropped, (x, d) => { WriteScoredGroup(x, d.Group); x.Write(d.PromptIndex); x.WriteEnum(d.Reason); });
                w.WriteList(m.SettingsChanges, WriteSettingsChanged);
            },
            r => new TrainBatch(r.ReadInt64(), r.ReadInt64(), r.ReadList(ReadScoredGroup), r.ReadInt64())
            {
                PromptIndexes = r.ReadList(x => x.ReadInt64()),
                Dropped = r.ReadList(x => new DroppedGroup(ReadScoredGroup(x), x.ReadInt64(), x.ReadEnum<DropReason>())),
                SettingsChanges = r.ReadList(ReadSettingsChanged),
            });
        GipoCodecs.Add<ChangeSettings>("cs1", (w, m) => { w.WriteString(m.RequestId); w.WriteList(m.Changes, WriteSettingChange); },
            r => new ChangeSettings(r.ReadString(), r.ReadList(ReadSettingChange)));
        GipoCodecs.Add<SettingsChangeAccepted>("sa1", (w, m) => WriteSettingsChanged(w, m.Change),
            r => new SettingsChangeAccepted(ReadSettingsChanged(r)));
        GipoCodecs.Add<SettingsChangeRefused>("sf1", (w, m) => { w.WriteString(m.RequestId); w.WriteString(m.Reason); },
            r => new SettingsChangeRefused(r.ReadString(), r.ReadString()));
        GipoCodecs.Add<NotEnoughGroups>("ne1", (w, m) => { w.Write(m.LearnerStep); w.WriteString(m.Reason); },
            r => new NotEnoughGroups(r.ReadInt64(), r.ReadString()));
        GipoCodecs.Add<StepCompleted>("sc1", (w, m) => { w.Write(m.LearnerStep); w.Write(m.PolicyVersion); },
            r => new StepCompleted(r.ReadInt64(), r.ReadInt64()));
        GipoCodecs.Add<CommitCheckpoint>("cc1",
            (w, m) => { w.Write(m.LearnerStep); w.Write(m.PolicyVersion); w.WriteString(m.Path); w.WriteString(m.Sha256); },
            r => new CommitCheckpoint(r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString()));
        GipoCodecs.Add<RollbackToCheckpoint>("rb1", (w, m) => w.Write(m.LearnerStep), r => new RollbackToCheckpoint(r.ReadInt64()));
        GipoCodecs.Add<GetStatus>("gs1", (_, _) => { }, _ => GetStatus.Instance);
        // rs2: rs1 plus the checkpoints a resume may roll back to.
        GipoCodecs.Add<RunStatus>("rs2",
            (w, m) => { w.WriteString(m.RunId); WriteLedgerStatus(w, m.Ledger); w.WriteList(m.Ledger.Checkpoints, WriteCheckpoint); },
            r => new RunStatus(r.ReadString(), ReadLedgerStatus(r)) is var m
                ? m with { Ledger = m.Ledger with { Checkpoints = r.ReadList(ReadCheckpoint) } }
                : null!);
        GipoCodecs.AddReader("rs1", r => new RunStatus(r.ReadString(), ReadLedgerStatus(r)));
        GipoCodecs.Add<CommandRejected>("cr1", (w, m) => { w.WriteString(m.Command); w.WriteString(m.Reason); },
            r => new CommandRejected(r.ReadString(), r.ReadString()));

        // ---- ledger events (journaled: never change a layout in place)
        GipoCodecs.Add<GroupIssued>("egi1",
            (w, e) =>
            {
                w.Write(e.GroupId); w.Write(e.Sequence); w.Write(e.PromptIndex); w.Write(e.Seed);
                w.Write(e.PolicyVersion); w.Write(e.SamplerVersion); w.WriteString(e.LeaseHolder); w.WriteUtc(e.DeadlineUtc);
            },
            r => new GroupIssued(
                r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadUInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadUtc()));
        GipoCodecs.Add<GroupGenerated>("egg1", (w, e) => { w.Write(e.GroupId); w.WriteString(e.Holder); w.WriteUtc(e.DeadlineUtc); },
            r => new GroupGenerated(r.ReadInt64(), r.ReadString(), r.ReadUtc()));
        GipoCodecs.Add<GroupScored>("egs1",
            (w, e) => { w.Write(e.GroupId); w.Write(e.MinVersion); w.Write(e.Informative); w.Write(e.Samples); w.Write(e.RewardMean); },
            r => new GroupScored(r.ReadInt64(), r.ReadInt64(), r.ReadBoolean(), r.ReadInt32(), r.ReadDouble()));
        GipoCodecs.Add<GroupConsumed>("egc1", (w, e) => { w.Write(e.GroupId); w.Write(e.LearnerStep); },
            r => new GroupConsumed(r.ReadInt64(), r.ReadInt64()));
        GipoCodecs.Add<GroupDropped>("egd1", (w, e) => { w.Write(e.GroupId); w.WriteEnum(e.Reason); },
            r => new GroupDropped(r.ReadInt64(), r.ReadEnum<DropReason>()));
        GipoCodecs.Add<LearnerStepCompleted>("els1", (w, e) => { w.Write(e.LearnerStep); w.Write(e.PolicyVersion); },
            r => new LearnerStepCompleted(r.ReadInt64(), r.ReadInt64()));
        GipoCodecs.Add<CheckpointCommitted>("eck1", WriteCheckpoint, ReadCheckpoint);
        GipoCodecs.Add<RolledBackToCheckpoint>("erb1", (w, e) => { w.Write(e.LearnerStep); w.Write(e.PolicyVersion); },
            r => new RolledBackToCheckpoint(r.ReadInt64(), r.ReadInt64()));
        GipoCodecs.Add<SettingsChanged>("esc1", WriteSettingsChanged, ReadSettingsChanged);

        // ---- snapshot
        // sld3: sld2 plus the checkpoints a resume may roll back to; sld2: sld1 plus the live settings changes. Older
        // snapshots (journals written before them) still load.
        GipoCodecs.Add<LedgerSnapshot>("sld3", (w, s) => { WriteSnapshot(w, s); w.WriteList(s.Checkpoints ?? [], WriteCheckpoint); },
            r => ReadSnapshot(r) with { SettingsChanges = r.ReadList(ReadSettingsChanged), Checkpoints = r.ReadList(ReadCheckpoint) });
        GipoCodecs.AddReader("sld2", r => ReadSnapshot(r) with { SettingsChanges = r.ReadList(ReadSettingsChanged) });
        GipoCodecs.AddReader("sld1", ReadSnapshot);
    }

    // ------------------------------------------------------------------------------------------------ rollouts

    private static void WriteScoredGroup(BinaryWriter w, ScoredGroup g)
    {
        w.Write(g.GroupId);
        w.WriteString(g.PromptId);
        w.WriteList(g.Members, WriteTrajectory);
        w.WriteList(g.Scores, WriteOutcomeScore);
        w.WriteNullableString(g.ReferenceAnswer);
    }

    private static ScoredGroup ReadScoredGroup(BinaryReader r) =>
        new(r.ReadInt64(), r.ReadString(), r.ReadList(ReadTrajectory), r.ReadList(ReadOutcomeScore), r.ReadNullableString());

    internal static void WriteTrajectory(BinaryWriter w, Trajectory t)
    {
        w.Write(t.TrajectoryId);
        w.Write(t.GroupId);
        w.WriteString(t.PromptId);
        w.Write(t.IndexInGroup);
        w.WriteBlock<int>(t.PromptTokens);
        w.WriteBlock<int>(t.ResponseTokens);
        w.WriteBlock<float>(t.BehaviourLogProbs);
        w.Write(t.BehaviourVersion);
        w.WriteEnum(t.Finish);
    }

    internal static Trajectory ReadTrajectory(BinaryReader r) =>
        new(r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadInt32(), r.ReadBlock<int>(), r.ReadBlock<int>(),
            r.ReadBlock<float>(), r.ReadInt64(), r.ReadEnum<FinishReason>());

    private static void WriteOutcomeScore(BinaryWriter w, OutcomeScore s)
    {
        w.Write(s.TrajectoryId);
        w.Write(s.Reward);
        w.Write(s.Success);
        w.WriteString(s.Reason);
    }

    private static OutcomeScore ReadOutcomeScore(BinaryReader r) => new(r.ReadInt64(), r.ReadDouble(), r.ReadBoolean(), r.ReadString());

    // ------------------------------------------------------------------------------------------------ ledger

    private static void WriteCheckpoint(BinaryWriter w, CheckpointCommitted c)
    {
        w.Write(c.LearnerStep);
        w.Write(c.PolicyVersion);
        w.WriteString(c.Path);
        w.WriteString(c.Sha256);
    }

    private static CheckpointCommitted ReadCheckpoint(BinaryReader r) => new(r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString());

    private static void WriteDrops(BinaryWriter w, DropCounts d)
    {
        w.Write(d.Stale);
        w.Write(d.Filtered);
        w.Write(d.LeaseExpiredReissued);
        w.Write(d.SamplerDiedReissued);
        w.Write(d.ResumedRollback);
    }

    private static DropCounts ReadDrops(BinaryReader r) => new(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());

    private static void WriteLedgerStatus(BinaryWriter w, LedgerStatus s)
    {
        w.Write(s.LearnerStep);
        w.Write(s.PolicyVersion);
        w.Write(s.TargetSteps);
        w.Write(s.Finished);
        w.Write(s.Groups.Issued);
        w.Write(s.Groups.Generated);
        w.Write(s.Groups.Scored);
        w.Write(s.Groups.Consumed);
        w.Write(s.Groups.Dropped);
        WriteDrops(w, s.Drops);
        w.Write(s.Cursor.Epoch);
        w.Write(s.Cursor.Index);
        w.Write(s.Cursor.NextSequence);
        w.Write(s.Requeued);
        w.Write(s.TotalIssued);
        w.Write(s.AdmissionCapacity);
        w.Write(s.SamplesConsumed);
        w.WriteOptional(s.LastCheckpoint, WriteCheckpoint);
    }

    private static LedgerStatus ReadLedgerStatus(BinaryReader r) => new(
        r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean(),
        new GroupCounts(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
        ReadDrops(r), new PromptCursor(r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
        r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadOptional(ReadCheckpoint));

    private static void WriteSlot(BinaryWriter w, PromptSlot s)
    {
        w.Write(s.Sequence);
        w.Write(s.PromptIndex);
        w.Write(s.Seed);
    }

    private static PromptSlot ReadSlot(BinaryReader r) => new(r.ReadInt64(), r.ReadInt64(), r.ReadUInt64());

    private static void WriteOutcome(BinaryWriter w, GroupOutcome o)
    {
        w.Write(o.MinVersion);
        w.Write(o.Informative);
        w.Write(o.Samples);
        w.Write(o.RewardMean);
    }

    private static GroupOutcome ReadOutcome(BinaryReader r) => new(r.ReadInt64(), r.ReadBoolean(), r.ReadInt32(), r.ReadDouble());

    private static void WriteEntry(BinaryWriter w, GroupEntry g)
    {
        w.Write(g.GroupId);
        WriteSlot(w, g.Slot);
        w.WriteEnum(g.State);
        w.Write(g.PolicyVersion);
        w.Write(g.SamplerVersion);
        w.WriteString(g.Holder);
        w.WriteUtc(g.DeadlineUtc);
        w.WriteOptional(g.Outcome, WriteOutcome);
        w.Write(g.ScoredOrdinal);
        w.Write(g.Step);
    }

    private static GroupEntry ReadEntry(BinaryReader r) => new(
        r.ReadInt64(), ReadSlot(r), r.ReadEnum<GroupState>(), r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadUtc(),
        r.ReadOptionalValue(ReadOutcome), r.ReadInt64(), r.ReadInt64());

    private static void WriteSnapshot(BinaryWriter w, LedgerSnapshot s)
    {
        w.Write(s.NextGroupId);
        w.Write(s.NextSequence);
        w.Write(s.NextScoredOrdinal);
        w.Write(s.LearnerStep);
        w.Write(s.PolicyVersion);
        w.Write(s.ConsumedCount);
        w.Write(s.ConsumedSamples);
        w.Write(s.FilteredSamples);
        WriteDrops(w, s.Drops);
        w.WriteOptional(s.LastCheckpoint, WriteCheckpoint);
        w.WriteList(s.Requeue, WriteSlot);
        w.WriteList(s.Active, WriteEntry);
        w.WriteList(s.RecentConsumed, WriteEntry);
        w.WriteList(s.RecentFiltered, WriteEntry);
        w.WriteList(s.SettingsChanges ?? [], WriteSettingsChanged);
    }

    private static void WriteSettingChange(BinaryWriter w, SettingChange c)
    {
        w.WriteString(c.Key);
        w.WriteString(c.Value);
    }

    private static SettingChange ReadSettingChange(BinaryReader r) => new(r.ReadString(), r.ReadString());

    private static void WriteSettingsChanged(BinaryWriter w, SettingsChanged e)
    {
        w.WriteString(e.RequestId);
        w.Write(e.EffectiveStep);
        w.WriteList(e.Changes, WriteSettingChange);
    }

    private static SettingsChanged ReadSettingsChanged(BinaryReader r) => new(r.ReadString(), r.ReadInt64(), r.ReadList(ReadSettingChange));

    // The sld1 layout, which sld2 extends.
    private static LedgerSnapshot ReadSnapshot(BinaryReader r) => new(
        r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
        ReadDrops(r), r.ReadOptional(ReadCheckpoint), r.ReadList(ReadSlot), r.ReadList(ReadEntry), r.ReadList(ReadEntry),
        r.ReadList(ReadEntry));
}
