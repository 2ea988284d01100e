// Package matrix asks geo-matrix for travel times between a courier and the stops left on a route.
package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type Client struct {
	BaseURL string
	HTTP    *http.Client
	Retries int
}

func New(baseURL string) *Client {
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Timeout: 2 * time.Second}, Retries: 1}
}

// Durations returns the driving time in seconds from origin to each destination, in order.
func (c *Client) Durations(ctx context.Context, origin Point, destinations []Point) ([]float64, error) {
	body, err := json.Marshal(map[string]any{"sources": []Point{origin}, "destinations": destinations})
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/v2/matrix", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.HTTP.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("geo-matrix answered %s", resp.Status)
		}
		var out struct {
			Durations [][]float64 `json:"durations"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return nil, fmt.Errorf("decode matrix: %w", err)
		}
		return out.Durations[0], nil
	}
	return nil, lastErr
}
