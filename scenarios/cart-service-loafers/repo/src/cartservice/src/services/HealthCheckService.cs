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

using System.Threading.Tasks;
using cartservice.cartstore;
using Grpc.Core;
using Grpc.Health.V1;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace cartservice.services
{
    /// <summary>grpc.health.v1 for the kubelet's grpc probes: healthy while Redis answers a ping.</summary>
    internal class HealthCheckService : Health.HealthBase
    {
        private readonly ICartStore _cartStore;

        public HealthCheckService(ICartStore cartStore)
        {
            _cartStore = cartStore;
        }

        public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
        {
            var status = _cartStore.Ping() ? ServingStatus.Serving : ServingStatus.NotServing;
            return Task.FromResult(new HealthCheckResponse { Status = status });
        }
    }
}
