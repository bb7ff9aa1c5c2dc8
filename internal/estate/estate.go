// Package estate holds the managed properties of a tenant. The foundation
// knows only an estate's identity; buildings, units and people come with the
// estates module.
package estate

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Estate is a managed property (小区/项目) with its own management office.
type Estate struct {
	bun.BaseModel `bun:"table:estates"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	Name       string     `bun:"name,notnull" json:"name"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}
