package importer

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

// batch is how many rows one INSERT carries (with RETURNING NULL: bun
// would otherwise read back the nullable columns of every row). Bun writes the values into
// the statement, so a batch of units is a few hundred kilobytes of SQL:
// few round trips, no limit on bound parameters (SQLite's is 32,766).
const batch = 1000

// write applies the changes in the caller's transaction, in batches,
// calling progress with the number of rows written so far. It lets go of
// each kind of row once written (ch.work() is 0 after it), so that their
// memory can serve the next kind's statements.
func (s *Service) write(ctx context.Context, tx bun.IDB, ch *changes, progress func(done int)) error {
	done := 0
	step := func(phase string, n int, exec func(lo, hi int) error) error {
		if err := s.faultAt(phase); err != nil {
			return err
		}
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			if err := exec(lo, hi); err != nil {
				return database.Normalize(err)
			}
			done += hi - lo
			progress(done)
		}
		return nil
	}
	if err := step("buildings", len(ch.buildings), func(lo, hi int) error {
		rows := ch.buildings[lo:hi]
		_, err := tx.NewInsert().Model(&rows).Returning("NULL").Exec(ctx)
		return err
	}); err != nil {
		return err
	}
	ch.buildings = nil
	units := make([]estate.Unit, 0, batch)
	if err := step("units", len(ch.units), func(lo, hi int) error {
		units = units[:0]
		for _, u := range ch.units[lo:hi] {
			units = append(units, estate.Unit{TenantID: ch.tenantID, ID: u.id, EstateID: ch.estateID, BuildingID: u.building,
				Entrance: u.entrance, Floor: u.floor, Number: u.number, Code: u.code, Kind: u.kind, Area: u.area, Status: u.status,
				CreatedAt: ch.now, UpdatedAt: ch.now})
		}
		// A unit that exists keeps its ID and creation time; the file sets
		// what it says about the unit, and brings it back from the archive.
		_, err := tx.NewInsert().Model(&units).
			On("CONFLICT (tenant_id, building_id, entrance, number) DO UPDATE").
			Set("floor = EXCLUDED.floor").Set("kind = EXCLUDED.kind").Set("area_centi = EXCLUDED.area_centi").
			Set("status = EXCLUDED.status").Set("code = EXCLUDED.code").Set("archived_at = NULL").
			Set("updated_at = EXCLUDED.updated_at").Returning("NULL").Exec(ctx)
		return err
	}); err != nil {
		return err
	}
	ch.units, units = nil, nil
	persons := make([]estate.Person, 0, batch)
	if err := step("persons", len(ch.persons), func(lo, hi int) error {
		persons = persons[:0]
		for _, p := range ch.persons[lo:hi] {
			persons = append(persons, estate.Person{TenantID: ch.tenantID, ID: p.id, Name: p.name, CreatedAt: ch.now, UpdatedAt: ch.now})
		}
		_, err := tx.NewInsert().Model(&persons).Returning("NULL").Exec(ctx)
		return err
	}); err != nil {
		return err
	}
	ch.persons, persons = nil, nil
	if err := step("phones", len(ch.phones), func(lo, hi int) error {
		rows := ch.phones[lo:hi]
		_, err := tx.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx)
		return err
	}); err != nil {
		return err
	}
	ch.phones = nil
	links := make([]estate.Link, 0, batch)
	err := step("links", len(ch.links), func(lo, hi int) error {
		links = links[:0]
		for _, l := range ch.links[lo:hi] {
			links = append(links, estate.Link{TenantID: ch.tenantID, ID: uuid.Must(uuid.NewV7()), UnitID: l.unit, PersonID: l.person,
				Relation: l.relation, CreatedAt: ch.now})
		}
		// An ended link the file names again is current again.
		_, err := tx.NewInsert().Model(&links).
			On("CONFLICT (tenant_id, unit_id, person_id, relation) DO UPDATE").Set("to_date = ''").Returning("NULL").Exec(ctx)
		return err
	})
	ch.links = nil
	return err
}

// faultAt lets a test make the apply fail at a phase, to prove that
// nothing of it remains.
func (s *Service) faultAt(phase string) error {
	if s.fault == nil {
		return nil
	}
	return s.fault(phase)
}
