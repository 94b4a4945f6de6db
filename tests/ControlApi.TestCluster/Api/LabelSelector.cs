namespace ControlApi.TestCluster.Api;

/// <summary>
/// A parsed <c>labelSelector</c> query: comma-separated requirements that must all hold —
/// <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x,y)</c>, <c>a</c> (exists),
/// <c>!a</c> (does not exist). As on the real server, <c>a!=b</c> and <c>notin</c> also match
/// objects without the label.
/// </summary>
public sealed class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEverything => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        _requirements.All(requirement => requirement.Matches(labels));

    /// <exception cref="ApiException">400 with the parse error, as the real server answers.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<Requirement>();
        var scanner = new Scanner(text);
        while (true)
        {
            scanner.SkipSpaces();
            requirements.Add(ParseRequirement(scanner, text));
            scanner.SkipSpaces();
            if (scanner.AtEnd) break;
            if (!scanner.TryTake(',')) throw Invalid(text, "expected ','");
        }
        return new LabelSelector(requirements);
    }

    private static Requirement ParseRequirement(Scanner scanner, string text)
    {
        if (scanner.TryTake('!'))
        {
            scanner.SkipSpaces();
            return new Requirement(ReadKey(scanner, text), Operator.DoesNotExist, []);
        }

        var key = ReadKey(scanner, text);
        scanner.SkipSpaces();
        if (scanner.AtEnd || scanner.Peek == ',') return new Requirement(key, Operator.Exists, []);
        if (scanner.TryTake("==") || scanner.TryTake('='))
            return new Requirement(key, Operator.Equals, [ReadValue(scanner)]);
        if (scanner.TryTake("!="))
            return new Requirement(key, Operator.NotEquals, [ReadValue(scanner)]);
        if (scanner.TryTakeWord("notin"))
            return new Requirement(key, Operator.NotIn, ReadSet(scanner, text));
        if (scanner.TryTakeWord("in"))
            return new Requirement(key, Operator.In, ReadSet(scanner, text));
        throw Invalid(text, $"unexpected text after key '{key}'");
    }

    private static string ReadKey(Scanner scanner, string text)
    {
        var key = scanner.ReadWhile(IsKeyChar);
        if (key.Length == 0) throw Invalid(text, "expected a label key");
        return key;
    }

    private static string ReadValue(Scanner scanner)
    {
        scanner.SkipSpaces();
        return scanner.ReadWhile(IsValueChar);
    }

    private static string[] ReadSet(Scanner scanner, string text)
    {
        scanner.SkipSpaces();
        if (!scanner.TryTake('(')) throw Invalid(text, "expected '(' after set operator");
        var values = new List<string>();
        while (true)
        {
            scanner.SkipSpaces();
            values.Add(scanner.ReadWhile(IsValueChar));
            scanner.SkipSpaces();
            if (scanner.TryTake(')')) break;
            if (!scanner.TryTake(',')) throw Invalid(text, "expected ',' or ')' in value set");
        }
        return [.. values];
    }

    private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/';

    private static bool IsValueChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static ApiException Invalid(string text, string problem) =>
        new(ApiStatus.BadRequest($"unable to parse requirement: found '{text}', {problem}"));

    private enum Operator { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                Operator.Equals or Operator.In => has && Values.Contains(value!),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value!),
                _ => false,
            };
        }
    }

    private sealed class Scanner(string text)
    {
        private int _position;

        public bool AtEnd => _position >= text.Length;

        public char Peek => text[_position];

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(Peek)) _position++;
        }

        public bool TryTake(char c)
        {
            if (AtEnd || Peek != c) return false;
            _position++;
            return true;
        }

        public bool TryTake(string s)
        {
            if (string.CompareOrdinal(text, _position, s, 0, s.Length) != 0) return false;
            _position += s.Length;
            return true;
        }

        /// <summary>A keyword must stand alone: <c>in</c> must not eat the start of <c>inside</c>.</summary>
        public bool TryTakeWord(string word)
        {
            var end = _position + word.Length;
            if (string.CompareOrdinal(text, _position, word, 0, word.Length) != 0) return false;
            if (end < text.Length && !(char.IsWhiteSpace(text[end]) || text[end] == '(')) return false;
            _position = end;
            return true;
        }

        public string ReadWhile(Func<char, bool> accept)
        {
            var start = _position;
            while (!AtEnd && accept(Peek)) _position++;
            return text[start.._position];
        }
    }
}
