using System.Collections.Frozen;
using System.Text.Json;

namespace Quarry.Tax.Rates;

public sealed record RegionRate(string Code, string Name, decimal Standard, decimal? Reduced);

public sealed record TaxRateFile(string Version, DateOnly EffectiveFrom, string Source, List<RegionRate> Regions);

/// <summary>VAT rates per country, loaded once at start-up from the data file in the image.</summary>
public sealed class TaxRateTable
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private readonly FrozenDictionary<string, RegionRate> _byCode;

    public string Version { get; }

    public DateOnly EffectiveFrom { get; }

    public int Count => _byCode.Count;

    private TaxRateTable(TaxRateFile file)
    {
        Version = file.Version;
        EffectiveFrom = file.EffectiveFrom;
        _byCode = file.Regions.ToFrozenDictionary(r => r.Code, StringComparer.OrdinalIgnoreCase);
    }

    public RegionRate this[string countryCode] =>
        _byCode.TryGetValue(countryCode, out var rate)
            ? rate
            : throw new KeyNotFoundException($"no VAT rate for country '{countryCode}'");

    public static TaxRateTable Load(string path)
    {
        var json = File.ReadAllText(path);
        // A malformed file must stop the service: quoting with wrong rates is worse than not quoting.
        var file = JsonSerializer.Deserialize<TaxRateFile>(json, Options)
                   ?? throw new InvalidDataException($"{path} is empty");
        return new TaxRateTable(file);
    }
}
