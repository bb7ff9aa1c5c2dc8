package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeArrearsPage is how many units one page of the arrears list shows.
const feeArrearsPage = 100

// feeArrearsFilter reads the arrears filters: estate (the first visible
// by default), building, item and the day (as_of) the ages count to.
func (s *Server) feeArrearsFilter(c *fiber.Ctx) ([]estate.Estate, *estate.Estate, fee.AgingQuery, error) {
	estates, est, err := s.feeEstates(c)
	if err != nil || est == nil {
		return estates, est, fee.AgingQuery{}, err
	}
	q := fee.AgingQuery{EstateID: est.ID, AsOf: c.Query("as_of")}
	if q.BuildingID, err = queryUUID(c, "building"); err != nil {
		return nil, nil, q, err
	}
	if q.ItemID, err = queryUUID(c, "item"); err != nil {
		return nil, nil, q, err
	}
	if q.Age = c.Query("age"); !fee.ValidAge(q.Age) {
		return nil, nil, q, fee.ErrInvalidAge
	}
	// The least amount owed: typed in yuan on the page (min_amount), in
	// fen through the API and the page's own links (min_fen).
	if v := c.Query("min_fen"); v != "" {
		if q.MinFen, err = strconv.ParseInt(v, 10, 64); err != nil || q.MinFen < 0 {
			return nil, nil, q, fee.ErrInvalidAmount
		}
	} else if v := strings.TrimSpace(c.Query("min_amount")); v != "" {
		if q.MinFen, err = fee.ParseYuan(v); err != nil {
			return nil, nil, q, err
		}
	}
	return estates, est, q, nil
}

// feeArrearsList: arrears (欠费) by building and item in the five age
// buckets, then unit by unit in pages by unit code (after=the last code).
func (s *Server) feeArrearsList(c *fiber.Ctx) error {
	estates, est, q, err := s.feeArrearsFilter(c)
	if err != nil {
		return err
	}
	if est == nil {
		return s.render(c, "fee_arrears", "fee.page.arrears", map[string]any{"Estates": estates})
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	aging, err := s.Fees.Aging(ctx, t, scope, q)
	if err != nil {
		return err
	}
	units, err := s.Fees.ArrearsByUnit(ctx, t, scope, q, c.Query("after"), feeArrearsPage)
	if err != nil {
		return err
	}
	if aging == nil {
		aging = []fee.AgingRow{}
	}
	if units == nil {
		units = []fee.UnitArrears{}
	}
	next := ""
	if len(units) == feeArrearsPage {
		next = units[len(units)-1].Code
	}
	withOwners, err := s.feeArrearsOwners(c, scope, units)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"aging": aging, "units": withOwners, "next": next})
	}
	var total fee.AgingRow
	for _, r := range aging {
		for i, b := range r.Buckets {
			total.Buckets[i] += b
		}
		total.TotalFen += r.TotalFen
	}
	buildings, err := s.Estates.Buildings(ctx, t.ID, scope, est.ID)
	if err != nil {
		return err
	}
	items, err := s.Fees.Items(ctx, t.ID, scope, est.ID, true)
	if err != nil {
		return err
	}
	names := map[uuid.UUID]string{}
	for _, b := range buildings {
		names[b.ID] = b.Name
	}
	minAmount := c.Query("min_amount")
	if minAmount == "" && q.MinFen > 0 {
		minAmount = yuanText(q.MinFen)
	}
	return s.render(c, "fee_arrears", "fee.page.arrears", map[string]any{"Estates": estates, "Estate": est,
		"Aging": aging, "Total": total, "Units": withOwners, "Next": next, "Buildings": buildings, "BuildingNames": names, "Items": items,
		"Buckets": fee.AgingBuckets, "BuildingSel": c.Query("building"), "ItemSel": c.Query("item"),
		"Age": q.Age, "MinAmount": minAmount, "MinFen": q.MinFen, "Owners": ownerViews(withOwners), "Params": feeArrearsParams(est, q, c),
		"AsOf": c.Query("as_of"), "ClientToken": uuid.NewString()})
}
