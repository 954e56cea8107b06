namespace Gipo.Bench;

/// <summary>
/// Finds the repository's fixtures and presets (the default base checkpoint, <c>hocon/quickstart.conf</c>,
/// <c>bench/torch_baseline.py</c>) from wherever in the checkout a benchmark is started.
/// </summary>
internal static class WorkingFolder
{
    /// <summary>The file or folder <paramref name="relative"/> in the working folder or the nearest parent that has it.</summary>
    public static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path) || Directory.Exists(path)) return path;
        }
        return null;
    }
}
