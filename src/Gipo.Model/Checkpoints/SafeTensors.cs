using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Gipo.Model.Checkpoints;

/// <summary>
/// Reader and writer of the <c>safetensors</c> format: an 8-byte little-endian header length, a JSON header
/// (<c>dtype</c>, <c>shape</c>, <c>data_offsets</c> per tensor, optional <c>__metadata__</c>), then raw
/// little-endian data. Every structural problem is reported as <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> Dtypes = new()
    {
        ["F32"] = (ScalarType.Float32, 4), ["BF16"] = (ScalarType.BFloat16, 2), ["F16"] = (ScalarType.Float16, 2),
        ["F64"] = (ScalarType.Float64, 8), ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4),
        ["U8"] = (ScalarType.Byte, 1), ["BOOL"] = (ScalarType.Bool, 1),
    };

    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    public static IReadOnlyDictionary<string, SafeTensorEntry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path, out _);
    }

    private static Dictionary<string, SafeTensorEntry> ReadHeader(Stream stream, string path, out long dataStart)
    {
        var lengthBytes = new byte[8];
        if (stream.Length < 8 || stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{path}: truncated safetensors file ({stream.Length} bytes, no header)");
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > stream.Length)
            throw new InvalidDataException($"{path}: bad safetensors header length {headerLength} (file has {stream.Length} bytes)");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        dataStart = 8 + headerLength;
        var dataLength = stream.Length - dataStart;

        JsonObject root;
        try
        {
            root = JsonNode.Parse(header) as JsonObject ?? throw new InvalidDataException($"{path}: safetensors header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: safetensors header is not valid JSON ({e.Message})", e);
        }

        var entries = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__") continue;
            try
            {
                var dtype = node!["dtype"]!.GetValue<string>();
                var shape = node["shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
                if (!Dtypes.TryGetValue(dtype, out var info))
                    throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype '{dtype}'");
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw new InvalidDataException($"{path}: tensor '{name}' has bad data_offsets [{string.Join(", ", offsets)}]");
                if (offsets[1] > dataLength)
                    throw new InvalidDataException($"{path}: truncated: tensor '{name}' ends at byte {offsets[1]} of the data section, " +
                                                   $"which has {dataLength} bytes");
                var expected = shape.Aggregate(1L, (a, b) => a * b) * info.Size;
                if (shape.Any(d => d < 0) || expected != offsets[1] - offsets[0])
                    throw new InvalidDataException($"{path}: tensor '{name}' shape [{string.Join(", ", shape)}] × {dtype} needs {expected} bytes, " +
                                                   $"offsets give {offsets[1] - offsets[0]}");
                entries[name] = new SafeTensorEntry(name, dtype, shape, offsets[0], offsets[1]);
            }
            catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has a malformed header entry", e);
            }
        }
        return entries;
    }

    /// <summary>Loads every tensor (or those <paramref name="wanted"/> accepts) onto the CPU.</summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? wanted = null)
    {
        using var stream = File.OpenRead(path);
        var entries = ReadHeader(stream, path, out var dataStart);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in entries.Values.OrderBy(e => e.Begin))
        {
            if (wanted is not null && !wanted(e.Name)) continue;
            var bytes = new byte[e.End - e.Begin];
            stream.Position = dataStart + e.Begin;
            stream.ReadExactly(bytes);
            var t = empty(e.Shape, Dtypes[e.Dtype].Type);
            if (bytes.Length > 0) t.bytes = bytes;
            result[e.Name] = t;
        }
        return result;
    }

    /// <summary>
    /// Writes tensors (sorted by name, contiguous, CPU copies) with optional metadata, atomically:
    /// a temp file in the same folder is fsynced and renamed over <paramref name="path"/>.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        var meta = new JsonObject { ["format"] = "pt" };
        foreach (var (k, v) in metadata ?? new Dictionary<string, string>()) meta[k] = v;
        header["__metadata__"] = meta;
        long offset = 0;
        foreach (var (name, t) in items)
        {
            var code = Dtypes.First(d => d.Value.Type == t.dtype).Key;
            var size = t.numel() * Dtypes[code].Size;
            header[name] = new JsonObject
            {
                ["dtype"] = code,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8; // the format asks for 8-byte alignment of the data
        var headerBuffer = Enumerable.Repeat((byte)' ', padded).ToArray();
        headerBytes.CopyTo(headerBuffer, 0);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, padded);
            stream.Write(len);
            stream.Write(headerBuffer);
            foreach (var (_, t) in items)
            {
                // The scope holds the detached and CPU temporaries until written: an unreferenced temporary can be
                // finalized, freeing its native tensor, while the next native call still reads it (a SIGSEGV in
                // at::native::to, seen after hundreds of checkpoints).
                using var scope = NewDisposeScope();
                var cpu = t.detach().to(CPU).contiguous();
                stream.Write(cpu.bytes);
            }
        });
    }
}
