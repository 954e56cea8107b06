namespace Gipo.Model.Native;

/// <summary>The natives could not be loaded; the message carries the cause and the fix.</summary>
public sealed class NativeTorchException(string cause, string fix) : Exception($"{cause}\n  Fix: {fix}")
{
    public string Cause { get; } = cause;
    public string Fix { get; } = fix;
}
