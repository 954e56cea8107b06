using Gipo.Model.Native;
using TorchSharp;
namespace Gipo.Cli;
public static class Program { public static int Main() { var i = NativeTorch.EnsureLoaded(); Console.WriteLine(i); var t = torch.randn(3,3); Console.WriteLine((t.matmul(t)).sum().item<float>()); return 0; } }
