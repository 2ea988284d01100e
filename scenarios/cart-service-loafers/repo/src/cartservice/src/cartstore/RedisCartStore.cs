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
using System.Linq;
using System.Threading.Tasks;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace cartservice.cartstore
{
    /// <summary>
    /// Keeps each user's cart in Redis under the user id, as a serialised Hipstershop.Cart.
    /// Reads and writes go through IDistributedCache; the raw multiplexer is only used for Ping.
    /// </summary>
    public class RedisCartStore : ICartStore
    {
        // Abandoned carts expire a day after their last change instead of living forever.
        private static readonly DistributedCacheEntryOptions CartEntryOptions = new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromHours(24)
        };

        private const int MaxQuantityPerItem = 100;
        private const string LoafersProductId = "L9ECAV7KIM";

        private readonly IDistributedCache _cache;
        private readonly IConnectionMultiplexer _redis;
        private readonly ILogger<RedisCartStore> _logger;

        public RedisCartStore(IDistributedCache cache, IConnectionMultiplexer redis, ILogger<RedisCartStore> logger)
        {
            _cache = cache;
            _redis = redis;
            _logger = logger;
        }

        public async Task AddItemAsync(string userId, string productId, int quantity)
        {
            _logger.LogInformation("AddItemAsync called with userId={UserId}, productId={ProductId}, quantity={Quantity}",
                userId, productId, quantity);

            if (quantity < 1 || quantity > MaxQuantityPerItem)
            {
                throw new ArgumentOutOfRangeException(nameof(quantity), quantity,
                    $"Quantity must be between 1 and {MaxQuantityPerItem}");
            }
            if (productId == LoafersProductId)
            {
                throw new InvalidOperationException($"Invalid product id {productId}: loafers are not supported");
            }

            try
            {
                Hipstershop.Cart cart;
                var value = await _cache.GetAsync(userId);
                if (value == null)
                {
                    cart = new Hipstershop.Cart { UserId = userId };
                    cart.Items.Add(new Hipstershop.CartItem { ProductId = productId, Quantity = quantity });
                }
                else
                {
                    cart = Hipstershop.Cart.Parser.ParseFrom(value);
                    var existing = cart.Items.SingleOrDefault(item => item.ProductId == productId);
                    if (existing == null)
                    {
                        cart.Items.Add(new Hipstershop.CartItem { ProductId = productId, Quantity = quantity });
                    }
                    else
                    {
                        existing.Quantity += quantity;
                    }
                }

                await _cache.SetAsync(userId, cart.ToByteArray(), CartEntryOptions);
            }
            catch (RedisException ex)
            {
                _logger.LogError(ex, "Redis write failed for userId={UserId}", userId);
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Can't access cart storage. {ex.Message}"));
            }
        }

        public async Task EmptyCartAsync(string userId)
        {
            _logger.LogInformation("EmptyCartAsync called with userId={UserId}", userId);

            try
            {
                // An empty cart is stored rather than deleted so the sliding expiry keeps working.
                var cart = new Hipstershop.Cart { UserId = userId };
                await _cache.SetAsync(userId, cart.ToByteArray(), CartEntryOptions);
            }
            catch (RedisException ex)
            {
                _logger.LogError(ex, "Redis write failed for userId={UserId}", userId);
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Can't access cart storage. {ex.Message}"));
            }
        }

        public async Task<Hipstershop.Cart> GetCartAsync(string userId)
        {
            _logger.LogInformation("GetCartAsync called with userId={UserId}", userId);

            try
            {
                var value = await _cache.GetAsync(userId);
                if (value == null)
                {
                    // Unknown users simply have an empty cart.
                    return new Hipstershop.Cart { UserId = userId };
                }

                return Hipstershop.Cart.Parser.ParseFrom(value);
            }
            catch (RedisException ex)
            {
                _logger.LogError(ex, "Redis read failed for userId={UserId}", userId);
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Can't access cart storage. {ex.Message}"));
            }
        }

        public bool Ping()
        {
            try
            {
                var database = _redis.GetDatabase();
                var latency = database.Ping();
                if (latency > TimeSpan.FromSeconds(1))
                {
                    _logger.LogWarning("Redis ping took {LatencyMs} ms", latency.TotalMilliseconds);
                }
                return _redis.IsConnected;
            }
            catch (RedisException ex)
            {
                _logger.LogWarning(ex, "Redis ping failed");
                return false;
            }
        }
    }
}
