// Copyright 2026 Fuzzy Labs
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

package main

import "strings"

// Zone groups destinations that cost the same to ship to.
type Zone int

const (
	// ZoneDomestic is the warehouse's own country.
	ZoneDomestic Zone = iota
	// ZoneNear covers countries one carrier hop away.
	ZoneNear
	// ZoneRest is everywhere else.
	ZoneRest
)

// The warehouse ships from the United States.
var nearCountries = map[string]bool{
	"canada": true,
	"mexico": true,
}

// zoneForCountry maps the free-text country of an address to its shipping zone. The checkout
// form sends whatever the shopper typed, so compare case-insensitively and accept common names.
func zoneForCountry(country string) Zone {
	c := strings.ToLower(strings.TrimSpace(country))
	switch {
	case c == "", c == "us", c == "usa", c == "united states", c == "united states of america":
		return ZoneDomestic
	case nearCountries[c]:
		return ZoneNear
	default:
		return ZoneRest
	}
}

// zoneMultiplier is how much more a parcel costs in each zone than domestically.
var zoneMultiplier = map[Zone]float64{
	ZoneDomestic: 1.0,
	ZoneNear:     1.6,
	ZoneRest:     2.4,
}
