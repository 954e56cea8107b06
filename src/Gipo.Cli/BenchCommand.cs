namespace Gipo.Cli; internal static class BenchCommand { public static System.CommandLine.Command Create() => new("bench", "Benchmarks."); }
