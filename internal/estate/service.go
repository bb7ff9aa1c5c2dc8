package estate

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Scope is the set of estates a staff member may see: company-wide roles
// see all, office heads, clerks, team leaders and workers only theirs.
type Scope struct {
	All       bool
	EstateIDs []uuid.UUID
}

// Allows reports whether the scope covers estateID.
func (s Scope) Allows(estateID uuid.UUID) bool {
	return s.All || slices.Contains(s.EstateIDs, estateID)
}

// Within keeps the estates of ids that the scope covers, in their order.
func (s Scope) Within(ids []uuid.UUID) []uuid.UUID {
	if s.All {
		return ids
	}
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if s.Allows(id) {
			out = append(out, id)
		}
	}
	return out
}

// where limits a query to the scope; col names the estate column.
func (s Scope) where(q *bun.SelectQuery, col string) *bun.SelectQuery {
	if s.All {
		return q
	}
	if len(s.EstateIDs) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where("? IN (?)", bun.Ident(col), bun.In(s.EstateIDs))
}

// Service is the use cases of the portfolio.
type Service struct {
	db     *database.DB
	limits tenant.PlanLimits
	now    func() time.Time
	// active remembers each tenant's active estates for a few seconds: every
	// page of the workspace lists them. Writes through the service forget
	// the tenant's entry at once.
	active *cache.TTL[uuid.UUID, []Estate]
}

// NewService wires the estate service; cacheTTL 0 disables the estate cache.
func NewService(db *database.DB, limits tenant.PlanLimits, cacheTTL time.Duration) *Service {
	s := &Service{db: db, limits: limits, now: func() time.Time { return time.Now().UTC() },
		active: cache.New[uuid.UUID, []Estate](10_000, cacheTTL)}
	db.OnInvalidate(s.active.Purge)
	return s
}

// forget drops a tenant's estates here, and the other replicas' caches.
func (s *Service) forget(tenantID uuid.UUID) {
	s.active.Remove(tenantID)
	s.db.Invalidate(context.Background())
}

// Limits are the plan limits the service enforces.
func (s *Service) Limits() tenant.PlanLimits { return s.limits }

// Visible lists the active estates in scope, by name.
func (s *Service) Visible(ctx context.Context, tenantID uuid.UUID, scope Scope) ([]Estate, error) {
	all, ok := s.active.Get(tenantID)
	if !ok {
		err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
			var err error
			all, err = List(ctx, tx, tenantID, false)
			return err
		})
		if err != nil {
			return nil, err
		}
		s.active.Add(tenantID, all)
	}
	var out []Estate
	for _, e := range all {
		if scope.Allows(e.ID) {
			out = append(out, e)
		}
	}
	return out, nil
}

// EstateInput is what a manager fills in for an estate.
type EstateInput struct {
	Name          string `json:"name" form:"name"`
	Address       string `json:"address" form:"address"`
	OfficePhone   string `json:"office_phone" form:"office_phone"`
	BusinessHours Hours  `json:"business_hours" form:"-"`
}

func (in *EstateInput) clean() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Address = strings.TrimSpace(in.Address)
	in.OfficePhone = strings.TrimSpace(in.OfficePhone)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 || utf8.RuneCountInString(in.Address) > 200 {
		return ErrInvalidName
	}
	if in.OfficePhone != "" && NormalizePhone(in.OfficePhone) == "" {
		return ErrInvalidPhone
	}
	return in.BusinessHours.Validate()
}

// CreateEstate adds an estate within the plan's limit.
func (s *Service) CreateEstate(ctx context.Context, t *tenant.Tenant, in EstateInput) (*Estate, error) {
	if err := in.clean(); err != nil {
		return nil, err
	}
	if in.BusinessHours == nil {
		in.BusinessHours = DefaultHours()
	}
	e := &Estate{TenantID: t.ID, Name: in.Name, Address: in.Address, OfficePhone: in.OfficePhone, BusinessHours: in.BusinessHours}
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		n, err := CountEstates(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		if err := s.limits.Check(t.Plan, "estates", n+1); err != nil {
			return err
		}
		return Insert(ctx, tx, e)
	})
	s.forget(t.ID)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateEstate saves an estate's details; nil hours keep the current ones.
func (s *Service) UpdateEstate(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID, in EstateInput) (*Estate, error) {
	if err := in.clean(); err != nil {
		return nil, err
	}
	var e *Estate
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if e, err = s.estateInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		if in.BusinessHours != nil {
			e.BusinessHours = in.BusinessHours
		}
		e.Name, e.Address, e.OfficePhone, e.UpdatedAt = in.Name, in.Address, in.OfficePhone, s.now()
		_, err = tx.NewUpdate().Model(e).Column("name", "address", "office_phone", "business_hours", "updated_at").WherePK().Exec(ctx)
		return conflictAs(err, ErrNameTaken)
	})
	s.forget(tenantID)
	return e, err
}

// SetArchived archives an estate (it leaves lists, its history stays) or
// brings it back, within the plan's limit.
func (s *Service) SetArchived(ctx context.Context, t *tenant.Tenant, id uuid.UUID, archived bool) error {
	defer s.forget(t.ID)
	return s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		e, err := ByID(ctx, tx, t.ID, id)
		if err != nil {
			return err
		}
		if archived == (e.ArchivedAt != nil) {
			return nil
		}
		at, err := s.archiveTime(ctx, tx, t, archived, "estates", CountEstates)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(e).Set("archived_at = ?", at).Set("updated_at = ?", s.now()).WherePK().Exec(ctx)
		return err
	})
}

// archiveTime is the archived_at an archive toggle writes: now when
// archiving; nil when restoring, once the plan has room for one more.
func (s *Service) archiveTime(ctx context.Context, tx bun.IDB, t *tenant.Tenant, archived bool, what string,
	count func(context.Context, bun.IDB, uuid.UUID) (int, error)) (*time.Time, error) {
	if archived {
		now := s.now()
		return &now, nil
	}
	n, err := count(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	return nil, s.limits.Check(t.Plan, what, n+1)
}

func (s *Service) estateInScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope Scope, id uuid.UUID) (*Estate, error) {
	return InScope(ctx, db, tenantID, scope, id)
}

// InScope reads an estate the caller may see; one outside the scope or the
// tenant is database.ErrNotFound, as if it did not exist.
func InScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope Scope, id uuid.UUID) (*Estate, error) {
	if !scope.Allows(id) {
		return nil, database.ErrNotFound
	}
	return ByID(ctx, db, tenantID, id)
}

// EstateDetail is an estate with its counts and calendar exceptions.
type EstateDetail struct {
	Estate    *Estate       `json:"estate"`
	Buildings int           `json:"buildings"`
	Units     int           `json:"units"`
	Occupied  int           `json:"occupied"`
	People    int           `json:"people"`
	Days      []CalendarDay `json:"calendar_days"`
}

// GetEstate loads an estate in scope with its counts.
func (s *Service) GetEstate(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID) (*EstateDetail, error) {
	d := &EstateDetail{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if d.Estate, err = s.estateInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		count := func(dst *int, q *bun.SelectQuery) error {
			n, err := q.Count(ctx)
			*dst = int(n)
			return err
		}
		if err := count(&d.Buildings, tx.NewSelect().Model((*Building)(nil)).Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL", tenantID, id)); err != nil {
			return err
		}
		if err := count(&d.Units, tx.NewSelect().Model((*Unit)(nil)).Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL", tenantID, id)); err != nil {
			return err
		}
		if err := count(&d.Occupied, tx.NewSelect().Model((*Unit)(nil)).Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL AND status = ?", tenantID, id, Occupied)); err != nil {
			return err
		}
		if err := count(&d.People, tx.NewSelect().TableExpr("unit_persons AS l").Join("JOIN units AS u ON u.tenant_id = l.tenant_id AND u.id = l.unit_id").
			Where("l.tenant_id = ? AND u.estate_id = ? AND l.to_date = ''", tenantID, id).ColumnExpr("DISTINCT l.person_id")); err != nil {
			return err
		}
		return tx.NewSelect().Model(&d.Days).Where("tenant_id = ? AND estate_id = ?", tenantID, id).OrderExpr("day").Scan(ctx)
	})
	return d, err
}

var dayPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// SetCalendar replaces an estate's weekly hours and its holidays and
// make-up days.
func (s *Service) SetCalendar(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID, hours Hours, days []CalendarDay) error {
	if err := hours.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range days {
		d := &days[i]
		if _, err := time.Parse("2006-01-02", d.Day); err != nil || !dayPattern.MatchString(d.Day) || seen[d.Day] ||
			(d.Kind != Holiday && d.Kind != Workday) || utf8.RuneCountInString(d.Name) > 50 {
			return fmt.Errorf("%w: %q", ErrInvalidDay, d.Day)
		}
		seen[d.Day] = true
		d.TenantID, d.EstateID = tenantID, id
	}
	defer s.forget(tenantID)
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		e, err := s.estateInScope(ctx, tx, tenantID, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(e).Set("business_hours = ?", hours).Set("updated_at = ?", s.now()).WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*CalendarDay)(nil)).Where("tenant_id = ? AND estate_id = ?", tenantID, id).Exec(ctx); err != nil {
			return err
		}
		if len(days) == 0 {
			return nil
		}
		_, err = tx.NewInsert().Model(&days).Exec(ctx)
		return err
	})
}

// BuildingSummary is a building with its unit counts.
type BuildingSummary struct {
	bun.BaseModel `bun:"table:buildings,alias:building"`
	Building
	Units    int `bun:"units" json:"units"`
	Occupied int `bun:"occupied" json:"occupied"`
}

// Buildings lists an estate's active buildings with unit counts.
func (s *Service) Buildings(ctx context.Context, tenantID uuid.UUID, scope Scope, estateID uuid.UUID) ([]BuildingSummary, error) {
	var out []BuildingSummary
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.estateInScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).
			ColumnExpr("building.*").
			ColumnExpr("(SELECT count(*) FROM units AS u WHERE u.tenant_id = building.tenant_id AND u.building_id = building.id AND u.archived_at IS NULL) AS units").
			ColumnExpr("(SELECT count(*) FROM units AS u WHERE u.tenant_id = building.tenant_id AND u.building_id = building.id AND u.archived_at IS NULL AND u.status = ?) AS occupied", Occupied).
			Where("building.tenant_id = ? AND building.estate_id = ? AND building.archived_at IS NULL", tenantID, estateID).
			OrderExpr("building.sort_order, building.name").Scan(ctx)
	})
	return out, err
}

// BuildingInput names a building.
type BuildingInput struct {
	Name      string `json:"name" form:"name"`
	Floors    int    `json:"floors" form:"floors"`
	SortOrder int    `json:"sort_order" form:"sort_order"`
}

func (in *BuildingInput) clean() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 30 || strings.ContainsAny(in.Name, "-,") {
		return ErrInvalidName
	}
	if in.Floors < 0 || in.Floors > 200 {
		return ErrInvalidUnit
	}
	return nil
}

// CreateBuilding adds a building to an estate in scope.
func (s *Service) CreateBuilding(ctx context.Context, tenantID uuid.UUID, scope Scope, estateID uuid.UUID, in BuildingInput) (*Building, error) {
	if err := in.clean(); err != nil {
		return nil, err
	}
	b := &Building{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Name: in.Name, Floors: in.Floors, SortOrder: in.SortOrder}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		e, err := s.estateInScope(ctx, tx, tenantID, scope, estateID)
		if err != nil {
			return err
		}
		if e.ArchivedAt != nil {
			return ErrArchived
		}
		b.CreatedAt, b.UpdatedAt = s.now(), s.now()
		_, err = tx.NewInsert().Model(b).Exec(ctx)
		return conflictAs(err, ErrNameTaken)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// UnitRange generates units floor by floor: floors From–To, PerFloor units
// numbered floor×100+1… (1501, 1502, …), in each of the entrances given (or
// none).
type UnitRange struct {
	FromFloor int      `json:"from_floor" form:"from_floor"`
	ToFloor   int      `json:"to_floor" form:"to_floor"`
	PerFloor  int      `json:"per_floor" form:"per_floor"`
	Entrances []string `json:"entrances" form:"entrances"`
	Kind      UnitKind `json:"kind" form:"kind"`
	Area      Area     `json:"area" form:"-"`
}

// Units expands the range into unit addresses.
func (r UnitRange) Units() ([]Unit, error) {
	if r.FromFloor < -5 || r.ToFloor > 200 || r.FromFloor > r.ToFloor || r.FromFloor == 0 && r.ToFloor == 0 ||
		r.PerFloor < 1 || r.PerFloor > 99 {
		return nil, ErrInvalidUnit
	}
	if r.Kind == "" {
		r.Kind = Home
	}
	if !r.Kind.Valid() {
		return nil, ErrInvalidUnit
	}
	entrances := r.Entrances
	if len(entrances) == 0 {
		entrances = []string{""}
	}
	var out []Unit
	for _, en := range entrances {
		// The entrance is part of the unit's address "3-2-1502".
		if en = strings.TrimSpace(en); strings.ContainsAny(en, "-, ") || utf8.RuneCountInString(en) > 10 {
			return nil, ErrInvalidUnit
		}
		for f := r.FromFloor; f <= r.ToFloor; f++ {
			if f == 0 {
				continue
			}
			for i := 1; i <= r.PerFloor; i++ {
				num := fmt.Sprintf("%d%02d", f, i)
				if f < 0 {
					num = fmt.Sprintf("B%d%02d", -f, i)
				}
				out = append(out, Unit{Entrance: strings.TrimSpace(en), Floor: f, Number: num, Kind: r.Kind, Area: r.Area, Status: Vacant})
			}
		}
	}
	return out, nil
}

// AddUnits creates the units of a range in a building, skipping those that
// exist, within the plan's limit. It returns how many it created.
func (s *Service) AddUnits(ctx context.Context, t *tenant.Tenant, scope Scope, buildingID uuid.UUID, r UnitRange) (int, error) {
	units, err := r.Units()
	if err != nil {
		return 0, err
	}
	return s.AddUnitList(ctx, t, scope, buildingID, units, false)
}

// AddUnitList creates the listed units (entrance, floor, number, kind,
// area, status) a building lacks, within the plan's limit; with dryRun it
// only counts them.
func (s *Service) AddUnitList(ctx context.Context, t *tenant.Tenant, scope Scope, buildingID uuid.UUID, units []Unit, dryRun bool) (int, error) {
	created := 0
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		b, err := BuildingByID(ctx, tx, t.ID, buildingID)
		if err != nil {
			return err
		}
		e, err := s.estateInScope(ctx, tx, t.ID, scope, b.EstateID)
		if err != nil {
			return err
		}
		if e.ArchivedAt != nil || b.ArchivedAt != nil {
			return ErrArchived
		}
		created, err = s.insertUnits(ctx, tx, t, b, units, dryRun)
		return err
	})
	return created, err
}

// insertUnits adds the units a building lacks and checks the plan's limit
// on the total.
func (s *Service) insertUnits(ctx context.Context, tx bun.IDB, t *tenant.Tenant, b *Building, units []Unit, dryRun bool) (int, error) {
	var have []Unit
	if err := tx.NewSelect().Model(&have).Column("entrance", "number").Where("tenant_id = ? AND building_id = ?", t.ID, b.ID).Scan(ctx); err != nil {
		return 0, err
	}
	exists := map[string]bool{}
	for _, u := range have {
		exists[u.Entrance+"\x00"+u.Number] = true
	}
	now := s.now()
	var add []Unit
	for _, u := range units {
		if exists[u.Entrance+"\x00"+u.Number] {
			continue
		}
		exists[u.Entrance+"\x00"+u.Number] = true
		u.TenantID, u.ID, u.EstateID, u.BuildingID = t.ID, uuid.Must(uuid.NewV7()), b.EstateID, b.ID
		u.Code = UnitCode(b.Name, u.Entrance, u.Number)
		u.CreatedAt, u.UpdatedAt = now, now
		if u.Kind == "" {
			u.Kind = Home
		}
		if u.Status == "" {
			u.Status = Vacant
		}
		add = append(add, u)
	}
	if len(add) == 0 {
		return 0, nil
	}
	n, err := CountUnits(ctx, tx, t.ID)
	if err != nil {
		return 0, err
	}
	if err := s.limits.Check(t.Plan, "units", n+len(add)); err != nil {
		return 0, err
	}
	if dryRun {
		return len(add), nil
	}
	for chunk := range slices.Chunk(add, 500) {
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return len(add), nil
}

// GridUnit is a unit in the floor grid, with its primary contact.
type GridUnit struct {
	bun.BaseModel `bun:"table:units,alias:unit"`
	Unit
	Contact string `bun:"contact" json:"contact"`
}

// Floor is one row of the unit grid.
type Floor struct {
	Floor int        `json:"floor"`
	Units []GridUnit `json:"units"`
}

// Grid lays a building's units out by floor, top floor first.
func (s *Service) Grid(ctx context.Context, tenantID uuid.UUID, scope Scope, buildingID uuid.UUID) (*Building, []Floor, error) {
	var b *Building
	var units []GridUnit
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if b, err = BuildingByID(ctx, tx, tenantID, buildingID); err != nil {
			return err
		}
		if !scope.Allows(b.EstateID) {
			return database.ErrNotFound
		}
		return tx.NewSelect().Model(&units).ColumnExpr("unit.*").
			ColumnExpr(`(SELECT p.name FROM unit_persons AS l JOIN persons AS p ON p.tenant_id = l.tenant_id AND p.id = l.person_id
				WHERE l.tenant_id = unit.tenant_id AND l.unit_id = unit.id AND l.to_date = '' ORDER BY l.primary_contact DESC, l.created_at LIMIT 1) AS contact`).
			Where("unit.tenant_id = ? AND unit.building_id = ? AND unit.archived_at IS NULL", tenantID, buildingID).
			OrderExpr("unit.floor DESC, unit.entrance, unit.number").Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	var floors []Floor
	for _, u := range units {
		if len(floors) == 0 || floors[len(floors)-1].Floor != u.Floor {
			floors = append(floors, Floor{Floor: u.Floor})
		}
		floors[len(floors)-1].Units = append(floors[len(floors)-1].Units, u)
	}
	return b, floors, nil
}

// Occupant is a person linked to a unit.
type Occupant struct {
	Link   Link    `json:"link"`
	Person *Person `json:"person"`
}

// UnitDetail is a unit with where it is and who is linked to it.
type UnitDetail struct {
	Unit      *Unit      `json:"unit"`
	Building  *Building  `json:"building"`
	Estate    *Estate    `json:"estate"`
	Occupants []Occupant `json:"occupants"`
}

// GetUnit loads a unit in scope with its people, current links first.
func (s *Service) GetUnit(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID) (*UnitDetail, error) {
	d := &UnitDetail{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if d.Unit, err = UnitByID(ctx, tx, tenantID, id); err != nil {
			return err
		}
		if !scope.Allows(d.Unit.EstateID) {
			return database.ErrNotFound
		}
		if d.Building, err = BuildingByID(ctx, tx, tenantID, d.Unit.BuildingID); err != nil {
			return err
		}
		if d.Estate, err = ByID(ctx, tx, tenantID, d.Unit.EstateID); err != nil {
			return err
		}
		var links []Link
		if err := tx.NewSelect().Model(&links).Where("tenant_id = ? AND unit_id = ?", tenantID, id).
			OrderExpr("to_date <> '', primary_contact DESC, created_at").Scan(ctx); err != nil {
			return err
		}
		people := map[uuid.UUID]*Person{}
		for _, l := range links {
			if people[l.PersonID] == nil {
				p, err := PersonByID(ctx, tx, tenantID, l.PersonID)
				if err != nil {
					return err
				}
				people[l.PersonID] = p
			}
			d.Occupants = append(d.Occupants, Occupant{Link: l, Person: people[l.PersonID]})
		}
		return nil
	})
	return d, err
}

// UnitInput is what a clerk edits on a unit.
type UnitInput struct {
	Kind   UnitKind   `json:"kind" form:"kind"`
	Area   string     `json:"area" form:"area"`
	Status UnitStatus `json:"status" form:"status"`
}

// UpdateUnit saves a unit's kind, area and status.
func (s *Service) UpdateUnit(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID, in UnitInput) (*Unit, error) {
	area, err := ParseArea(in.Area)
	if err != nil {
		return nil, err
	}
	if !in.Kind.Valid() || !in.Status.Valid() {
		return nil, ErrInvalidUnit
	}
	var u *Unit
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if u, err = UnitByID(ctx, tx, tenantID, id); err != nil {
			return err
		}
		if !scope.Allows(u.EstateID) {
			return database.ErrNotFound
		}
		u.Kind, u.Area, u.Status, u.UpdatedAt = in.Kind, area, in.Status, s.now()
		_, err := tx.NewUpdate().Model(u).Column("kind", "area_centi", "status", "updated_at").WherePK().Exec(ctx)
		return err
	})
	return u, err
}

// PersonInput is an owner's or resident's details.
type PersonInput struct {
	Name   string   `json:"name" form:"name"`
	Phones []string `json:"phones" form:"phones"`
	Email  string   `json:"email" form:"email"`
	Notes  string   `json:"notes" form:"notes"`
}

// Clean validates the input and normalizes its phones.
func (in *PersonInput) Clean() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(strings.ToLower(in.Email))
	// A name is one line of plain text, as the importer demands too.
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 50 || strings.IndexFunc(in.Name, unicode.IsControl) >= 0 || utf8.RuneCountInString(in.Notes) > 2000 ||
		(in.Email != "" && !strings.Contains(in.Email, "@")) || len(in.Email) > 254 {
		return ErrInvalidPerson
	}
	var phones []string
	for _, p := range in.Phones {
		if strings.TrimSpace(p) == "" {
			continue
		}
		n := NormalizePhone(p)
		if n == "" {
			return fmt.Errorf("%w: %q", ErrInvalidPhone, p)
		}
		if !slices.Contains(phones, n) {
			phones = append(phones, n)
		}
	}
	if len(phones) > 5 {
		return ErrInvalidPhone
	}
	in.Phones = phones
	return nil
}

// LinkInput ties a person to a unit.
type LinkInput struct {
	Relation       Relation `json:"relation" form:"relation"`
	PrimaryContact bool     `json:"primary_contact" form:"primary_contact"`
	From           string   `json:"from" form:"from"`
}

// AddPerson creates a person and links them to a unit in one step: what a
// clerk does when a new owner moves in.
func (s *Service) AddPerson(ctx context.Context, tenantID uuid.UUID, scope Scope, unitID uuid.UUID, in PersonInput, link LinkInput) (*Person, error) {
	if err := in.Clean(); err != nil {
		return nil, err
	}
	if !link.Relation.Valid() {
		return nil, ErrInvalidRelation
	}
	if link.From != "" && !dayPattern.MatchString(link.From) {
		return nil, ErrInvalidDay
	}
	now := s.now()
	p := &Person{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), Name: in.Name, Email: in.Email, Notes: in.Notes, CreatedAt: now, UpdatedAt: now, Phones: in.Phones}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		u, err := UnitByID(ctx, tx, tenantID, unitID)
		if err != nil {
			return err
		}
		if !scope.Allows(u.EstateID) {
			return database.ErrNotFound
		}
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			return err
		}
		if err := replacePhones(ctx, tx, tenantID, p.ID, p.Phones); err != nil {
			return err
		}
		return s.link(ctx, tx, tenantID, u.ID, p.ID, link)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) link(ctx context.Context, tx bun.IDB, tenantID, unitID, personID uuid.UUID, in LinkInput) error {
	if in.PrimaryContact {
		if _, err := tx.NewUpdate().Model((*Link)(nil)).Set("primary_contact = ?", false).
			Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).Exec(ctx); err != nil {
			return err
		}
	}
	l := &Link{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), UnitID: unitID, PersonID: personID, Relation: in.Relation,
		PrimaryContact: in.PrimaryContact, From: in.From, CreatedAt: s.now()}
	_, err := tx.NewInsert().Model(l).
		On("CONFLICT (tenant_id, unit_id, person_id, relation) DO UPDATE").
		Set("to_date = ''").Set("primary_contact = EXCLUDED.primary_contact").Exec(ctx)
	return err
}

// EndLink ends a person's link to a unit today, keeping it in the history.
func (s *Service) EndLink(ctx context.Context, tenantID uuid.UUID, scope Scope, linkID uuid.UUID, tz *time.Location) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		l := new(Link)
		if err := tx.NewSelect().Model(l).Where("tenant_id = ? AND id = ?", tenantID, linkID).Scan(ctx); err != nil {
			return err
		}
		u, err := UnitByID(ctx, tx, tenantID, l.UnitID)
		if err != nil {
			return err
		}
		if !scope.Allows(u.EstateID) {
			return database.ErrNotFound
		}
		_, err = tx.NewUpdate().Model(l).Set("to_date = ?", s.now().In(tz).Format("2006-01-02")).Set("primary_contact = ?", false).WherePK().Exec(ctx)
		return err
	})
}

// UpdatePerson saves a person's details; the person must be linked to a
// unit in scope (company-wide roles see everyone).
func (s *Service) UpdatePerson(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID, in PersonInput) (*Person, error) {
	if err := in.Clean(); err != nil {
		return nil, err
	}
	var p *Person
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = s.personInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		p.Name, p.Email, p.Notes, p.Phones, p.UpdatedAt = in.Name, in.Email, in.Notes, in.Phones, s.now()
		if _, err := tx.NewUpdate().Model(p).Column("name", "email", "notes", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return replacePhones(ctx, tx, tenantID, p.ID, p.Phones)
	})
	return p, err
}

// PersonDetail is a person with the units they are linked to.
type PersonDetail struct {
	Person *Person      `json:"person"`
	Units  []PersonUnit `json:"units"`
}

// PersonUnit is one of a person's units.
type PersonUnit struct {
	Link Link `json:"link"`
	Unit Unit `json:"unit"`
}

// GetPerson loads a person in scope with their units.
func (s *Service) GetPerson(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID) (*PersonDetail, error) {
	d := &PersonDetail{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if d.Person, err = s.personInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		var links []Link
		if err := tx.NewSelect().Model(&links).Where("tenant_id = ? AND person_id = ?", tenantID, id).OrderExpr("to_date <> '', created_at").Scan(ctx); err != nil {
			return err
		}
		for _, l := range links {
			u, err := UnitByID(ctx, tx, tenantID, l.UnitID)
			if err != nil {
				return err
			}
			if scope.Allows(u.EstateID) {
				d.Units = append(d.Units, PersonUnit{Link: l, Unit: *u})
			}
		}
		return nil
	})
	return d, err
}

func (s *Service) personInScope(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, scope Scope, id uuid.UUID) (*Person, error) {
	p, err := PersonByID(ctx, tx, tenantID, id)
	if err != nil || scope.All {
		return p, err
	}
	q := tx.NewSelect().TableExpr("unit_persons AS l").Join("JOIN units AS u ON u.tenant_id = l.tenant_id AND u.id = l.unit_id").
		Where("l.tenant_id = ? AND l.person_id = ?", tenantID, id)
	n, err := scope.where(q, "u.estate_id").Count(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, database.ErrNotFound
	}
	return p, nil
}

// NewOccupant is a person moving into a unit, for bulk seeding.
type NewOccupant struct {
	UnitID uuid.UUID
	Person PersonInput
	Link   LinkInput
}

// AddOccupants creates people and links them to units in one transaction
// with batched inserts, and marks those units occupied (the demo seeds a
// thousand owners this way at start-up).
func (s *Service) AddOccupants(ctx context.Context, tenantID uuid.UUID, occ []NewOccupant) error {
	now := s.now()
	var persons []Person
	var phones []personPhone
	var links []Link
	unitIDs := make([]uuid.UUID, 0, len(occ))
	for _, o := range occ {
		if err := o.Person.Clean(); err != nil {
			return err
		}
		if !o.Link.Relation.Valid() {
			return ErrInvalidRelation
		}
		p := Person{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), Name: o.Person.Name, Email: o.Person.Email, Notes: o.Person.Notes, CreatedAt: now, UpdatedAt: now}
		persons = append(persons, p)
		for i, ph := range o.Person.Phones {
			phones = append(phones, personPhone{TenantID: tenantID, PersonID: p.ID, Phone: ph, Last4: ph[len(ph)-4:], Position: i})
		}
		links = append(links, Link{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), UnitID: o.UnitID, PersonID: p.ID, Relation: o.Link.Relation,
			PrimaryContact: o.Link.PrimaryContact, From: o.Link.From, CreatedAt: now})
		unitIDs = append(unitIDs, o.UnitID)
	}
	if len(occ) == 0 {
		return nil
	}
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		for chunk := range slices.Chunk(persons, 500) {
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(phones, 500) {
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(links, 500) {
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(unitIDs, 500) {
			if _, err := tx.NewUpdate().Model((*Unit)(nil)).Set("status = ?", Occupied).Set("updated_at = ?", now).
				Where("tenant_id = ? AND id IN (?)", tenantID, bun.In(chunk)).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateBuilding renames a building or changes its floor count. Its units'
// addresses ("3-2-1502") follow the new name.
func (s *Service) UpdateBuilding(ctx context.Context, tenantID uuid.UUID, scope Scope, id uuid.UUID, in BuildingInput) (*Building, error) {
	if err := in.clean(); err != nil {
		return nil, err
	}
	var b *Building
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if b, err = BuildingByID(ctx, tx, tenantID, id); err != nil {
			return err
		}
		if !scope.Allows(b.EstateID) {
			return database.ErrNotFound
		}
		if b.ArchivedAt != nil {
			return ErrArchived
		}
		b.Name, b.Floors, b.SortOrder, b.UpdatedAt = in.Name, in.Floors, in.SortOrder, s.now()
		if _, err := tx.NewUpdate().Model(b).Column("name", "floors", "sort_order", "updated_at").WherePK().Exec(ctx); err != nil {
			return conflictAs(err, ErrNameTaken)
		}
		_, err = tx.NewUpdate().Model((*Unit)(nil)).
			Set("code = ? || '-' || CASE WHEN entrance = '' THEN number ELSE entrance || '-' || number END", b.Name).
			Set("updated_at = ?", s.now()).
			Where("tenant_id = ? AND building_id = ?", tenantID, id).Exec(ctx)
		return err
	})
	return b, err
}

// SetBuildingArchived archives a building with its active units (they leave
// lists and search; their history stays), or restores it with the units
// archived along with it, within the plan's unit limit.
func (s *Service) SetBuildingArchived(ctx context.Context, t *tenant.Tenant, scope Scope, id uuid.UUID, archived bool) error {
	return s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		b, err := BuildingByID(ctx, tx, t.ID, id)
		if err != nil {
			return err
		}
		if _, err := s.estateInScope(ctx, tx, t.ID, scope, b.EstateID); err != nil {
			return err
		}
		if archived == (b.ArchivedAt != nil) {
			return nil
		}
		units := tx.NewUpdate().Model((*Unit)(nil)).Where("tenant_id = ? AND building_id = ?", t.ID, id)
		if archived {
			now := s.now()
			if _, err := units.Set("archived_at = ?", now).Where("archived_at IS NULL").Exec(ctx); err != nil {
				return err
			}
			_, err = tx.NewUpdate().Model(b).Set("archived_at = ?", now).WherePK().Exec(ctx)
			return err
		}
		// The units archived with the building carry its timestamp.
		n, err := tx.NewSelect().Model((*Unit)(nil)).Where("tenant_id = ? AND building_id = ? AND archived_at = ?", t.ID, id, *b.ArchivedAt).Count(ctx)
		if err != nil {
			return err
		}
		have, err := CountUnits(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		if err := s.limits.Check(t.Plan, "units", have+int(n)); err != nil {
			return err
		}
		if _, err := units.Set("archived_at = NULL").Where("archived_at = ?", *b.ArchivedAt).Exec(ctx); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(b).Set("archived_at = NULL").WherePK().Exec(ctx)
		return err
	})
}

// SetUnitArchived archives a unit (demolished, merged, mistyped) or restores
// it within the plan's unit limit. Its people and history stay.
func (s *Service) SetUnitArchived(ctx context.Context, t *tenant.Tenant, scope Scope, id uuid.UUID, archived bool) error {
	return s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		u, err := UnitByID(ctx, tx, t.ID, id)
		if err != nil {
			return err
		}
		if !scope.Allows(u.EstateID) {
			return database.ErrNotFound
		}
		if archived == (u.ArchivedAt != nil) {
			return nil
		}
		at, err := s.archiveTime(ctx, tx, t, archived, "units", CountUnits)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(u).Set("archived_at = ?", at).Set("updated_at = ?", s.now()).WherePK().Exec(ctx)
		return err
	})
}
