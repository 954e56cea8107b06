namespace Gipo.Core.Tasks;

/// <summary>A typed task instance that renders to a <see cref="Problem"/>.</summary>
public interface ITaskInstance
{
    /// <summary>The prompt text, e.g. <c>Q:ADD 4721 968\n</c>.</summary>
    string Prompt { get; }

    /// <summary>The expected final answer as written after <c>A:</c>.</summary>
    string Answer { get; }

    /// <summary>
    /// Canonical key that decides the split. Instances that are the same problem up to an inessential
    /// difference (e.g. operand order of an addition) share a key, so they always land in the same split.
    /// </summary>
    string SplitKey { get; }

    /// <summary>Structured fields for <see cref="Problem.Data"/>.</summary>
    IReadOnlyDictionary<string, string> Data { get; }
}
