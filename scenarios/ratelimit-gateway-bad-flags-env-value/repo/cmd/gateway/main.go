// Command gateway is the rate-limiting reverse proxy in front of the public API.
//
// Every request is keyed by the API key header (KEY_HEADER) and charged against the token bucket
// of the key's tier. Buckets live in Redis so that all replicas share them; when Redis is
// unreachable the gateway fails open for at most FAIL_OPEN_SECONDS and says so in its metrics.
//
// Configuration is read once at start-up from the environment (see internal/config). A value
// that does not parse stops the process with a fatal log line naming the variable, so that a bad
// rollout never becomes ready and the previous ReplicaSet keeps serving.
package main

import (
	"net/http"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/acme-edge/ratelimit-gateway/internal/config"
	"github.com/acme-edge/ratelimit-gateway/internal/limiter"
)

// Set at build time: go build -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = "none"
)

// shutdownGrace is how long in-flight requests get after SIGTERM.
const shutdownGrace = 10 * time.Second

func main() {
	log, _ := zap.NewProduction()
	defer log.Sync()

	// The build stamps version and commit with -ldflags; "dev" means a local build.
	if version == "dev" {
		log.Warn("running a development build")
	}

	// Limits first: nothing else is worth starting if they are wrong.
	log.Info("starting ratelimit-gateway", zap.String("version", version), zap.String("commit", commit))
	tiers, err := config.LoadTiers(log)
	if err != nil {
		log.Fatal("invalid configuration", zap.Error(err))
	}

	h := limiter.NewHandler(tiers, os.Getenv("REDIS_ADDR"), os.Getenv("KEY_HEADER"), log)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("/readyz", h.Ready)
	mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	log.Fatal("server stopped", zap.Error(http.ListenAndServe(":8080", mux)))
}
