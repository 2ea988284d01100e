// Copyright 2025 Fuzzy Labs
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
using System.Threading.Tasks;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace cartservice.interceptors
{
    /// <summary>
    /// Logs any exception a handler lets escape, with its stack trace, and turns it into the
    /// FailedPrecondition status the frontend already knows how to report. Without it gRPC answers
    /// "Unknown" and the stack trace is lost unless detailed errors are switched on.
    /// </summary>
    public class ErrorInterceptor : Interceptor
    {
        private readonly ILogger<ErrorInterceptor> _logger;

        public ErrorInterceptor(ILogger<ErrorInterceptor> logger)
        {
            _logger = logger;
        }

        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            try
            {
                return await continuation(request, context);
            }
            catch (Exception ex) when (ex is not RpcException)
            {
                var status = new Status(StatusCode.FailedPrecondition, $"Can't access cart storage. {ex.Message}");
                _logger.LogError(ex, "Unhandled exception in {Method}; returning {Status}", context.Method, status);
                throw new RpcException(status);
            }
        }
    }
}
