using System.Reflection;
using System.Reflection.Emit;
using System.Text;
using TorchSharp;

namespace Gipo.Model.Tests;

/// <summary>
/// Reads TorchSharp's own IL to find every public member that makes a <see cref="Scalar"/> through an implicit
/// conversion the caller never sees (e.g. <c>Tensor.add(Tensor)</c> calls <c>add(target, 1)</c>): such a Scalar is
/// unreachable while the native call still reads it, so a finalizer can free it mid-call ("Unknown scalar type").
/// The test beside it checks that src/BannedSymbols.txt bans each of them, so an upgrade cannot leave the list stale.
/// </summary>
internal static class ImplicitScalarScan
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Every implicit conversion operator declared on <see cref="Scalar"/>.</summary>
    public static IReadOnlyList<MethodInfo> ImplicitConversions() =>
        typeof(Scalar).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "op_Implicit").ToList();

    /// <summary>
    /// Public TorchSharp methods and constructors whose body converts to <see cref="Scalar"/> implicitly, directly or
    /// through other TorchSharp code they call (a fixed point over the static call graph inside the assembly).
    /// </summary>
    public static IReadOnlyList<MethodBase> HidingMembers()
    {
        var assembly = typeof(Scalar).Assembly;
        var implicitOps = ImplicitConversions().ToHashSet<MethodBase>();
        var callees = new Dictionary<MethodBase, List<MethodBase>>();
        const BindingFlags all =
            BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in SafeTypes(assembly))
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
                callees[method] = Callees(method);
        }

        var hazardous = new HashSet<MethodBase>(implicitOps);
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (method, calls) in callees)
            {
                if (!hazardous.Contains(method) && calls.Any(hazardous.Contains))
                    changed = hazardous.Add(method) || changed;
            }
        }

        return hazardous.Where(m => !implicitOps.Contains(m) && IsVisible(m)).OrderBy(DocumentationId, StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<Type> SafeTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.OfType<Type>(); }
    }

    private static bool IsVisible(MethodBase method)
    {
        if (!(method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly))
            return false;
        for (var type = method.DeclaringType; type is not null; type = type.DeclaringType)
        {
            if (!(type.IsPublic || type.IsNestedPublic || type.IsNestedFamily || type.IsNestedFamORAssem))
                return false;
        }
        return true;
    }

    /// <summary>Methods called (call, callvirt, newobj, ldftn) by a method's IL, generic ones as their definitions.</summary>
    private static List<MethodBase> Callees(MethodBase method)
    {
        var result = new List<MethodBase>();
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or BadImageFormatException) { return result; }
        if (il is null)
            return result;
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            if (!OpCodesByValue.TryGetValue(value, out var op))
                throw new InvalidDataException($"{method.DeclaringType}.{method.Name}: unknown IL opcode 0x{value:X}");
            if (op.OperandType == OperandType.InlineMethod)
            {
                try
                {
                    var callee = module.ResolveMethod(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    if (callee is not null && callee.Module == module)
                        result.Add(Definition(callee));
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException) { }
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
        return result;
    }

    private static MethodBase Definition(MethodBase method)
    {
        if (method is MethodInfo { IsGenericMethod: true } generic && !generic.IsGenericMethodDefinition)
            method = generic.GetGenericMethodDefinition();
        if (method.DeclaringType is { IsGenericType: true, IsGenericTypeDefinition: false } declaring)
        {
            var definition = declaring.GetGenericTypeDefinition();
            method = MethodBase.GetMethodFromHandle(method.MethodHandle, definition.TypeHandle) ?? method;
        }
        return method;
    }

    /// <summary>
    /// The member's documentation-comment ID, the form BannedSymbols.txt uses (M:Ns.Type.Name(Ns.Param)~Return).
    /// </summary>
    public static string DocumentationId(MethodBase method)
    {
        // The analyzer matches a property by its own ID, not its accessors'.
        var property = method.IsSpecialName && method.DeclaringType is { } owner
            ? owner.GetProperties(
                    BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .FirstOrDefault(p => p.GetMethod == method || p.SetMethod == method)
            : null;
        if (property is not null)
        {
            var index = property.GetIndexParameters();
            return "P:" + TypeId(property.DeclaringType!, topLevel: true) + "." + property.Name
                + (index.Length > 0 ? "(" + string.Join(",", index.Select(p => TypeId(p.ParameterType, topLevel: false))) + ")" : "");
        }
        var name = method.IsConstructor ? (method.IsStatic ? "#cctor" : "#ctor") : method.Name.Replace('.', '#');
        var sb = new StringBuilder("M:").Append(TypeId(method.DeclaringType!, topLevel: true)).Append('.').Append(name);
        if (method.IsGenericMethod)
            sb.Append("``").Append(method.GetGenericArguments().Length);
        var parameters = method.GetParameters();
        if (parameters.Length > 0)
            sb.Append('(').AppendJoin(',', parameters.Select(p => TypeId(p.ParameterType, topLevel: false))).Append(')');
        if (method is MethodInfo info && method.Name is "op_Implicit" or "op_Explicit")
            sb.Append('~').Append(TypeId(info.ReturnType, topLevel: false));
        return sb.ToString();
    }

    private static string TypeId(Type type, bool topLevel)
    {
        if (type.IsByRef)
            return TypeId(type.GetElementType()!, topLevel) + "@";
        if (type.IsPointer)
            return TypeId(type.GetElementType()!, topLevel) + "*";
        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            return TypeId(type.GetElementType()!, topLevel) + (rank == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", rank)) + "]");
        }
        if (type.IsGenericParameter)
            return (type.DeclaringMethod is not null ? "``" : "`") + type.GenericParameterPosition;
        var outer = type.DeclaringType is { } declaring && !type.IsGenericParameter
            ? TypeId(declaring.IsGenericType && !topLevel ? declaring.GetGenericTypeDefinition() : declaring, topLevel: true) + "."
            : (string.IsNullOrEmpty(type.Namespace) ? "" : type.Namespace + ".");
        var simple = type.Name;
        var tick = simple.IndexOf('`');
        if (tick >= 0)
            simple = simple[..tick];
        if (!type.IsGenericType)
            return outer + simple;
        var own = type.GetGenericArguments().Skip(type.DeclaringType?.GetGenericArguments().Length ?? 0).ToArray();
        if (topLevel || type.IsGenericTypeDefinition && type.ContainsGenericParameters
            && own.All(a => a.IsGenericParameter && a.DeclaringType == type))
            return outer + simple + (topLevel && own.Length > 0 ? "`" + own.Length : "");
        return own.Length == 0 ? outer + simple : outer + simple + "{" + string.Join(",", own.Select(a => TypeId(a, topLevel: false))) + "}";
    }
}
