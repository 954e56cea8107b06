namespace Gipo.Core.Datasets;

/// <summary>One message of a chat prompt, as a dataset row's <c>messages</c> array holds it.</summary>
/// <param name="Role"><c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">The message text.</param>
public sealed record ChatMessage(string Role, string Content);
