// Package manifest applies declarative tenant manifests (tenants/*.yaml):
// create or update a company, its estates with calendars, buildings and
// units, its staff and its work teams, idempotently, with a dry run that
// says what would change; and exports an existing tenant as a manifest.
package manifest

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Manifest describes one property company. docs/manifests.md documents it.
type Manifest struct {
	Company Company  `yaml:"company"`
	Estates []Estate `yaml:"estates,omitempty"`
	Staff   []Staff  `yaml:"staff,omitempty"`
}

// Company is the tenant itself.
type Company struct {
	Slug     string `yaml:"slug"`
	Name     string `yaml:"name,omitempty"`
	Plan     string `yaml:"plan,omitempty"`
	TimeZone string `yaml:"time_zone,omitempty"`
	Status   string `yaml:"status,omitempty"`
}

// Estate is a managed property, identified by its name within the company.
type Estate struct {
	Name        string `yaml:"name"`
	Address     string `yaml:"address,omitempty"`
	OfficePhone string `yaml:"office_phone,omitempty"`
	// BusinessHours maps mon…sun to periods "08:30-12:00"; absent means
	// Monday to Friday 08:30-12:00 and 13:30-17:30.
	BusinessHours map[string][]string `yaml:"business_hours,omitempty"`
	Holidays      []Day               `yaml:"holidays,omitempty"`
	Workdays      []Day               `yaml:"workdays,omitempty"`
	Buildings     []Building          `yaml:"buildings,omitempty"`
	// Import names a CSV or XLSX file of buildings, units and owners (the
	// bulk import's format), relative to the manifest; command line only.
	Import string `yaml:"import,omitempty"`
	Teams  []Team `yaml:"teams,omitempty"`
}

// Day is a holiday or a make-up working day.
type Day struct {
	Day  string `yaml:"day"`
	Name string `yaml:"name,omitempty"`
}

// Building is identified by name within its estate. Units lists regular
// ranges; Rooms lists units one by one.
type Building struct {
	Name   string      `yaml:"name"`
	Floors int         `yaml:"floors,omitempty"`
	Units  []UnitRange `yaml:"units,omitempty"`
	Rooms  []Room      `yaml:"rooms,omitempty"`
}

// UnitRange is floors "1-18" with per_floor units numbered floor×100+1…,
// in each entrance listed (or none).
type UnitRange struct {
	Floors    string   `yaml:"floors"`
	PerFloor  int      `yaml:"per_floor"`
	Entrances []string `yaml:"entrances,omitempty,flow"`
	Kind      string   `yaml:"kind,omitempty"`
	Area      string   `yaml:"area,omitempty"`
}

// Room is one unit.
type Room struct {
	Entrance string `yaml:"entrance,omitempty"`
	Floor    int    `yaml:"floor"`
	Number   string `yaml:"number"`
	Kind     string `yaml:"kind,omitempty"`
	Area     string `yaml:"area,omitempty"`
}

// Team is a work team of the estate; leader and members by email.
type Team struct {
	Kind    string   `yaml:"kind"`
	Name    string   `yaml:"name"`
	Leader  string   `yaml:"leader,omitempty"`
	Members []string `yaml:"members,omitempty,flow"`
}

// Staff is a person with roles and, for estate-scoped roles, estate names.
type Staff struct {
	Email   string   `yaml:"email"`
	Name    string   `yaml:"name,omitempty"`
	Roles   []string `yaml:"roles,flow"`
	Estates []string `yaml:"estates,omitempty,flow"`
}

// Parse reads a manifest strictly: an unknown key is an error, so a typo
// does not silently drop a setting.
func Parse(data []byte) (*Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	m := new(Manifest)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Company.Slug == "" {
		return nil, fmt.Errorf("manifest: company.slug is required")
	}
	seen := map[string]bool{}
	for i, e := range m.Estates {
		if e.Name == "" {
			return nil, fmt.Errorf("manifest: estates[%d].name is required", i)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("manifest: estate %q listed twice", e.Name)
		}
		seen[e.Name] = true
		buildings := map[string]bool{}
		for _, b := range e.Buildings {
			if b.Name == "" || buildings[b.Name] {
				return nil, fmt.Errorf("manifest: estate %q: building names must be given and unique", e.Name)
			}
			buildings[b.Name] = true
		}
		teams := map[string]bool{}
		for _, t := range e.Teams {
			if t.Name == "" || teams[t.Name] {
				return nil, fmt.Errorf("manifest: estate %q: team names must be given and unique", e.Name)
			}
			teams[t.Name] = true
		}
	}
	emails := map[string]bool{}
	for i, s := range m.Staff {
		if s.Email == "" || len(s.Roles) == 0 {
			return nil, fmt.Errorf("manifest: staff[%d] needs an email and at least one role", i)
		}
		if emails[s.Email] {
			return nil, fmt.Errorf("manifest: staff %q listed twice", s.Email)
		}
		emails[s.Email] = true
	}
	return m, nil
}

// Marshal writes a manifest as YAML.
func Marshal(m *Manifest) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
