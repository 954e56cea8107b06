using System.Security.Cryptography;
using System.Text;
using Gipo.Model.Checkpoints;

namespace Gipo.Cli.Experiments;

/// <summary>The identity of a checkpoint folder: one SHA-256 over its files' names and contents.</summary>
public static class CheckpointDigest
{
    /// <summary>
    /// SHA-256 (lowercase hex) of the lines <c>name SHA-256(file)</c> of every file in <paramref name="directory"/>
    /// (sorted by name, subfolders included): equal folders have equal digests wherever they live.
    /// </summary>
    /// <exception cref="ArgumentException">The folder is not an HF-layout checkpoint.</exception>
    public static string Compute(string directory)
    {
        if (!Directory.Exists(directory)) throw new ArgumentException($"checkpoint '{directory}' does not exist");
        foreach (var required in new[] { HfCheckpoint.ConfigFile, HfCheckpoint.WeightsFile })
            if (!File.Exists(Path.Combine(directory, required)))
                throw new ArgumentException($"'{directory}' is not a checkpoint: it has no {required}");
        var lines = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(Path.Combine(directory, file));
            lines.Append(file).Append(' ').Append(Convert.ToHexStringLower(SHA256.HashData(stream))).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines.ToString())));
    }
}
