using System.Text.RegularExpressions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using CsCheck;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

/// <summary>SPEC §2: strings that reach YAML are checked so no value can inject YAML structure.</summary>
public sealed partial class YamlInjectionTests
{
    /// <summary>A string setting: where it lives, a valid value, and settings (otherwise valid) carrying a value there.</summary>
    public sealed record StringField(string Name, string Pointer, string ValidValue, Func<string, CiliumSettings> Put)
    {
        public override string ToString() => Name;
    }

    private static readonly StringField[] Fields =
    [
        new("chartVersion", "/chartVersion", "1.18.2", v => Seed with { ChartVersion = v }),
        new("ipsecKeySecret", "/encryption/ipsecKeySecret", "cilium-ipsec-keys", v => IpsecSeed.WithEncryption(e => e with { IpsecKeySecret = v })),
        new("hostname", "/hubble/ui/hostname", "hubble.goldentooth.net", v => Seed.WithHubbleUi(u => u with { Hostname = v })),
        new("ipv4NativeRoutingCidr", "/routing/ipv4NativeRoutingCidr", "10.244.0.0/16", v => NativeSeed.WithRouting(r => r with { Ipv4NativeRoutingCidr = v })),
        new("peerName", "/bgp/peers/1/name", "router-v6", v => BgpSeed.WithPeer(1, p => p with { Name = v })),
        new("peerAddressV4", "/bgp/peers/0/address", "10.4.0.1", v => BgpSeed.WithPeer(0, p => p with { Address = v })),
        new("peerAddressV6", "/bgp/peers/1/address", "fd00:4::1", v => BgpSeed.WithPeer(1, p => p with { Address = v })),
    ];

    /// <summary>Text that would end a YAML scalar, start a comment, a flow collection, an alias, a tag or a block scalar.</summary>
    private static readonly Dictionary<string, string> StructuralPayloads = new()
    {
        ["newline-and-key"] = "\nevil: true",
        ["crlf-and-key"] = "\r\nevil: true",
        ["cr-and-key"] = "\revil: true",
        ["mapping-indicator"] = ": ",
        ["comment"] = "#",
        ["spaced-comment"] = " #x",
        ["double-quote"] = "\"",
        ["single-quote"] = "'",
        ["flow-mapping-start"] = "{",
        ["flow-mapping-end"] = "}",
        ["flow-sequence-start"] = "[",
        ["flow-sequence-end"] = "]",
        ["flow-separator"] = ",",
        ["anchor"] = "&anchor",
        ["alias"] = "*alias",
        ["tag"] = "!!str",
        ["literal-block"] = "|",
        ["folded-block"] = ">",
        ["directive"] = "%",
        ["reserved-at"] = "@",
        ["reserved-backtick"] = "`",
        ["complex-key"] = "? ",
        ["sequence-entry"] = "- ",
        ["space"] = " ",
        ["escaped-newline-text"] = "\\n",
    };

    /// <summary>Characters no format allows and that YAML may read as line breaks, or that hide what a value is.</summary>
    private static readonly Dictionary<string, string> UnrepresentablePayloads = new()
    {
        ["line-feed"] = "\n",
        ["carriage-return"] = "\r",
        ["tab"] = "\t",
        ["nul"] = "\0",
        ["bell"] = "\u0007",
        ["ansi-escape"] = "\u001b[2J",
        ["delete"] = "\u007f",
        ["next-line"] = "\u0085",
        ["line-separator"] = "\u2028",
        ["paragraph-separator"] = "\u2029",
        ["right-to-left-override"] = "\u202e",
        ["byte-order-mark"] = "\ufeff",
        ["zero-width-space"] = "\u200b",
        ["lone-surrogate"] = "\ud800",
    };

    // Payloads are passed by name: xunit would turn a lone surrogate in theory data into U+FFFD.
    private static string Payload(string name) =>
        StructuralPayloads.TryGetValue(name, out var structural) ? structural : UnrepresentablePayloads[name];

    public static TheoryData<string, string> FieldsWithStructuralPayloads() => Combine(StructuralPayloads.Keys.Concat(UnrepresentablePayloads.Keys));

    public static TheoryData<string, string> FieldsWithUnrepresentablePayloads() => Combine(UnrepresentablePayloads.Keys);

    public static TheoryData<string> FieldNames() => new(Fields.Select(f => f.Name));

    private static TheoryData<string, string> Combine(IEnumerable<string> payloadNames)
    {
        var data = new TheoryData<string, string>();
        foreach (var field in Fields)
            foreach (var payloadName in payloadNames)
                data.Add(field.Name, payloadName);
        return data;
    }

    private static StringField Field(string name) => Fields.Single(f => f.Name == name);

    private static ValidationResult ValidateWith(StringField field, string value) => SettingsValidator.Validate(Cluster(), field.Put(value));

    [Theory]
    [MemberData(nameof(FieldNames))]
    public void Each_string_field_accepts_its_valid_value(string fieldName)
    {
        var field = Field(fieldName);

        Assert.Empty(ValidateWith(field, field.ValidValue).Errors);
    }

    [Theory]
    [MemberData(nameof(FieldsWithStructuralPayloads))]
    public void A_value_with_YAML_structure_appended_is_refused_at_its_field(string fieldName, string payloadName)
    {
        var field = Field(fieldName);

        var errors = ValidateWith(field, field.ValidValue + Payload(payloadName)).Errors;

        Assert.Contains(errors, e => e.Pointer == field.Pointer);
    }

    [Theory]
    [MemberData(nameof(FieldsWithStructuralPayloads))]
    public void A_value_with_YAML_structure_prepended_is_refused_at_its_field(string fieldName, string payloadName)
    {
        var field = Field(fieldName);

        var errors = ValidateWith(field, Payload(payloadName) + field.ValidValue).Errors;

        Assert.Contains(errors, e => e.Pointer == field.Pointer);
    }

    [Theory]
    [MemberData(nameof(FieldsWithUnrepresentablePayloads))]
    public void A_control_character_or_line_break_is_reported_as_not_representable_besides_the_format_error(string fieldName, string payloadName)
    {
        var field = Field(fieldName);

        var atField = ValidateWith(field, field.ValidValue + Payload(payloadName)).Errors.Where(e => e.Pointer == field.Pointer).ToList();

        var generic = Assert.Single(atField, e => e.Code == "string-not-representable");
        Assert.Equal(IssueSeverity.Error, generic.Severity);
        Assert.Contains(atField, e => e.Code != "string-not-representable");
    }

    [Fact]
    public void The_not_representable_message_spells_out_the_character_instead_of_repeating_it()
    {
        var field = Field("hostname");

        var error = Assert.Single(ValidateWith(field, "hubble.goldentooth.net\nevil: true").Errors, e => e.Code == "string-not-representable");

        Assert.Contains("U+000A", error.Message);
        Assert.Contains("hubble.ui.hostname", error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void No_message_carries_the_injected_line_break_or_control_character()
    {
        var messages = Fields
            .SelectMany(f => ValidateWith(f, f.ValidValue + "\nevil: true\u0007\u2028").Errors)
            .Select(e => e.Message)
            .ToList();

        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.DoesNotMatch(UnsafeInMessage(), m));
    }

    [Fact]
    public void A_long_offending_value_is_cut_short_in_the_message()
    {
        var field = Field("hostname");

        var error = Assert.Single(ValidateWith(field, new string('x', 5000)).Errors);

        Assert.True(error.Message.Length < 1000, $"message is {error.Message.Length} characters long");
    }

    [Fact]
    public void Inserting_any_structural_character_anywhere_in_a_valid_value_is_refused()
    {
        (from field in Gen.OneOf(Fields)
         from position in Gen.Int[0, field.ValidValue.Length]
         from payload in Gen.OneOf(StructuralPayloads.Values.Concat(UnrepresentablePayloads.Values).ToArray())
         select (field, value: field.ValidValue.Insert(position, payload)))
        .Sample(t => ValidateWith(t.field, t.value).Errors.Any(e => e.Pointer == t.field.Pointer), iter: 2000);
    }

    [Fact]
    public void Every_value_accepted_for_a_string_field_is_free_of_YAML_structure()
    {
        // Mostly format characters, with YAML indicators, whitespace and controls mixed in.
        const string alphabet = "abz019.-:/AF_ #\"'{}[],&*!|>%@`\n\r\t\u0000\u0085\u2028";
        (from field in Gen.OneOf(Fields)
         from value in Gen.String[Gen.Char[alphabet], 0, 24]
         select (field, value))
        .Sample(t =>
        {
            var accepted = !ValidateWith(t.field, t.value).Errors.Any(e => e.Pointer == t.field.Pointer);
            return !accepted || YamlSafeValue().IsMatch(t.value);
        }, iter: 5000);
    }

    // Letters, digits and the separators of the formats ('.', '-', ':', '/'); no ": " since a space is not allowed.
    [GeneratedRegex(@"^[A-Za-z0-9.:/-]*$")]
    private static partial Regex YamlSafeValue();

    [GeneratedRegex(@"[\u0000-\u001f\u007f-\u009f\u2028\u2029]")]
    private static partial Regex UnsafeInMessage();
}
