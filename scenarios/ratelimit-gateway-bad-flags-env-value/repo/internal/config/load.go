package config

import (
	"fmt"
	"os"
	"strconv"

	"go.uber.org/zap"
)

// Tier is the token bucket of one class of API keys.
type Tier struct {
	Name  string
	RPS   int
	Burst int
}

var tierNames = []string{"default", "partner", "internal"}

// LoadTiers reads <TIER>_RPS and <TIER>_BURST for every tier. A limit that does not parse stops the
// gateway: running with a guessed limit would either let abuse through or lock partners out.
func LoadTiers(log *zap.Logger) ([]Tier, error) {
	log.Info("loading limits from environment", zap.Strings("tiers", tierNames))
	tiers := make([]Tier, 0, len(tierNames))
	for _, name := range tierNames {
		rps, err := intVar(name, "RPS")
		if err != nil {
			return nil, fmt.Errorf("tier %s: %w", name, err)
		}
		burst, err := intVar(name, "BURST")
		if err != nil {
			return nil, fmt.Errorf("tier %s: %w", name, err)
		}
		tiers = append(tiers, Tier{Name: name, RPS: rps, Burst: burst})
	}
	return tiers, nil
}

func intVar(tier, field string) (int, error) {
	key := fmt.Sprintf("%s_%s", upper(tier), field)
	v, err := strconv.Atoi(os.Getenv(key))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return v, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
