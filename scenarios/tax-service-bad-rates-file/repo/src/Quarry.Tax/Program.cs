using Quarry.Tax.Api;
using Quarry.Tax.Rates;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();

using var loggerFactory = LoggerFactory.Create(b => b.AddConsole());
var log = loggerFactory.CreateLogger<TaxRateTable>();

var ratesPath = Path.Combine(AppContext.BaseDirectory, "data", "tax-rates.json");
log.LogInformation("Loading tax rates from {Path}", ratesPath);

// Fail fast: the pod must not become ready without a valid rate table.
var rates = TaxRateTable.Load(ratesPath);
log.LogInformation("Loaded {Count} regions (version {Version}, effective from {EffectiveFrom})",
    rates.Count, rates.Version, rates.EffectiveFrom);

builder.Services.AddSingleton(rates);
var app = builder.Build();
app.MapHealthChecks("/healthz/ready");
app.MapHealthChecks("/healthz/live");
app.MapQuoteEndpoints();
app.Run();
