package server

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// feeArrearsUnit is a unit of the arrears list with the people to
// collect from: its owners (or first occupant), names and phones.
type feeArrearsUnit struct {
	fee.UnitArrears
	Owners []estate.Contact `json:"owners"`
}

// feeArrearsOwners adds the units' owners, read in one query for the
// whole page, with the phones masked unless the caller sees phones (as
// on tickets). The list does not show email addresses.
func (s *Server) feeArrearsOwners(c *fiber.Ctx, scope estate.Scope, units []fee.UnitArrears) ([]feeArrearsUnit, error) {
	return s.arrearsOwners(c.UserContext(), s.ownersLookup(c, scope), units)
}

// ownersLookup is what reading owners needs of a request, taken while
// the request lasts (an export streams after its handler returned).
type ownersLookup struct {
	tenantID uuid.UUID
	scope    estate.Scope
	today    string
	full     bool // phones unmasked
}

func (s *Server) ownersLookup(c *fiber.Ctx, scope estate.Scope) ownersLookup {
	return ownersLookup{tenantID: tenantOf(c).ID, scope: scope, today: tenantDay(c), full: s.seesPhones(c)}
}

func (s *Server) arrearsOwners(ctx context.Context, l ownersLookup, units []fee.UnitArrears) ([]feeArrearsUnit, error) {
	ids := make([]uuid.UUID, len(units))
	for i, u := range units {
		ids[i] = u.UnitID
	}
	contacts, err := s.Estates.UnitContacts(ctx, l.tenantID, l.scope, ids, l.today)
	if err != nil {
		return nil, err
	}
	full := l.full
	out := make([]feeArrearsUnit, len(units))
	for i, u := range units {
		owners := contacts[u.UnitID]
		if owners == nil {
			owners = []estate.Contact{}
		}
		for j := range owners {
			owners[j].Email = ""
			if !full {
				owners[j].Phones = maskPhones(owners[j].Phones)
			}
		}
		out[i] = feeArrearsUnit{UnitArrears: u, Owners: owners}
	}
	return out, nil
}

// maskPhones is phones as the field staff see them (ticket.MaskPhone).
func maskPhones(phones []string) []string {
	out := make([]string, len(phones))
	for i, p := range phones {
		out[i] = ticket.MaskPhone(p)
	}
	return out
}

// feeArrearsParams are the arrears list's filters as a query string, for
// its links (next page, XLSX, letters): typed as a URL so the template
// keeps its & and = instead of escaping them into one value.
func feeArrearsParams(est *estate.Estate, q fee.AgingQuery, c *fiber.Ctx) template.URL {
	v := url.Values{"estate": {est.ID.String()}}
	if q.BuildingID != nil {
		v.Set("building", q.BuildingID.String())
	}
	if q.ItemID != nil {
		v.Set("item", q.ItemID.String())
	}
	if q.Age != "" {
		v.Set("age", q.Age)
	}
	if q.MinFen > 0 {
		v.Set("min_fen", strconv.FormatInt(q.MinFen, 10))
	}
	if a := c.Query("as_of"); a != "" {
		v.Set("as_of", a)
	}
	return template.URL(v.Encode())
}

// ownerView is an owner as the page shows them: the phones grouped for
// reading and dialled with a tap, unless masked.
type ownerView struct {
	Name   string
	Phones []phoneView
}

// ownerViews are the units' owners for the page, by unit.
func ownerViews(units []feeArrearsUnit) map[uuid.UUID][]ownerView {
	out := make(map[uuid.UUID][]ownerView, len(units))
	for _, u := range units {
		for _, o := range u.Owners {
			out[u.UnitID] = append(out[u.UnitID], ownerView{Name: o.Name, Phones: phoneViews(o.Phones)})
		}
	}
	return out
}

// yuanText is fen as typed into an amount field: 1234.50.
func yuanText(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
