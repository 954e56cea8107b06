namespace Gipo.Cluster.Configuration;

/// <summary>
/// A syntax check of HOCON text before Akka's parser sees it. Akka 1.5's parser accepts junk (an unclosed <c>{</c>,
/// an extra <c>}</c>, <c>{{{{</c>, an unterminated string), misreads <c>steps = = 5</c> as a key <c>5</c>, and spins
/// forever on <c>steps = [1, }</c>; this recursive-descent pass over the same grammar runs in linear time and refuses
/// such text with the line and column of the first problem. It only judges structure: what passes is then parsed by
/// Akka, whose values Gipo reads.
/// </summary>
/// <remarks>
/// Grammar (HOCON as Gipo uses it): the root is a braced object or an object body; a body is fields separated by
/// commas or newlines; a field is <c>include "file"</c>, or a key (unquoted or quoted parts, dotted) followed by
/// <c>=</c>, <c>:</c> or <c>+=</c> and a value, or by an object; a value is a same-line concatenation of strings,
/// unquoted text, substitutions <c>${path}</c>/<c>${?path}</c>, objects and arrays. Comments are <c>#</c> and
/// <c>//</c> to the end of the line.
/// </remarks>
public static class HoconSyntax
{
    /// <summary>
    /// Throws <see cref="HoconSyntaxException"/> naming <paramref name="source"/>, the line and the column of the first
    /// syntax error in <paramref name="text"/>; returns the <c>include</c> targets in order of appearance.
    /// </summary>
    public static IReadOnlyList<string> Check(string text, string source)
    {
        var checker = new Checker(text, source);
        checker.Root();
        return checker.Includes;
    }

    private enum Kind { Newline, Comma, OpenBrace, CloseBrace, OpenBracket, CloseBracket, Separator, Quoted, Unquoted, Substitution, End }

    private readonly record struct Token(Kind Kind, string Text, int Line, int Column, bool SpaceBefore);

    private sealed class Checker(string text, string source)
    {
        // Nesting deeper than this is refused instead of risking a stack overflow on '[[[[[…' input.
        private const int MaxDepth = 200;
        private int pos;
        private int line = 1;
        private int lineStart;
        private Token? peeked;

        public List<string> Includes { get; } = [];

        public void Root()
        {
            SkipNewlines();
            if (Peek().Kind == Kind.OpenBrace)
            {
                Object(0);
                SkipNewlines();
                var t = Peek();
                if (t.Kind != Kind.End) throw Error(t, $"unexpected {Describe(t)} after the closing '}}' of the root object");
                return;
            }
            Body(0, closer: null);
        }

        /// <summary>Fields up to <paramref name="closer"/>'s '}' (consumed by the caller) or the end of the text.</summary>
        private void Body(int depth, Token? closer)
        {
            while (true)
            {
                SkipNewlines();
                var t = Peek();
                if (t.Kind == Kind.End)
                {
                    if (closer is { } open) throw Error(open, "'{' is never closed (the text ends first)");
                    return;
                }
                if (t.Kind == Kind.CloseBrace)
                {
                    if (closer is null) throw Error(t, "unexpected '}' (no '{' is open here)");
                    return;
                }
                Field(depth);
                // After a field: a comma or a newline, or the end of this object.
                var next = Peek();
                if (next.Kind == Kind.Comma)
                {
                    Next();
                    SkipNewlines();
                    var after = Peek();
                    if (after.Kind == Kind.Comma) throw Error(after, "two commas in a row");
                    continue;
                }
                if (next.Kind is Kind.Newline or Kind.End or Kind.CloseBrace) continue;
                throw Error(next, $"expected a comma, a new line or '}}' after the value, found {Describe(next)}");
            }
        }

        private void Field(int depth)
        {
            var first = Peek();
            if (first.Kind == Kind.Unquoted && first.Text == "include")
            {
                Next();
                Include(first);
                return;
            }
            // The key: unquoted and quoted parts up to '=', ':', '+=' or '{'.
            var parts = 0;
            while (true)
            {
                var t = Peek();
                if (t.Kind is Kind.Unquoted or Kind.Quoted)
                {
                    Next();
                    if (t.Kind == Kind.Unquoted) CheckKeyText(t);
                    parts++;
                    continue;
                }
                if (parts == 0) throw Error(t, $"expected a key, found {Describe(t)}");
                if (t.Kind == Kind.Separator)
                {
                    Next();
                    Value(depth, t);
                    return;
                }
                if (t.Kind == Kind.OpenBrace)
                {
                    Object(depth);
                    return;
                }
                throw Error(t, $"expected '=', ':' or '{{' after the key, found {Describe(t)}");
            }
        }

        private void Include(Token keyword)
        {
            // include "file" | include file("f") | include required(file("f")): the argument ends at the line's end.
            var t = Peek();
            if (t.Kind == Kind.Quoted)
            {
                Next();
                Includes.Add(t.Text);
                return;
            }
            if (t.Kind == Kind.Unquoted
                && (t.Text.StartsWith("file(", StringComparison.Ordinal) || t.Text.StartsWith("required(", StringComparison.Ordinal)))
                throw Error(t, "only the form include \"file\" is supported");
            throw Error(t.Kind == Kind.End ? keyword : t, $"include needs a quoted file name, found {Describe(t)}");
        }

        private void Value(int depth, Token separator)
        {
            SkipNewlines();
            var parts = 0;
            while (true)
            {
                var t = Peek();
                switch (t.Kind)
                {
                    case Kind.Quoted or Kind.Unquoted or Kind.Substitution:
                        Next();
                        parts++;
                        continue;
                    case Kind.OpenBrace:
                        Object(depth);
                        parts++;
                        continue;
                    case Kind.OpenBracket:
                        Array(depth);
                        parts++;
                        continue;
                }
                if (parts == 0)
                    throw Error(t, t.Kind == Kind.Separator
                        ? $"'{t.Text}' where a value was expected (a second separator after '{separator.Text}')"
                        : $"expected a value after '{separator.Text}', found {Describe(t)}");
                return;
            }
        }

        private void Object(int depth)
        {
            var open = Next();
            if (depth + 1 > MaxDepth) throw Error(open, $"nested deeper than {MaxDepth} levels");
            Body(depth + 1, open);
            var close = Next();
            if (close.Kind != Kind.CloseBrace) throw Error(close, $"expected '}}', found {Describe(close)}");
        }

        private void Array(int depth)
        {
            var open = Next();
            if (depth + 1 > MaxDepth) throw Error(open, $"nested deeper than {MaxDepth} levels");
            while (true)
            {
                SkipNewlines();
                var t = Peek();
                if (t.Kind == Kind.CloseBracket)
                {
                    Next();
                    return;
                }
                if (t.Kind == Kind.End) throw Error(open, "'[' is never closed (the text ends first)");
                if (t.Kind is not (Kind.Quoted or Kind.Unquoted or Kind.Substitution or Kind.OpenBrace or Kind.OpenBracket))
                    throw Error(t, $"expected an array element or ']', found {Describe(t)}");
                var parts = 0;
                while (Peek().Kind is Kind.Quoted or Kind.Unquoted or Kind.Substitution or Kind.OpenBrace or Kind.OpenBracket)
                {
                    var part = Peek();
                    if (part.Kind == Kind.OpenBrace) Object(depth + 1);
                    else if (part.Kind == Kind.OpenBracket) Array(depth + 1);
                    else Next();
                    parts++;
                }
                var sep = Peek();
                if (sep.Kind == Kind.Comma)
                {
                    Next();
                    SkipNewlines();
                    if (Peek().Kind == Kind.Comma) throw Error(Peek(), "two commas in a row");
                    continue;
                }
                if (sep.Kind is Kind.Newline or Kind.CloseBracket) continue;
                if (sep.Kind == Kind.End) throw Error(open, "'[' is never closed (the text ends first)");
                throw Error(sep, $"expected a comma, a new line or ']' after an array element, found {Describe(sep)}");
            }
        }

        private void CheckKeyText(Token t)
        {
            if (t.Text.StartsWith('.') || t.Text.EndsWith('.') || t.Text.Contains("..", StringComparison.Ordinal))
                throw Error(t, $"key '{t.Text}' has an empty path element");
        }

        private void SkipNewlines()
        {
            while (Peek().Kind == Kind.Newline) Next();
        }

        private Token Peek() => peeked ??= Lex();

        private Token Next()
        {
            var t = Peek();
            peeked = null;
            return t;
        }

        private HoconSyntaxException Error(Token at, string message) => Error(at.Line, at.Column, message);

        private HoconSyntaxException Error(int atLine, int atColumn, string message) =>
            new($"{source}:{atLine}:{atColumn}: not valid HOCON: {message}", source, atLine, atColumn);

        private static string Describe(Token t) => t.Kind switch
        {
            Kind.End => "the end of the text",
            Kind.Newline => "a line break",
            Kind.Quoted => $"\"{t.Text}\"",
            Kind.Substitution => $"'${{{t.Text}}}'",
            _ => $"'{t.Text}'",
        };

        private Token Lex()
        {
            var space = false;
            while (pos < text.Length)
            {
                var c = text[pos];
                if (c is '\n')
                    break;
                if (c == '#' || (c == '/' && pos + 1 < text.Length && text[pos + 1] == '/'))
                {
                    while (pos < text.Length && text[pos] != '\n') pos++;
                    continue;
                }
                if (char.IsWhiteSpace(c) || c == '\uFEFF')
                {
                    pos++;
                    space = true;
                    continue;
                }
                break;
            }
            var (l, col) = (line, pos - lineStart + 1);
            if (pos >= text.Length) return new Token(Kind.End, "", l, col, space);
            var ch = text[pos];
            switch (ch)
            {
                case '\n':
                    pos++;
                    line++;
                    lineStart = pos;
                    return new Token(Kind.Newline, "\n", l, col, space);
                case ',': pos++; return new Token(Kind.Comma, ",", l, col, space);
                case '{': pos++; return new Token(Kind.OpenBrace, "{", l, col, space);
                case '}': pos++; return new Token(Kind.CloseBrace, "}", l, col, space);
                case '[': pos++; return new Token(Kind.OpenBracket, "[", l, col, space);
                case ']': pos++; return new Token(Kind.CloseBracket, "]", l, col, space);
                case '=' or ':': pos++; return new Token(Kind.Separator, ch.ToString(), l, col, space);
                case '+' when pos + 1 < text.Length && text[pos + 1] == '=':
                    pos += 2;
                    return new Token(Kind.Separator, "+=", l, col, space);
                case '"':
                    return Quoted(l, col, space);
                case '$':
                    return Substitution(l, col, space);
            }
            var start = pos;
            while (pos < text.Length && !EndsUnquoted(pos)) pos++;
            if (pos == start) throw Error(l, col, $"unexpected character '{ch}'");
            return new Token(Kind.Unquoted, text[start..pos], l, col, space);
        }

        private bool EndsUnquoted(int at)
        {
            var c = text[at];
            if (char.IsWhiteSpace(c) || c is '\uFEFF' or ',' or '{' or '}' or '[' or ']' or '=' or ':' or '"' or '#' or '$') return true;
            if (c == '/' && at + 1 < text.Length && text[at + 1] == '/') return true;
            return c == '+' && at + 1 < text.Length && text[at + 1] == '=';
        }

        private Token Quoted(int l, int col, bool space)
        {
            if (string.CompareOrdinal(text, pos, "\"\"\"", 0, 3) == 0)
            {
                var end = text.IndexOf("\"\"\"", pos + 3, StringComparison.Ordinal);
                if (end < 0) throw Error(l, col, "a \"\"\" string is never closed");
                var body = text[(pos + 3)..end];
                // Extra closing quotes belong to the string ("""a"""" is a" plus a quote).
                end += 3;
                while (end < text.Length && text[end] == '"') end++;
                for (var i = pos; i < end; i++)
                    if (text[i] == '\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }
                pos = end;
                return new Token(Kind.Quoted, body, l, col, space);
            }
            var sb = new System.Text.StringBuilder();
            pos++;
            while (true)
            {
                if (pos >= text.Length || text[pos] == '\n') throw Error(l, col, "string is never closed " +
                                                                                 "(a \" is missing before the end of the line)");
                var c = text[pos];
                if (c == '"')
                {
                    pos++;
                    return new Token(Kind.Quoted, sb.ToString(), l, col, space);
                }
                if (c == '\\')
                {
                    if (pos + 1 >= text.Length) throw Error(l, col, "string is never closed (it ends in a backslash)");
                    var e = text[pos + 1];
                    if (e == 'u')
                    {
                        if (pos + 6 > text.Length || !text.AsSpan(pos + 2, 4).ToString().All(Uri.IsHexDigit))
                            throw Error(line, pos - lineStart + 1, "\\u must be followed by four hex digits");
                        pos += 6;
                        continue;
                    }
                    if (e is not ('"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't'))
                        throw Error(line, pos - lineStart + 1, $"unknown escape '\\{e}' in a string (use \\\\ for a backslash)");
                    sb.Append(c).Append(e);
                    pos += 2;
                    continue;
                }
                sb.Append(c);
                pos++;
            }
        }

        private Token Substitution(int l, int col, bool space)
        {
            if (pos + 1 >= text.Length || text[pos + 1] != '{') throw Error(l, col, "'$' outside a string must start a substitution ${path}");
            var end = pos + 2;
            while (end < text.Length && text[end] != '}' && text[end] != '\n') end++;
            if (end >= text.Length || text[end] != '}') throw Error(l, col, "substitution '${' is never closed with '}' on its line");
            var path = text[(pos + 2)..end].TrimStart('?').Trim();
            if (path.Length == 0) throw Error(l, col, "empty substitution '${}'");
            pos = end + 1;
            return new Token(Kind.Substitution, path, l, col, space);
        }
    }
}
