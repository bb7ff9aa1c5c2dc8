// Package manifest applies declarative tenant manifests (tenants/*.yaml):
// create or update a company, its estates and its staff, idempotently, with
// a dry run that says what would change.
package manifest

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Manifest describes one property company. docs/manifests.md documents it.
type Manifest struct {
	Company Company  `yaml:"company"`
	Estates []Estate `yaml:"estates"`
	Staff   []Staff  `yaml:"staff"`
}

// Company is the tenant itself.
type Company struct {
	Slug     string `yaml:"slug"`
	Name     string `yaml:"name"`
	Plan     string `yaml:"plan"`
	TimeZone string `yaml:"time_zone"`
	Status   string `yaml:"status"`
}

// Estate is a managed property, identified by its name within the company.
type Estate struct {
	Name string `yaml:"name"`
}

// Staff is a person with roles and, for estate-scoped roles, estate names.
type Staff struct {
	Email   string   `yaml:"email"`
	Name    string   `yaml:"name"`
	Roles   []string `yaml:"roles"`
	Estates []string `yaml:"estates"`
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
