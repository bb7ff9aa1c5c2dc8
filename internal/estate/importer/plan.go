package importer

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// changes are the writes that bring the database in line with a file:
// only what differs, so that a second run of the same file writes nothing.
//
// The rows hold only what differs from one to the next; write makes the
// models a batch at a time. A file of 100,000 units with their owners is
// 300,000 rows, and as full bun models (times, tenant and estate on each)
// they took twice the memory, at the moment the parsed file and the
// look-ups are live too.
type changes struct {
	tenantID, estateID uuid.UUID
	now                time.Time

	buildings []estate.Building
	units     []unitRow // new, changed or restored from the archive
	persons   []personRow
	phones    []personPhone
	links     []linkRow // new, or ended and now current again
	summary   Summary
}

// unitRow is a unit to insert, or to update where one with its building,
// entrance and number exists (its ID and creation time stay).
type unitRow struct {
	id, building           uuid.UUID
	entrance, number, code string
	floor                  int
	kind                   estate.UnitKind
	area                   estate.Area
	status                 estate.UnitStatus
}

// personRow is a new person.
type personRow struct {
	id   uuid.UUID
	name string
}

// linkRow is a link of a person to a unit.
type linkRow struct {
	unit, person uuid.UUID
	relation     estate.Relation
}

// work counts the rows to write, for progress.
func (c *changes) work() int {
	return len(c.buildings) + len(c.units) + len(c.persons) + len(c.phones) + len(c.links)
}

type personPhone struct {
	bun.BaseModel `bun:"table:person_phones"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	PersonID uuid.UUID `bun:"person_id,pk,type:uuid"`
	Phone    string    `bun:"phone,pk"`
	Last4    string    `bun:"last4,notnull"`
	Position int       `bun:"position,notnull"`
}

// existingUnit is what the comparison needs of a unit already stored.
type existingUnit struct {
	bun.BaseModel `bun:"table:units"`

	ID         uuid.UUID         `bun:"id,type:uuid"`
	BuildingID uuid.UUID         `bun:"building_id,type:uuid"`
	Entrance   string            `bun:"entrance"`
	Number     string            `bun:"number"`
	Floor      int               `bun:"floor"`
	Kind       estate.UnitKind   `bun:"kind"`
	Area       estate.Area       `bun:"area_centi"`
	Status     estate.UnitStatus `bun:"status"`
	ArchivedAt *time.Time        `bun:"archived_at"`
	CreatedAt  time.Time         `bun:"created_at"`
}

// existingLink is a link of one of the estate's units, with its person's name.
type existingLink struct {
	UnitID   uuid.UUID       `bun:"unit_id,type:uuid"`
	PersonID uuid.UUID       `bun:"person_id,type:uuid"`
	Relation estate.Relation `bun:"relation"`
	To       string          `bun:"to_date"`
	Name     string          `bun:"name"`
}

// phoneOwner is a phone of a person who has one of the file's phones.
type phoneOwner struct {
	PersonID uuid.UUID `bun:"person_id,type:uuid"`
	Phone    string    `bun:"phone"`
	Position int       `bun:"position"`
	Name     string    `bun:"name"`
}

// personPlan is a person the file refers to: found or to be created.
type personPlan struct {
	id     uuid.UUID
	isNew  bool
	phones []string // all the person's phones, stored and added
	next   int      // position of the next added phone
}

// lookupChunk bounds the IN lists of look-ups by phone.
const lookupChunk = 1000

// plan compares the parsed file with the database and lists the writes.
// Problems that need the database (unknown or archived buildings, the
// plan's limit) go into rep; with any problem in rep it returns no changes.
func (s *Service) plan(ctx context.Context, db bun.IDB, t *tenant.Tenant, estateID uuid.UUID, p *parsed, opts Options, rep *Report) (*changes, error) {
	e, err := estate.ByID(ctx, db, t.ID, estateID)
	if err != nil {
		return nil, err
	}
	if e.ArchivedAt != nil {
		rep.add(Problem{Code: CodeEstateArchived})
		return nil, nil
	}
	if p.header == nil || len(p.records)+len(p.unchecked) == 0 {
		return nil, nil
	}
	now := s.now()
	ch := &changes{tenantID: t.ID, estateID: estateID, now: now, summary: Summary{Rows: p.rows}}
	h := p.header

	// Buildings: found by name, created unless the file may use only
	// existing ones.
	stored, err := estate.Buildings(ctx, db, t.ID, estateID, true)
	if err != nil {
		return nil, err
	}
	buildings := make(map[string]*estate.Building, len(stored))
	for i := range stored {
		buildings[stored[i].Name] = &stored[i]
	}
	for _, r := range p.unchecked {
		switch b := buildings[r.building]; {
		case b != nil && b.ArchivedAt != nil:
			rep.add(Problem{Row: r.row, Column: h.name(colBuilding), Code: CodeArchivedBuilding, Value: r.building})
		case b == nil && opts.ExistingBuildings:
			rep.add(Problem{Row: r.row, Column: h.name(colBuilding), Code: CodeUnknownBuilding, Value: r.building})
		}
	}
	created := map[string]*estate.Building{}
	// Filtered in place: a second copy of 100,000 records would cost as
	// much again, and plan is the last to read p.records.
	records := p.records[:0]
	for _, r := range p.records {
		b := buildings[r.building]
		switch {
		case b != nil && b.ArchivedAt != nil:
			rep.add(Problem{Row: r.row, Column: h.name(colBuilding), Code: CodeArchivedBuilding, Value: r.building})
			continue
		case b == nil && opts.ExistingBuildings:
			rep.add(Problem{Row: r.row, Column: h.name(colBuilding), Code: CodeUnknownBuilding, Value: r.building})
			continue
		case b == nil:
			b = &estate.Building{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Name: r.building, CreatedAt: now, UpdatedAt: now}
			buildings[r.building], created[r.building] = b, b
		}
		if created[r.building] != nil {
			b.Floors = max(b.Floors, min(r.floor, 200))
		}
		records = append(records, r)
	}
	for _, b := range created {
		ch.buildings = append(ch.buildings, *b)
	}
	slices.SortFunc(ch.buildings, func(a, b estate.Building) int { return compareNames(a.Name, b.Name) })
	ch.summary.BuildingsNew = len(ch.buildings)

	// Units: keyed by building, entrance and number; new ones are added,
	// stored ones updated only where the file differs.
	var have []existingUnit
	if err := db.NewSelect().Model(&have).Column("id", "building_id", "entrance", "number", "floor", "kind", "area_centi", "status", "archived_at", "created_at").
		Where("tenant_id = ? AND estate_id = ?", t.ID, estateID).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	type storedKey struct {
		building         uuid.UUID
		entrance, number string
	}
	units := make(map[storedKey]*existingUnit, len(have))
	for i := range have {
		u := &have[i]
		units[storedKey{u.BuildingID, u.Entrance, u.Number}] = u
	}
	unitIDs := make(map[unitKey]uuid.UUID, len(records)) // file unit key → unit ID
	adding := 0
	for _, r := range records {
		key := r.unitKey()
		if _, done := unitIDs[key]; done {
			continue
		}
		b := buildings[r.building]
		u := unitRow{building: b.ID, entrance: r.entrance, floor: r.floor, number: r.number,
			code: estate.UnitCode(b.Name, r.entrance, r.number), kind: r.kind, area: r.area, status: r.status}
		old := units[storedKey{b.ID, r.entrance, r.number}]
		switch {
		case old == nil:
			u.id = uuid.Must(uuid.NewV7())
			ch.units = append(ch.units, u)
			ch.summary.UnitsNew++
			adding++
		case old.ArchivedAt != nil || old.Floor != u.floor || old.Kind != u.kind || old.Area != u.area || old.Status != u.status:
			u.id = old.ID
			ch.units = append(ch.units, u)
			ch.summary.UnitsUpdated++
			if old.ArchivedAt != nil {
				adding++ // back from the archive, it counts against the plan again
			}
		default:
			u.id = old.ID
			ch.summary.UnitsUnchanged++
		}
		unitIDs[key] = u.id
	}
	if adding > 0 {
		current, err := estate.CountUnits(ctx, db, t.ID)
		if err != nil {
			return nil, err
		}
		var le *tenant.LimitError
		if err := s.limits.Check(t.Plan, "units", current+adding); errors.As(err, &le) {
			rep.add(Problem{Code: CodePlanLimit, Plan: le.Plan, Limit: le.Limit, Current: current, Adding: adding})
		}
	}
	if rep.Count() > 0 {
		return nil, nil
	}
	if err := s.planPeople(ctx, db, t.ID, estateID, records, unitIDs, ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// planPeople finds or creates the people of the file and their links.
//
// A person with phone numbers is the same person wherever the same name
// comes with one of the same numbers, in the file or in the database: an
// owner of several units is one person. A person without numbers cannot be
// told apart from a namesake elsewhere, so they are matched only among the
// people already linked to the same unit.
func (s *Service) planPeople(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, records []record, unitIDs map[unitKey]uuid.UUID, ch *changes) error {
	var phones []string
	seenPhone := map[string]bool{}
	for _, r := range records {
		for _, ph := range r.phones {
			if r.name != "" && !seenPhone[ph] {
				seenPhone[ph] = true
				phones = append(phones, ph)
			}
		}
	}
	// Every phone of every stored person who has one of the file's phones.
	owners, err := phoneOwners(ctx, db, tenantID, phones, seenPhone)
	if err != nil {
		return err
	}
	byPhone := map[string][]uuid.UUID{}
	stored := map[uuid.UUID]*personPlan{}
	names := map[uuid.UUID]string{}
	for _, o := range owners {
		pp := stored[o.PersonID]
		if pp == nil {
			pp = &personPlan{id: o.PersonID}
			stored[o.PersonID], names[o.PersonID] = pp, o.Name
		}
		if !contains(pp.phones, o.Phone) {
			pp.phones = append(pp.phones, o.Phone)
			byPhone[o.Phone] = append(byPhone[o.Phone], o.PersonID)
		}
		pp.next = max(pp.next, o.Position+1)
	}

	// The estate's links, with the names of the people linked.
	var links []existingLink
	err = db.NewSelect().TableExpr("unit_persons AS l").
		Join("JOIN units AS u ON u.tenant_id = l.tenant_id AND u.id = l.unit_id").
		Join("JOIN persons AS p ON p.tenant_id = l.tenant_id AND p.id = l.person_id").
		ColumnExpr("l.unit_id, l.person_id, l.relation, l.to_date, p.name").
		Where("l.tenant_id = ? AND u.estate_id = ? AND p.archived_at IS NULL", tenantID, estateID).Scan(ctx, &links)
	if err != nil {
		return database.Normalize(err)
	}
	linked := make(map[uuid.UUID][]existingLink, len(links))
	for _, l := range links {
		linked[l.UnitID] = append(linked[l.UnitID], l)
	}

	type namePhone struct{ name, phone string }
	type nameUnit struct {
		name string
		unit uuid.UUID
	}
	type link struct {
		unit, person uuid.UUID
		relation     estate.Relation
	}
	byNamePhone := map[namePhone]*personPlan{} // file and stored
	byNameUnit := map[nameUnit]*personPlan{}   // people without phones
	matched := map[uuid.UUID]bool{}
	newLink := map[link]bool{}
	for _, r := range records {
		if r.name == "" {
			continue
		}
		unitID := unitIDs[r.unitKey()]
		var pp *personPlan
		if len(r.phones) > 0 {
			for _, ph := range r.phones {
				if pp = byNamePhone[namePhone{r.name, ph}]; pp != nil {
					break
				}
				for _, id := range byPhone[ph] {
					if names[id] == r.name {
						pp = stored[id]
						break
					}
				}
				if pp != nil {
					break
				}
			}
		} else {
			key := nameUnit{r.name, unitID}
			if pp = byNameUnit[key]; pp == nil {
				for _, l := range linked[unitID] {
					if l.Name == r.name {
						pp = stored[l.PersonID]
						if pp == nil {
							pp = &personPlan{id: l.PersonID}
							stored[l.PersonID] = pp
						}
						break
					}
				}
			}
			if pp != nil {
				byNameUnit[key] = pp
			}
		}
		if pp == nil {
			pp = &personPlan{id: uuid.Must(uuid.NewV7()), isNew: true}
			ch.persons = append(ch.persons, personRow{id: pp.id, name: r.name})
			if len(r.phones) == 0 {
				byNameUnit[nameUnit{r.name, unitID}] = pp
			}
		} else if !pp.isNew && !matched[pp.id] {
			matched[pp.id] = true
		}
		for _, ph := range r.phones {
			byNamePhone[namePhone{r.name, ph}] = pp
			if contains(pp.phones, ph) || len(pp.phones) >= 5 {
				continue
			}
			pp.phones = append(pp.phones, ph)
			ch.phones = append(ch.phones, personPhone{TenantID: tenantID, PersonID: pp.id, Phone: ph, Last4: ph[len(ph)-4:], Position: pp.next})
			pp.next++
		}

		lk := link{unitID, pp.id, r.relation}
		if newLink[lk] {
			continue
		}
		newLink[lk] = true
		current := false
		for _, l := range linked[unitID] {
			if l.PersonID == pp.id && l.Relation == r.relation && l.To == "" {
				current = true
			}
		}
		if current {
			ch.summary.LinksUnchanged++
			continue
		}
		ch.links = append(ch.links, linkRow{unit: unitID, person: pp.id, relation: r.relation})
	}
	ch.summary.PeopleNew = len(ch.persons)
	ch.summary.PeopleMatched = len(matched)
	ch.summary.PhonesNew = len(ch.phones) - phonesOfNew(ch)
	ch.summary.LinksNew = len(ch.links)
	return nil
}

// phoneOwners returns every phone of every stored person who has one of
// phones. When the file names a good share of the tenant's phones, one scan
// of them all beats a look-up per phone (a first import, a re-import);
// otherwise the phones are looked up in chunks.
func phoneOwners(ctx context.Context, db bun.IDB, tenantID uuid.UUID, phones []string, wanted map[string]bool) ([]phoneOwner, error) {
	if len(phones) == 0 {
		return nil, nil
	}
	all := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.TableExpr("person_phones AS ph").
			Join("JOIN persons AS p ON p.tenant_id = ph.tenant_id AND p.id = ph.person_id").
			ColumnExpr("ph.person_id, ph.phone, ph.position, p.name").
			Where("ph.tenant_id = ? AND p.archived_at IS NULL", tenantID).
			OrderExpr("ph.person_id, ph.position")
	}
	total, err := db.NewSelect().Model((*personPhone)(nil)).Where("tenant_id = ?", tenantID).Count(ctx)
	if err != nil {
		return nil, database.Normalize(err)
	}
	if total <= int64(4*len(phones)+10_000) {
		var every []phoneOwner
		if err := all(db.NewSelect()).Scan(ctx, &every); err != nil {
			return nil, database.Normalize(err)
		}
		keep := map[uuid.UUID]bool{}
		for _, o := range every {
			if wanted[o.Phone] {
				keep[o.PersonID] = true
			}
		}
		out := every[:0]
		for _, o := range every {
			if keep[o.PersonID] {
				out = append(out, o)
			}
		}
		return out, nil
	}
	var out []phoneOwner
	for chunk := range slices.Chunk(phones, lookupChunk) {
		// Two plain look-ups, by the phone index and then by primary key:
		// SQLite's planner turns the equivalent join into a scan.
		var ids []uuid.UUID
		err := db.NewSelect().Model((*personPhone)(nil)).ColumnExpr("DISTINCT person_id").
			Where("tenant_id = ? AND phone IN (?)", tenantID, bun.In(chunk)).Scan(ctx, &ids)
		if err != nil {
			return nil, database.Normalize(err)
		}
		if len(ids) == 0 {
			continue
		}
		var owners []phoneOwner
		if err := all(db.NewSelect()).Where("ph.person_id IN (?)", bun.In(ids)).Scan(ctx, &owners); err != nil {
			return nil, database.Normalize(err)
		}
		out = append(out, owners...)
	}
	return out, nil
}

// phonesOfNew counts the phones that belong to new people: they are not
// news about anyone already known.
func phonesOfNew(ch *changes) int {
	isNew := make(map[uuid.UUID]bool, len(ch.persons))
	for _, p := range ch.persons {
		isNew[p.id] = true
	}
	n := 0
	for _, ph := range ch.phones {
		if isNew[ph.PersonID] {
			n++
		}
	}
	return n
}

// compareNames orders building names as people count: "2" before "10".
func compareNames(a, b string) int {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
