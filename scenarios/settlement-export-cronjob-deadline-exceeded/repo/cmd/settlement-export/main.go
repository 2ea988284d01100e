package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/log"

	"corvid.internal/finance-batch/internal/export"
)

func main() {
	window := flag.Duration("window", time.Hour, "length of the settlement window to export")
	lag := flag.Duration("lag", 15*time.Minute, "how far behind now the window ends")
	flag.Parse()

	zerolog.TimeFieldFormat = time.RFC3339
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	end := time.Now().UTC().Add(-*lag).Truncate(time.Hour)
	start := end.Add(-*window)
	cfg := export.ConfigFromEnv()
	log.Info().Str("version", export.Version).Time("window_start", start).Time("window_end", end).
		Str("format", cfg.Format).Int("batch_size", cfg.BatchSize).Msg("settlement export starting")

	began := time.Now()
	rows, err := export.Run(ctx, cfg, start, end)
	if err != nil {
		// SIGTERM (for example the Job's deadline) lands here as context.Canceled.
		log.Error().Err(err).Int("rows", rows).Msg("settlement export failed")
		os.Exit(1)
	}
	log.Info().Int("rows", rows).Str("duration", time.Since(began).Round(time.Second).String()).
		Msg("settlement export finished")
}
