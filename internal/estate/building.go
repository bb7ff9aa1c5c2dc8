package estate

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Building is a 楼栋 of an estate.
type Building struct {
	bun.BaseModel `bun:"table:buildings"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	Name       string     `bun:"name,notnull" json:"name"`
	Floors     int        `bun:"floors,notnull" json:"floors"`
	SortOrder  int        `bun:"sort_order,notnull" json:"sort_order"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}
