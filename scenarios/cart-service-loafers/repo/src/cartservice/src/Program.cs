// Copyright 2018 Google LLC
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//      http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

using System;
using cartservice.cartstore;
using cartservice.interceptors;
using cartservice.services;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(options =>
{
    // UTC ISO timestamps so these lines can be lined up with the frontend's JSON logs.
    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    options.UseUtcTimestamp = true;
});

var redisAddr = builder.Configuration["REDIS_ADDR"];
if (string.IsNullOrEmpty(redisAddr))
{
    throw new InvalidOperationException("REDIS_ADDR environment variable is required");
}

var redisOptions = ConfigurationOptions.Parse(redisAddr);
redisOptions.AbortOnConnectFail = false;
var connectionString = builder.Configuration["REDIS_CONNECTION_STRING"];
if (!string.IsNullOrEmpty(connectionString))
{
    // The config map holds a redis:// URL; StackExchange.Redis wants the password on its own.
    redisOptions.Password = Uri.UnescapeDataString(new Uri(connectionString).UserInfo.TrimStart(':'));
}

builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisOptions));
builder.Services.AddStackExchangeRedisCache(options => options.ConfigurationOptions = redisOptions);
builder.Services.AddSingleton<ICartStore, RedisCartStore>();
builder.Services.AddGrpc(options => options.Interceptors.Add<ErrorInterceptor>());

var app = builder.Build();

app.Logger.LogInformation("Connecting to Redis at {RedisAddr} (password {PasswordState})",
    redisAddr, string.IsNullOrEmpty(redisOptions.Password) ? "not set" : "set");

app.MapGrpcService<CartService>();
app.MapGrpcService<HealthCheckService>();
app.MapGet("/", () => "Cart service: gRPC only, see protos/demo.proto");

app.Run();
