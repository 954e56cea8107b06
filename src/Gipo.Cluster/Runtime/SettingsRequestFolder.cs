using System.Text.Json;
using System.Text.Json.Serialization;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// The mailbox between <c>gipo set</c> and a running run: <c>runs/&lt;id&gt;/settings-requests/</c>. The command writes
/// <c>&lt;request&gt;.request.json</c> (temp file + atomic rename); the coordinator node's <see cref="SettingsInbox"/>
/// claims it by renaming it to <c>.claimed.json</c>, has the coordinator journal (or refuse) it, writes
/// <c>.reply.json</c> and deletes the claim; the command reads the reply and deletes it. A request nobody claimed in
/// time is withdrawn by renaming it away, so a change is never journaled after its requester gave up and said so.
/// Renames are atomic, so at most one of the requester and any number of inboxes wins each file.
/// </summary>
public sealed class SettingsRequestFolder(string root)
{
    private const string RequestSuffix = ".request.json";
    private const string ClaimedSuffix = ".claimed.json";
    private const string ReplySuffix = ".reply.json";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The folder of <paramref name="folder"/>'s requests.</summary>
    public static SettingsRequestFolder Of(RunFolder folder) => new(Path.Combine(folder.Root, "settings-requests"));

    /// <summary>The folder.</summary>
    public string Root { get; } = root;

    /// <summary>Writes a request (atomically): the folder is created on first use.</summary>
    public void Submit(SettingsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Directory.CreateDirectory(Root);
        AtomicFile.WriteText(PathOf(request.RequestId, RequestSuffix), JsonSerializer.Serialize(request, Json));
    }

    /// <summary>Takes back a request nobody claimed yet; false when an inbox claimed it first (or it never existed).</summary>
    public bool TryWithdraw(string requestId)
    {
        var withdrawn = PathOf(requestId, ".withdrawn");
        try
        {
            File.Move(PathOf(requestId, RequestSuffix), withdrawn);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        File.Delete(withdrawn);
        DeleteFolderIfEmpty();
        return true;
    }

    /// <summary>Claims every waiting request (renaming it); returns the ids claimed now and those claimed before but never answered.</summary>
    public IReadOnlyList<string> ClaimAll()
    {
        if (!Directory.Exists(Root)) return [];
        foreach (var request in Directory.EnumerateFiles(Root, "*" + RequestSuffix))
        {
            var id = Path.GetFileName(request)[..^RequestSuffix.Length];
            try
            {
                File.Move(request, PathOf(id, ClaimedSuffix));
            }
            catch (IOException)
            {
                // Withdrawn or claimed by another inbox in the meantime.
            }
        }
        return [.. Directory.EnumerateFiles(Root, "*" + ClaimedSuffix).Select(f => Path.GetFileName(f)[..^ClaimedSuffix.Length])
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>A claimed request; a malformed one is an <see cref="InvalidDataException"/> naming the file.</summary>
    public SettingsRequest ReadClaimed(string requestId)
    {
        var path = PathOf(requestId, ClaimedSuffix);
        try
        {
            var request = JsonSerializer.Deserialize<SettingsRequest>(File.ReadAllText(path), Json);
            if (request is null || request.RequestId != requestId || request.Changes is null)
                throw new InvalidDataException($"{path}: not a settings request of id {requestId}");
            return request;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed settings request: {e.Message}", e);
        }
    }

    /// <summary>Answers a claimed request: the reply is written (atomically), then the claim deleted.</summary>
    public void Answer(SettingsReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        AtomicFile.WriteText(PathOf(reply.RequestId, ReplySuffix), JsonSerializer.Serialize(reply, Json));
        File.Delete(PathOf(reply.RequestId, ClaimedSuffix));
    }

    /// <summary>The reply to <paramref name="requestId"/>, removed from the folder; null while there is none.</summary>
    public SettingsReply? TakeReply(string requestId)
    {
        var path = PathOf(requestId, ReplySuffix);
        if (!File.Exists(path)) return null;
        var reply = JsonSerializer.Deserialize<SettingsReply>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty settings reply");
        File.Delete(path);
        DeleteFolderIfEmpty();
        return reply;
    }

    /// <summary>Whether <paramref name="requestId"/> is claimed and not answered yet.</summary>
    public bool IsClaimed(string requestId) => File.Exists(PathOf(requestId, ClaimedSuffix));

    private string PathOf(string requestId, string suffix)
    {
        if (string.IsNullOrEmpty(requestId) || requestId.IndexOfAny(['/', '\\', '.']) >= 0 || requestId.Length > 64)
            throw new ArgumentException($"'{requestId}' is not a settings request id");
        return Path.Combine(Root, requestId + suffix);
    }

    // The mailbox leaves nothing behind once every request is answered and read.
    private void DeleteFolderIfEmpty()
    {
        try
        {
            if (Directory.Exists(Root) && !Directory.EnumerateFileSystemEntries(Root).Any()) Directory.Delete(Root);
        }
        catch (IOException)
        {
            // A new request arrived in between: the folder stays.
        }
    }
}
