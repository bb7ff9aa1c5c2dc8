package fee_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// Another company's IDs, and an estate outside the caller's scope, are
// not found: whatever the use case.
func TestTenantIsolationAndEstateScope(t *testing.T) {
	f := setup(t)
	area, _, water := f.standard(t)
	f.run(t, "2026-03")
	u := f.units["1-101"]
	bill := f.openBills(t, "1-101")[0]
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: u.ID, Method: fee.Cash, AmountFen: bill.AmountFen}, "")
	must(t, err)
	bill2 := f.openBills(t, "2-201")[0]
	w, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, bill2.ID, 100, "维修影响")
	must(t, err)
	runs, err := f.svc.Runs(f.ctx, f.alpha.ID, f.manager.Scope, f.east.ID)
	must(t, err)
	spaces, err := f.svc.ParkingList(f.ctx, f.alpha.ID, f.manager.Scope, f.east.ID, true)
	must(t, err)

	// Bravo's manager sees all of bravo, nothing of alpha; alpha's west
	// clerk sees nothing of the east estate.
	cases := map[string]func(tid uuid.UUID, a fee.Actor) error{
		"Items": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Items(f.ctx, tid, a.Scope, f.east.ID, false)
			return err
		},
		"Item": func(tid uuid.UUID, a fee.Actor) error {
			_, _, err := f.svc.Item(f.ctx, tid, a.Scope, area.ID)
			return err
		},
		"CreateItem": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.CreateItem(f.ctx, tid, a.Scope, f.east.ID, fee.ItemInput{Name: "x", Kind: fee.FixedUnit, DueDay: 1})
			return err
		},
		"UpdateItem": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.UpdateItem(f.ctx, tid, a.Scope, area.ID, fee.ItemInput{Name: "x", DueDay: 1})
			return err
		},
		"SetItemArchived": func(tid uuid.UUID, a fee.Actor) error {
			return f.svc.SetItemArchived(f.ctx, tid, a.Scope, area.ID, true)
		},
		"AddRate": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.AddRate(f.ctx, tid, a, area.ID, fee.RateInput{EffectiveFrom: "2027-01-01", Price: 1})
			return err
		},
		"SetChargedFrom": func(tid uuid.UUID, a fee.Actor) error {
			return f.svc.SetChargedFrom(f.ctx, tid, a.Scope, u.ID, "2026-01-01")
		},
		"SaveParkingSpace": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.SaveParkingSpace(f.ctx, tid, a.Scope, f.east.ID, nil, fee.ParkingInput{Code: "X"})
			return err
		},
		"ParkingSpaces": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.ParkingSpaces(f.ctx, tid, a.Scope, f.east.ID)
			return err
		},
		"ParkingList": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.ParkingList(f.ctx, tid, a.Scope, f.east.ID, true)
			return err
		},
		"Parking": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Parking(f.ctx, tid, a.Scope, spaces[0].ID)
			return err
		},
		"SetParkingArchived": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.SetParkingArchived(f.ctx, tid, a.Scope, spaces[0].ID, true)
			return err
		},
		"ReadingSheet": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.ReadingSheet(f.ctx, tid, a.Scope, water.ID, "2026-03", u.BuildingID)
			return err
		},
		"Readings": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Readings(f.ctx, tid, a.Scope, water.ID, "2026-03")
			return err
		},
		"Preview": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Preview(f.ctx, tid, a.Scope, f.east.ID, "2026-04")
			return err
		},
		"StartRun": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.StartRun(f.ctx, tid, a, f.east.ID, "2026-04")
			return err
		},
		"Run": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Run(f.ctx, tid, a.Scope, runs[0].ID)
			return err
		},
		"Runs": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Runs(f.ctx, tid, a.Scope, f.east.ID)
			return err
		},
		"Account": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Account(f.ctx, tid, a.Scope, u.ID)
			return err
		},
		"Payment": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Payment(f.ctx, tid, a.Scope, rc.Payment.ID)
			return err
		},
		"Void": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.Void(f.ctx, tid, a, rc.Payment.ID, "x")
			return err
		},
		"RequestWaiver": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.RequestWaiver(f.ctx, tid, a, bill2.ID, 1, "x")
			return err
		},
		"DecideWaiver": func(tid uuid.UUID, a fee.Actor) error {
			_, err := f.svc.DecideWaiver(f.ctx, tid, a, w.ID, true, true)
			return err
		},
	}
	for name, call := range cases {
		if err := call(f.bravo.ID, f.bravoMgr); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("%s by another company: %v", name, err)
		}
		if err := call(f.alpha.ID, f.westClerk); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("%s outside the estate scope: %v", name, err)
		}
	}
	// The calls that take the tenant itself.
	for name, err := range map[string]error{
		"Pay bravo": func() error {
			_, err := f.svc.Pay(f.ctx, f.bravo, f.bravoMgr, fee.PayInput{UnitID: u.ID, Method: fee.Cash, AmountFen: 1}, "")
			return err
		}(),
		"Pay bravo's unit with alpha's bill": func() error {
			_, err := f.svc.Pay(f.ctx, f.bravo, f.bravoMgr, fee.PayInput{UnitID: f.bravoUnit.ID, BillIDs: []uuid.UUID{bill2.ID}, Method: fee.Cash, AmountFen: 1}, "")
			return err
		}(),
		"RecordReading": func() error {
			_, err := f.svc.RecordReading(f.ctx, f.bravo, f.bravoMgr, fee.ReadingInput{UnitID: u.ID, ItemID: water.ID, Period: "2026-04", Value: 1})
			return err
		}(),
		"ChargeOneOff": func() error {
			_, err := f.svc.ChargeOneOff(f.ctx, f.bravo, f.bravoMgr, u.ID, area.ID, "2026-03-01", 100)
			return err
		}(),
		"Aging": func() error {
			_, err := f.svc.Aging(f.ctx, f.bravo, f.bravoMgr.Scope, fee.AgingQuery{EstateID: f.east.ID})
			return err
		}(),
		"CollectionRates": func() error {
			_, err := f.svc.CollectionRates(f.ctx, f.bravo, f.bravoMgr.Scope, fee.RateQuery{EstateID: f.east.ID, Period: "2026-03"})
			return err
		}(),
		"Aging out of scope": func() error {
			_, err := f.svc.Aging(f.ctx, f.alpha, f.westClerk.Scope, fee.AgingQuery{EstateID: f.east.ID})
			return err
		}(),
		"Pay out of scope": func() error {
			_, err := f.svc.Pay(f.ctx, f.alpha, f.westClerk, fee.PayInput{UnitID: u.ID, Method: fee.Cash, PrepayFen: 1}, "")
			return err
		}(),
	} {
		if !errors.Is(err, database.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Nothing changed in alpha.
	ac := f.account(t, "1-101")
	if len(ac.Payments) != 1 || ac.Payments[0].VoidedAt != nil || ac.BalanceFen != 0 {
		t.Errorf("alpha's account changed: %+v", ac)
	}
}
