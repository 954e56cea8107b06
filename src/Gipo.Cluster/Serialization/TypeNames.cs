namespace Gipo.Cluster.Serialization;

internal static class TypeNames
{
    /// <summary>"Namespace.Type, Assembly": what HOCON bindings expect, without a version that would change every build.</summary>
    public static string AssemblyQualifiedNameWithoutVersion(this Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
