using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Serialization;

internal static class TypeNames
{
    /// <summary>"Namespace.Type, Assembly": what HOCON bindings expect, without a version that would change every build.</summary>
    public static string AssemblyQualifiedNameWithoutVersion(this Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
